"""Every tampered sheet is refused, each with its own reason."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from reviewer.sheet.data import SheetData
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import SheetSigner, embed_and_sign
from reviewer.sheet.verify import REFUSAL_CODES, RefusedSheet, SheetTrustError, verify_sheet
from tests.sheet_fixtures import issue_reviewer, make_ca, pki, rubric, sheet


@pytest.fixture(scope="module")
def good() -> tuple[SheetData, bytes]:
    p = pki()
    data = sheet()
    return data, embed_and_sign(
        render_sheet(data, rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert)
    )


def _codes(pdf: bytes, **kwargs) -> tuple[str, ...]:
    result = verify_sheet(pdf, pki().ca_pem, **kwargs)
    assert isinstance(result, RefusedSheet) and not result.valid
    assert len(result.reasons) == len(result.codes)
    return result.codes


def _spec(writer, payload: bytes) -> FileSpec:
    return FileSpec(
        file_spec_string="review.json",
        file_name="review.json",
        embedded_data=EmbeddedFileObject.from_file_data(
            writer, payload, mime_type="application/json"
        ),
        af_relationship=generic.NameObject("/Data"),
    )


def _forged_payload(data: SheetData) -> bytes:
    doc = json.loads(data.to_json_bytes())
    doc["review"]["scores"] = {k: "10" for k in doc["review"]["scores"]}
    doc["result"].update(total="100.00", level="excellent")
    return json.dumps(doc, ensure_ascii=False).encode()


def test_good_sheet_is_valid(good):
    assert verify_sheet(good[1], pki().ca_pem).valid


def test_byte_flipped(good):
    _, pdf = good
    flipped = bytearray(pdf)
    at = pdf.find(b"stream", 2000) + 64
    flipped[at] ^= 0x01
    assert _codes(bytes(flipped)) == ("signature_invalid",)


def test_bytes_appended(good):
    assert _codes(good[1] + b"\n% appended\n") == ("appended",)


def test_incremental_update_replacing_review_json(good):
    data, pdf = good
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    names[1] = writer.add_object(_spec(writer, _forged_payload(data)).as_pdf_object())
    writer.update_container(names)
    out = io.BytesIO()
    writer.write(out)
    result = verify_sheet(out.getvalue(), pki().ca_pem)
    assert not result.valid and result.codes == ("modified",)
    # What is reported is what was signed, never the replacement.
    assert result.data == data


def test_incremental_update_adding_a_second_review_json(good):
    data, pdf = good
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    embed_file(writer, _spec(writer, _forged_payload(data)))
    out = io.BytesIO()
    writer.write(out)
    assert _codes(out.getvalue()) == ("modified",)


def test_signed_by_a_key_outside_the_ca():
    ca_key, ca_cert = make_ca("另一个根证书")
    key, cert = issue_reviewer(ca_key, ca_cert)
    outsider = SheetSigner(key, cert, ca_cert)
    data = sheet(cert_sha256_hex=outsider.cert_sha256)
    pdf = embed_and_sign(render_sheet(data, rubric()), data, outsider)
    assert verify_sheet(pdf, ca_cert).valid
    assert _codes(pdf) == ("untrusted",)


def test_data_naming_another_reviewer(good):
    p = pki()
    data = sheet(cert_sha256_hex="ab" * 32)
    signer = SheetSigner(p.key, p.cert, p.ca_cert)
    signer.cert_sha256 = data.reviewer_cert_sha256  # get past the signer's own check
    pdf = embed_and_sign(render_sheet(data, rubric()), data, signer)
    assert _codes(pdf) == ("wrong_signer",)


def _sign_with_payloads(payloads: list[bytes]) -> bytes:
    """A correctly signed sheet whose signed revision carries the given review.json files."""
    from pyhanko.sign import fields, signers

    p = pki()
    data = sheet()
    signer = SheetSigner(p.key, p.cert, p.ca_cert)
    writer = IncrementalPdfFileWriter(io.BytesIO(render_sheet(data, rubric())))
    for payload in payloads:
        embed_file(writer, _spec(writer, payload))
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
        ),
        signer=signer.pyhanko_signer,
    ).sign_pdf(writer, output=out)
    return out.getvalue()


def test_no_review_data():
    assert _codes(_sign_with_payloads([])) == ("no_data",)


def test_two_review_data_files():
    payload = sheet().to_json_bytes()
    assert _codes(_sign_with_payloads([payload, payload])) == ("two_data",)


def test_review_data_not_matching_its_schema(english):
    doc = json.loads(sheet().to_json_bytes())
    doc["candidate"]["extra"] = "x"
    result = verify_sheet(_sign_with_payloads([json.dumps(doc).encode()]), pki().ca_pem)
    assert result.codes == ("schema",)
    assert "review data does not match its schema: $.candidate" in result.reasons[0]


def test_sheet_of_another_session_or_pack(good):
    data, pdf = good
    assert _codes(pdf, session_id="another") == ("other_session",)
    assert _codes(pdf, pack_id="another") == ("other_pack",)
    assert _codes(pdf, manifest_sha256="cd" * 32) == ("other_pack",)


def test_two_signatures(good):
    from pyhanko.sign import fields, signers

    p = pki()
    writer = IncrementalPdfFileWriter(io.BytesIO(good[1]))
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name="Second", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
        ),
        signer=SheetSigner(p.key, p.cert, p.ca_cert).pyhanko_signer,
    ).sign_pdf(writer, output=out)
    assert _codes(out.getvalue()) == ("signature_count",)


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"not a pdf at all",
        b"%PDF-1.7\n" + b"\x00" * 5000,
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF",
    ],
)
def test_hostile_files_are_refused_without_a_traceback(blob):
    assert not verify_sheet(blob, pki().ca_pem).valid


def test_truncated_and_sliced_sheets(good):
    _, pdf = good
    for cut in (len(pdf) // 7, len(pdf) // 2, len(pdf) - 10):
        assert not verify_sheet(pdf[:cut], pki().ca_pem).valid
        assert not verify_sheet(pdf[cut:], pki().ca_pem).valid


def test_huge_file_is_refused_unread(monkeypatch, good):
    import reviewer.sheet.verify as sv

    monkeypatch.setattr(sv, "MAX_SHEET_BYTES", 1000)
    assert _codes(good[1]) == ("too_large",)


def test_bad_trust_anchor_is_a_sheet_error(good):
    with pytest.raises(SheetTrustError):
        verify_sheet(good[1], b"garbage")
    with pytest.raises(SheetTrustError):
        verify_sheet(good[1], pki().cert)  # a reviewer's cert is no CA


def _unsigned_span(pdf: bytes) -> tuple[int, int]:
    """Where the signature's CMS blob sits (``<`` to past ``>``): the only bytes of the
    file the signature does not cover."""
    (sig,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    _, start, end, _ = list(sig.sig_object["/ByteRange"])
    return start, end


def _review_json_span(pdf: bytes) -> tuple[int, int]:
    """The compressed review.json stream's bytes."""
    spec = pdf.index(b"/Subtype /application#2Fjson")
    start = pdf.index(b"stream", spec) + len(b"stream")
    start += 2 if pdf[start : start + 2] == b"\r\n" else 1
    return start, pdf.index(b"endstream", start)


