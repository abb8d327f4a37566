"""Signed sheets that outside validators accept: pyHanko with the CA as the only root,
and poppler's pdfsig with the CA in a throwaway NSS database."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from reviewer.sheet.data import SheetData
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import SheetSigner, SheetSigningError, embed_and_sign
from reviewer.sheet.verify import RefusedSheet, VerifiedSheet, load_trust_anchor, verify_sheet
from tests.sheet_fixtures import pki, recused_review, rubric, sheet


@pytest.fixture(scope="module")
def signed() -> tuple[SheetData, bytes]:
    p = pki()
    data = sheet()
    return data, embed_and_sign(
        render_sheet(data, rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert)
    )


def test_pyhanko_validates_with_the_ca_as_only_root(signed):
    _, pdf = signed
    reader = PdfFileReader(io.BytesIO(pdf))
    (sig,) = reader.embedded_signatures
    ctx = ValidationContext(
        trust_roots=[load_trust_anchor(pki().ca_pem)],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(sig, ctx)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    # The CA certificate travels in the CMS.
    certs = {c.dump() for c in sig.other_embedded_certs}
    assert load_trust_anchor(pki().ca_pem).dump() in certs


def test_review_json_is_embedded_as_data_and_round_trips(signed):
    data, pdf = signed
    reader = PdfFileReader(io.BytesIO(pdf))
    root = reader.root
    (spec_ref,) = root["/AF"]
    spec = spec_ref.get_object()
    assert spec["/AFRelationship"] == "/Data"
    assert spec["/UF"] == "review.json"
    stream = spec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/json"
    assert SheetData.from_json_bytes(stream.data) == data


def test_verify_sheet_accepts_it(signed):
    data, pdf = signed
    result = verify_sheet(pdf, pki().ca_pem, session_id=data.session_id, pack_id=data.pack_id)
    assert isinstance(result, VerifiedSheet), result.reasons
    assert result.valid and result.reasons == () and result.codes == ()
    assert result.data == data
    assert result.signer_name == "买买提·艾力"
    assert result.signer_cert_sha256 == pki().cert_sha256
    assert result.signing_time is not None


def test_a_recusal_is_a_signed_sheet_too():
    p = pki()
    data = sheet(recused_review(rubric()))
    pdf = embed_and_sign(render_sheet(data, rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert))
    result = verify_sheet(pdf, p.ca_cert)
    assert result.valid and result.data.recused


def test_a_refused_sheet_names_at_least_one_reason():
    with pytest.raises(ValueError):
        RefusedSheet(reasons=(), codes=())
    with pytest.raises(ValueError):
        RefusedSheet(reasons=("a", "b"), codes=("a",))


def test_one_signer_signs_many(signed):
    p = pki()
    signer = SheetSigner(p.key, p.cert, p.ca_cert)
    for cid in ("C001", "C002"):
        data = sheet(candidate_name=cid)
        assert verify_sheet(
            embed_and_sign(render_sheet(data, rubric()), data, signer), p.ca_pem
        ).valid


def test_signer_refuses_a_sheet_naming_another_certificate():
    p = pki()
    data = sheet(cert_sha256_hex="00" * 32)
    with pytest.raises(SheetSigningError):
        embed_and_sign(render_sheet(data, rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert))


def test_signer_refuses_a_key_not_matching_the_certificate():
    from cryptography.hazmat.primitives.asymmetric import ec

    p = pki()
    with pytest.raises(SheetSigningError):
        SheetSigner(ec.generate_private_key(ec.SECP256R1()), p.cert, p.ca_cert)


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")), reason="poppler/NSS tools missing"
)
def test_pdfsig_reports_valid_whole_document_and_trusted(signed, tmp_path):
    _, pdf = signed
    sheet_path = tmp_path / "sheet.pdf"
    sheet_path.write_bytes(pdf)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki().ca_pem)
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True)
    subprocess.run(
        ["certutil", "-A", "-n", "ca", "-t", ",C,", "-i", str(ca), "-d", f"sql:{nss}"], check=True
    )
    # pdfsig exits 0 even for an invalid signature: only its output says.
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(sheet_path)], capture_output=True, text=True
    ).stdout
    assert "Signature #1" in out and "Signature #2" not in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert "Certificate Validation: Certificate is Trusted." in out
    assert "买买提·艾力" in out
    assert "ETSI.CAdES.detached" in out


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils missing")
def test_signed_sheet_still_has_only_embedded_fonts(signed, tmp_path):
    _, pdf = signed
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows)