@pytest.fixture(scope="module")
def regions(good) -> dict[str, tuple[int, int]]:
    _, pdf = good
    unsigned = _unsigned_span(pdf)
    return {
        "anywhere": (0, len(pdf)),
        "unsigned": unsigned,  # the CMS blob, hex, zero-padded
        "review.json": _review_json_span(pdf),
        # The signed revision's tail: signature dictionary, cross-references, trailer.
        "tail": (unsigned[1], len(pdf)),
    }


@settings(max_examples=50, deadline=None)
@given(draw=st.data())
def test_random_byte_flips_are_refused_or_change_nothing(good, regions, draw):
    """Whatever bytes change, the sheet is refused with known codes, or it is accepted
    with exactly the data that was signed, and then only unsigned bytes changed."""
    data, pdf = good
    unsigned = regions["unsigned"]
    region = regions[draw.draw(st.sampled_from(sorted(regions)), label="region")]
    # Positions from a seeded Random: Hypothesis's own integers cluster at the region's
    # edges (the PDF header, the start of a stream), which leaves the middle untested.
    rng = draw.draw(st.randoms(use_true_random=False), label="positions")
    count = draw.draw(st.integers(1, 8), label="count")
    # Hex digits too: inside the CMS hex string, anything else is a syntax error.
    values = draw.draw(st.sampled_from([bytes(range(256)), b"0123456789ABCDEF"]), label="values")
    mutated = bytearray(pdf)
    positions = [rng.randrange(*region) for _ in range(count)]
    for at in positions:
        mutated[at] = rng.choice(values)
    changed = sorted({at for at in positions if mutated[at] != pdf[at]})
    result = verify_sheet(bytes(mutated), pki().ca_pem)
    assert len(result.reasons) == len(result.codes)
    if result.valid:
        assert result.data == data
        assert result.signer_cert_sha256 == pki().cert_sha256
    else:
        assert result.codes and set(result.codes) <= set(REFUSAL_CODES)
    if any(not unsigned[0] <= at < unsigned[1] for at in changed):
        assert not result.valid, f"signed bytes changed at {changed}, and it was accepted"
        # ... and the reason says so: not only a consequence such as unreadable data.
        assert set(result.codes) & {"signature_invalid", "not_pdf", "signature_count"}


def test_a_flip_in_the_signature_padding_is_refused(good):
    """The CMS blob is zero-padded to its reserved size; that padding is not signed, so
    changing it would make a second "valid" file of one sheet: only zeros are allowed
    (signature_encoding)."""
    _, pdf = good
    _, end = _unsigned_span(pdf)
    assert pdf[end - 9 : end - 1] == b"0" * 8
    mutated = pdf[: end - 9] + b"12345678" + pdf[end - 1 :]
    result = verify_sheet(mutated, pki().ca_pem)
    assert result.codes == ("signature_encoding",)


def test_verify_result_data_is_the_signed_data(good):
    data, pdf = good
    assert verify_sheet(pdf, pki().ca_pem).data == replace(data)
