"""Every refusal code has a test that fails without its rule.

A sheet is refused by ``verify_sheet`` (its codes: ``REFUSAL_CODES``) or by the import
(``import_sheets``: the codes ``refusal_message`` knows); a pack by a ``PackError``
subclass. The tests here build, for each code that had none, the one input only its rule
catches: a genuinely signed sheet, made with the real signer, then changed in the one
way that rule is about. ``VERIFY_TESTS``, ``INTAKE_TESTS`` and ``PACK_TESTS`` name the
test(s) of every code, wherever they live, and the meta-tests at the end fail when a
code has none, when a named test is gone, or when it does not mention its code.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib
import inspect
import io
import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyrage
import pytest
from asn1crypto import cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyrage import x25519

import reviewer.pack.errors as pack_errors
import reviewer.sheet.verify as sheet_verify
from reviewer.people.session import RosterEntry, RubricRef, Session
from reviewer.rubric.model import CheckKind, Level
from reviewer.secretariat.intake import SheetStatus, import_sheets, refusal_message
from reviewer.sheet.data import SheetData
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import SheetSigner, embed_and_sign
from reviewer.sheet.verify import MAX_SHEET_BYTES, REFUSAL_CODES, verify_sheet
from tests.sheet_fixtures import (
    CREATED,
    REVIEWER_NAME,
    SESSION_ID,
    pki,
    rubric,
    sheet,
    vetoed_review,
)

PACK_ID = "pack-0001"  # what tests.sheet_fixtures.sheet() puts in review.json
CANDIDATE = "C002"  # the candidate of tests.sheet_fixtures.scored_review()


# -- making sheets and sessions --------------------------------------------------------


def sign(data: SheetData) -> bytes:
    """The sheet as a reviewer exports it: rendered, review.json embedded, signed."""
    p = pki()
    return embed_and_sign(render_sheet(data, rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert))


@pytest.fixture(scope="module")
def good() -> tuple[SheetData, bytes]:
    data = sheet(session_id=SESSION_ID)
    return data, sign(data)


def session_for(
    folder: Path, *, rubrics: tuple[RubricRef, ...] | None = None, enrolled: bool = True
) -> Session:
    """The session the fixtures' sheets belong to, as ``open_session`` would give it: the
    fixtures' CA, the arts rubric, and the fixtures' reviewer on the roster."""
    p = pki()
    entry = RosterEntry(REVIEWER_NAME, p.cert, str(x25519.Identity.generate().to_public()), CREATED)
    folder.mkdir(parents=True, exist_ok=True)
    return Session(
        folder=folder,
        id=SESSION_ID,
        name="2026年度文艺名家评审会",
        programme="文艺名家",
        rubrics=rubrics if rubrics is not None else (RubricRef("arts", rubric().fingerprint),),
        created=CREATED,
        ca_certificate=p.ca_cert,
        secretariat_certificate=p.ca_cert,
        roster=(entry,) if enrolled else (),
    )


def import_one(tmp_path: Path, name: str, content: bytes, session: Session | None = None, **kw):
    """Import a folder holding this one file; its record."""
    folder = tmp_path / "sheets"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    session = session or session_for(tmp_path / "session")
    kw.setdefault("use_cache", False)
    result = import_sheets(session, folder, workers=1, **kw)
    (record,) = result.records
    return record


def refused_with(record) -> tuple[str, ...]:
    assert record.status is SheetStatus.REFUSED
    assert len(record.reasons) == len(record.codes) and all(record.reasons)
    return record.codes


def verify_codes(pdf: bytes) -> tuple[str, ...]:
    result = verify_sheet(pdf, pki().ca_pem)
    assert not result.valid and len(result.reasons) == len(result.codes)
    return result.codes


def _sign_revision(writer: IncrementalPdfFileWriter) -> bytes:
    """Sign what the writer holds with the reviewer's key, as embed_and_sign does."""
    p = pki()
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
        ),
        signer=SheetSigner(p.key, p.cert, p.ca_cert).pyhanko_signer,
    ).sign_pdf(writer, output=out)
    return out.getvalue()


# -- verify_sheet: the codes that had no exact test --------------------------------------


def test_not_pdf_is_its_own_code():
    assert verify_codes(b"not a pdf at all") == ("not_pdf",)
    assert verify_codes(b"%PDF-1.7\n" + b"\x00" * 5000) == ("not_pdf",)


def test_an_unsigned_sheet_is_refused_for_its_signature_count(good):
    data, _ = good
    assert verify_codes(render_sheet(data, rubric())) == ("signature_count",)


def test_a_signature_whose_cms_names_no_signer_is_invalid(good):
    """The CMS blob is not covered by the digest: strip its certificates and the
    signature cannot even be checked (pyHanko raises), which must read as invalid."""
    _, pdf = good
    (sig,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    _, start, end, _ = list(sig.sig_object["/ByteRange"])  # start, end: the < and past >
    info = cms.ContentInfo.load(bytes.fromhex(pdf[start + 1 : end - 1].decode("ascii")))
    info["content"]["certificates"] = None
    blob = info.dump(force=True).hex().upper().encode("ascii")
    blob += b"0" * (end - start - 2 - len(blob))
    stripped = pdf[: start + 1] + blob + pdf[end - 1 :]
    assert len(stripped) == len(pdf)
    assert verify_codes(stripped) == ("signature_invalid",)


def test_review_json_in_an_encoding_the_verifier_does_not_read_is_no_data(good):
    """Signed, but review.json is ASCIIHex-encoded: the data cannot be read, and a
    sheet whose data cannot be read is refused rather than the error escaping."""
    data, _ = good
    writer = IncrementalPdfFileWriter(io.BytesIO(render_sheet(data, rubric())))
    payload = data.to_json_bytes()
    stream = EmbeddedFileObject(
        writer,
        dict_data={"/Filter": generic.NameObject("/ASCIIHexDecode")},
        encoded_data=payload.hex().encode("ascii") + b">",
        mime_type="application/json",
    )
    embed_file(
        writer,
        FileSpec(
            file_spec_string="review.json",
            file_name="review.json",
            embedded_data=stream,
            af_relationship=generic.NameObject("/Data"),
        ),
    )
    assert verify_codes(_sign_revision(writer)) == ("no_data",)


def _past_pki(start: datetime):
    """A CA and reviewer certificate issued at ``start`` (valid five years from then)."""
    from reviewer.people import ca as session_ca

    ca_key, ca_cert = session_ca.create_ca(SESSION_ID, "旧评审会", now=start)
    key = session_ca.new_signing_key()
    cert = session_ca.issue_certificate(
        ca_key, ca_cert, key.public_key(), REVIEWER_NAME, session_id=SESSION_ID, now=start
    )
    return ca_cert, SheetSigner(key, cert, ca_cert)


def test_an_archived_sheet_verifies_after_its_certificate_expired(good, english):
    """Validated at its signing time, a sheet stays valid once the session's
    certificates expire (ten years on, the archive is re-checked); it says so in a
    note, not as 'outside this session's CA'."""
    later = datetime.now(UTC) + timedelta(days=3650)
    result = verify_sheet(good[1], pki().ca_pem, now=later)
    assert result.valid, result.reasons
    assert result.notes and "expired" in result.notes[0]
    assert not verify_sheet(good[1], pki().ca_pem).notes  # valid now: nothing to note


def test_a_sheet_signed_after_its_certificate_expired(good):
    """A stolen key signs today with a certificate that expired years ago: refused
    as cert_expired (the signing time is outside the certificate's validity)."""
    ca_cert, signer = _past_pki(datetime(2015, 3, 1, tzinfo=UTC))
    data = replace(good[0], reviewer_cert_sha256=signer.cert_sha256)
    pdf = embed_and_sign(render_sheet(data, rubric()), data, signer)
    result = verify_sheet(pdf, ca_cert)
    assert not result.valid and result.codes == ("cert_expired",)
    assert "2020" in result.reasons[0]


def _recontents(pdf: bytes, change) -> bytes:
    """The sheet with its /Contents hex string rewritten by ``change`` (same length)."""
    (sig,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    _, start, end, _ = list(sig.sig_object["/ByteRange"])
    new = change(pdf[start + 1 : end - 1])
    assert len(new) == end - start - 2
    return pdf[: start + 1] + new + pdf[end - 1 :]


def _trailing_bytes(hex_digits: bytes) -> bytes:
    der_len = len(cms.ContentInfo.load(bytes.fromhex(hex_digits.decode())).dump()) * 2
    return hex_digits[:der_len] + b"AB" + hex_digits[der_len + 2 :]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(bytes.lower, id="lower-case-hex"),
        pytest.param(_trailing_bytes, id="bytes-after-the-der"),
    ],
)
def test_a_signature_in_another_encoding_is_refused(good, change):
    """Same signature, stored differently: without the rule this is a second valid
    file for one sheet (signature_encoding)."""
    other = _recontents(good[1], change)
    assert other != good[1]
    assert verify_codes(other) == ("signature_encoding",)


def test_copies_of_one_signed_revision_are_duplicates_not_a_conflict(tmp_path, good):
    """Two files differing only outside what the signature covers (here an unsigned
    attribute in the CMS, re-encoded canonically) are one sheet: the second is a
    duplicate, and nothing is blocked."""

    def unsigned_attr(hex_digits: bytes) -> bytes:
        info = cms.ContentInfo.load(bytes.fromhex(hex_digits.decode()))
        signer = info["content"]["signer_infos"][0]
        signer["unsigned_attrs"] = cms.CMSAttributes(
            [
                cms.CMSAttribute(
                    {"type": "signing_time", "values": [cms.Time({"utc_time": CREATED})]}
                )
            ]
        )
        der = info.dump(force=True).hex().upper().encode()
        return der + b"0" * (len(hex_digits) - len(der))

    other = _recontents(good[1], unsigned_attr)
    assert other != good[1] and verify_sheet(other, pki().ca_pem).valid
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(good[1])
    (folder / "b.pdf").write_bytes(other)
    result = import_sheets(session_for(tmp_path / "s"), folder, workers=1, use_cache=False)
    assert not result.conflicts
    assert [r.status for r in result.records] == [SheetStatus.COUNTED, SheetStatus.DUPLICATE]


# -- the strict sheet profile ----------------------------------------------------------


def _with(pdf: bytes, change) -> bytes:
    """The rendered (unsigned) sheet with ``change(writer)`` applied as an update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _signed(data: SheetData, change=None, *, rendered: SheetData | None = None) -> bytes:
    """Rendered from ``rendered`` (default: the data), changed, then signed with the
    reviewer's real key, as the workstation would (the signature covers the change)."""
    p = pki()
    pdf = render_sheet(rendered or data, rubric())
    if change is not None:
        pdf = _with(pdf, change)
    return embed_and_sign(pdf, data, SheetSigner(p.key, p.cert, p.ca_cert))


def _js(writer) -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            generic.NameObject("/S"): generic.NameObject("/JavaScript"),
            generic.NameObject("/JS"): generic.TextStringObject("app.alert(1)"),
        }
    )


def _open_action(writer):
    writer.root[generic.NameObject("/OpenAction")] = writer.add_object(_js(writer))
    writer.update_root()


def _names_javascript(writer):
    tree = generic.DictionaryObject(
        {
            generic.NameObject("/Names"): generic.ArrayObject(
                [generic.TextStringObject("x"), writer.add_object(_js(writer))]
            )
        }
    )
    names = generic.DictionaryObject({generic.NameObject("/JavaScript"): tree})
    writer.root[generic.NameObject("/Names")] = writer.add_object(names)
    writer.update_root()


def _page(writer):
    page_ref = writer.root["/Pages"]["/Kids"][0]
    return page_ref, page_ref.get_object()


def _page_action(writer):
    ref, page = _page(writer)
    page[generic.NameObject("/AA")] = generic.DictionaryObject(
        {generic.NameObject("/O"): writer.add_object(_js(writer))}
    )
    writer.update_container(page)


def _annotation(writer, subtype: str, **extra):
    ref, page = _page(writer)
    annot = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject(subtype),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (10, 10, 100, 100)]
            ),
            **{generic.NameObject(k): v for k, v in extra.items()},
        }
    )
    page[generic.NameObject("/Annots")] = generic.ArrayObject([writer.add_object(annot)])
    writer.update_container(page)


def _uri_link(writer):
    uri = generic.DictionaryObject(
        {
            generic.NameObject("/S"): generic.NameObject("/URI"),
            generic.NameObject("/URI"): generic.TextStringObject("https://example.org/"),
        }
    )
    _annotation(writer, "/Link", **{"/A": uri})


def _sticky_note(writer):
    _annotation(writer, "/Text", **{"/Contents": generic.TextStringObject("改为 95 分")})


def _other_file(writer):
    embed_file(
        writer,
        FileSpec(
            file_spec_string="readme.exe",
            file_name="readme.exe",
            embedded_data=EmbeddedFileObject.from_file_data(writer, data=b"MZ\x90\x00"),
        ),
    )


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        pytest.param(_open_action, {"active_content"}, id="catalog-openaction"),
        pytest.param(_names_javascript, {"active_content"}, id="names-javascript"),
        pytest.param(_page_action, {"active_content"}, id="page-aa"),
        pytest.param(_uri_link, {"active_content", "annotation"}, id="uri-link"),
    ],
)
def test_active_content_anywhere_is_refused(good, change, codes):
    """Signed with the reviewer's own key, a sheet that runs JavaScript when opened,
    or opens a URI, is refused (active_content), wherever the action sits."""
    assert set(verify_codes(_signed(good[0], change))) == codes


def test_annotations_besides_the_signature_are_refused(good):
    """A sticky note 'changing' the score, signed: refused (annotation)."""
    assert verify_codes(_signed(good[0], _sticky_note)) == ("annotation",)


def test_files_embedded_besides_review_json_are_refused(good):
    """A signed sheet carrying an executable beside review.json (embedded_file)."""
    assert verify_codes(_signed(good[0], _other_file)) == ("embedded_file",)


def test_the_printed_digest_must_be_that_of_review_json(good):
    """The page (and its QR code) shows one review, review.json says another: the
    printed digest differs (printed_digest), so print and file cannot disagree."""
    shown = replace(good[0], review=replace(good[0].review, opinion="另一份意见"))
    assert verify_codes(_signed(good[0], rendered=shown)) == ("printed_digest",)


def test_the_reviewer_name_must_be_the_certificates(good):
    """The reviewer's key signs data naming someone else by name (signer_name)."""
    assert verify_codes(_signed(replace(good[0], reviewer_name="张明华"))) == ("signer_name",)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: replace(d, candidate_name="王\u202e吉"), id="bidi-name"),
        pytest.param(lambda d: replace(d, candidate_name="王\u200b吉"), id="zero-width"),
        pytest.param(
            lambda d: replace(d, review=replace(d.review, opinion="好\x07")), id="control"
        ),
        pytest.param(lambda d: replace(d, pack_id="pack 0001"), id="id-form"),
    ],
)
def test_review_json_follows_the_manifests_text_rules(good, change):
    """Invisible or direction-changing characters make two texts look alike, and ids
    must be in their form, as in the manifest (unsafe_text)."""
    assert verify_codes(_signed(change(good[0]))) == ("unsafe_text",)


def test_line_breaks_in_the_opinion_are_fine(good):
    data = replace(good[0], review=replace(good[0].review, opinion="第一段。\n\n第二段。"))
    assert verify_sheet(_signed(data), pki().ca_pem).valid


# -- import_sheets: every code of its own ----------------------------------------------


def test_the_unchanged_sheet_counts(tmp_path, good):
    """The baseline of every test below: each changes one thing and is refused for it."""
    record = import_one(
        tmp_path,
        "good.pdf",
        good[1],
        pack_ids=[PACK_ID],
        candidate_categories={CANDIDATE: "arts"},
    )
    assert record.status is SheetStatus.COUNTED, record.codes
    assert record.data == good[0] and record.reviewer == REVIEWER_NAME


def test_sealed_sheet_without_the_key(tmp_path, good):
    ours = x25519.Identity.generate()
    sealed = pyrage.encrypt(good[1], [ours.to_public()])
    record = import_one(tmp_path, "s.pdf.age", sealed)
    assert refused_with(record) == ("sealed",)
    # With the key it opens and counts: the refusal was about the key alone.
    assert import_one(tmp_path, "s.pdf.age", sealed, sealing=ours).status is SheetStatus.COUNTED


def test_sealed_sheet_the_secretariat_cannot_open(tmp_path, good):
    ours, stranger = x25519.Identity.generate(), x25519.Identity.generate()
    sealed = pyrage.encrypt(good[1], [stranger.to_public()])
    record = import_one(tmp_path, "s.pdf.age", sealed, sealing=ours)
    assert refused_with(record) == ("sealed_foreign",)


def test_a_file_that_cannot_be_read(tmp_path, monkeypatch):
    """The file went away between the scan and its reading (a stick pulled out): it is
    refused as unreadable, the import goes on. (A dangling link is a symlink.)"""
    import reviewer.secretariat.intake as intake

    folder = tmp_path / "sheets"
    folder.mkdir()
    monkeypatch.setattr(intake, "scan_sheet_folder", lambda f: ([f / "gone.pdf"], []))
    result = import_sheets(session_for(tmp_path / "session"), folder, use_cache=False, workers=1)
    (record,) = result.records
    assert refused_with(record) == ("unreadable",)
    assert record.sha256 is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs symbolic links and FIFOs")
def test_links_and_fifos_are_listed_never_followed_nor_blocking(tmp_path, good):
    """A stick may carry a symlink to a sheet (or any file) outside the folder, a linked
    folder, or a FIFO that would hang the import on reading: each is listed as skipped
    (symlink, not_a_file), none is read, and the real sheet still counts."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.pdf").write_bytes(good[1])
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "real.pdf").write_bytes(good[1])
    (folder / "link.pdf").symlink_to(outside / "elsewhere.pdf")
    (folder / "linked-dir").symlink_to(outside, target_is_directory=True)
    (folder / "dangling.pdf").symlink_to(tmp_path / "gone.pdf")
    os.mkfifo(folder / "pipe.pdf")
    result = import_sheets(session_for(tmp_path / "session"), folder, workers=1, use_cache=False)
    by_path = {r.path: r for r in result.records}
    assert by_path["real.pdf"].status is SheetStatus.COUNTED
    assert refused_with(by_path["link.pdf"]) == ("symlink",)
    assert refused_with(by_path["linked-dir"]) == ("symlink",)
    assert refused_with(by_path["dangling.pdf"]) == ("symlink",)
    assert refused_with(by_path["pipe.pdf"]) == ("not_a_file",)
    assert len(result.records) == 5 and not result.conflicts


def test_a_file_too_large_is_refused_unread(tmp_path):
    folder = tmp_path / "sheets"
    folder.mkdir()
    with (folder / "huge.pdf").open("wb") as fh:
        fh.truncate(MAX_SHEET_BYTES + 1)  # sparse: no disk, and never read
    result = import_sheets(session_for(tmp_path / "session"), folder, use_cache=False, workers=1)
    (record,) = result.records
    assert refused_with(record) == ("too_large",)
    # Refused by the import before reading (verify_sheet's own cap would hash it first).
    assert record.sha256 is None


def test_signer_not_on_the_roster(tmp_path, good):
    session = session_for(tmp_path / "session", enrolled=False)
    assert refused_with(import_one(tmp_path, "x.pdf", good[1], session)) == ("not_on_roster",)


def test_signer_withdrawn_by_the_secretariat(tmp_path, good):
    from reviewer.people.session import Withdrawal

    session = session_for(tmp_path / "session")
    (entry,) = session.roster
    session = replace(session, roster=(replace(entry, withdrawn=Withdrawal(CREATED, "离任")),))
    record = import_one(tmp_path, "x.pdf", good[1], session)
    assert refused_with(record) == ("withdrawn",)
    assert record.reviewer == REVIEWER_NAME  # still named, so it shows as theirs


def test_pack_the_secretariat_did_not_build(tmp_path, good):
    record = import_one(tmp_path, "x.pdf", good[1], pack_ids=["pack-0002"])
    assert refused_with(record) == ("unknown_pack",)


def test_sheet_scored_from_another_manifest_of_a_known_pack(tmp_path, good):
    """A known pack id is not enough: the sheet must name the signed manifest's hash
    (other_manifest), or a reviewer could score dossiers the secretariat never sent."""
    record = import_one(tmp_path, "x.pdf", good[1], pack_manifests={PACK_ID: "cd" * 32})
    assert refused_with(record) == ("other_manifest",)
    (tmp_path / "b").mkdir()
    same = import_one(tmp_path / "b", "x.pdf", good[1], pack_manifests={PACK_ID: "AB" * 32})
    assert same.status is SheetStatus.COUNTED, same.codes


def test_rubric_not_of_the_session(tmp_path, good):
    news = next(r for r in _bundled() if r.id != "arts")
    session = session_for(tmp_path / "session", rubrics=(RubricRef(news.id, news.fingerprint),))
    assert refused_with(import_one(tmp_path, "x.pdf", good[1], session)) == ("unknown_rubric",)


def test_rubric_of_another_version(tmp_path, good):
    session = session_for(tmp_path / "session", rubrics=(RubricRef("arts", "0" * 64),))
    assert refused_with(import_one(tmp_path, "x.pdf", good[1], session)) == ("rubric_mismatch",)


def test_rubric_of_another_category_than_the_list(tmp_path, good):
    other = next(r for r in _bundled() if r.id != "arts")
    record = import_one(tmp_path, "x.pdf", good[1], candidate_categories={CANDIDATE: other.id})
    assert refused_with(record) == ("wrong_category",)


def test_candidate_not_on_the_list(tmp_path, good):
    record = import_one(tmp_path, "x.pdf", good[1], candidate_categories={"C001": "arts"})
    assert refused_with(record) == ("unknown_candidate",)


def _forged_total(data: SheetData) -> SheetData:
    return replace(data, total=data.total + Decimal("1.00"))


def _forged_level(data: SheetData) -> SheetData:
    return replace(data, level=Level.EXCELLENT if data.level is not Level.EXCELLENT else Level.POOR)


def _veto_on_a_scored_sheet(data: SheetData) -> SheetData:
    return replace(data, vetoes=(CheckKind.ETHICS,))


def _vetoed_without_its_veto(_data: SheetData) -> SheetData:
    vetoed = sheet(vetoed_review(rubric(), CANDIDATE), session_id=SESSION_ID)
    assert vetoed.total is None and vetoed.vetoes
    return replace(vetoed, vetoes=())


def _vetoed_shown_as_scored(_data: SheetData) -> SheetData:
    vetoed = sheet(vetoed_review(rubric(), CANDIDATE), session_id=SESSION_ID)
    return replace(vetoed, total=Decimal("80.25"), level=Level.GOOD, vetoes=())


@pytest.mark.parametrize(
    "forge",
    [
        _forged_total,
        _forged_level,
        _veto_on_a_scored_sheet,
        _vetoed_without_its_veto,
        _vetoed_shown_as_scored,
    ],
)
def test_signed_result_disagreeing_with_the_signed_scores(tmp_path, good, forge):
    """The reviewer's own key signs a review.json whose result is not what its scores
    and checks give (a tampered export, or a bug in the reviewer's build)."""
    forged = forge(good[0])
    assert forged != good[0]
    pdf = sign(forged)
    assert verify_sheet(pdf, pki().ca_pem, session_id=SESSION_ID).valid  # only the import sees it
    record = import_one(tmp_path, "x.pdf", pdf)
    assert refused_with(record) == ("inconsistent_total",)
    assert record.data == forged  # what was refused is reported as signed


CACHE_KEY = bytes(range(32))


def _cached_import(tmp_path: Path, session: Session, key: bytes | None = CACHE_KEY):
    return import_sheets(session, tmp_path / "sheets", workers=1, cache_key=key)


def test_the_cache_holds_verdicts_only_private_and_authenticated(tmp_path, good):
    """The cache in the session folder holds no review (a sealed session's scores and
    opinions must not lie there in the clear), is mode 0600, and a second run takes the
    verdict from it and the data from the sheet."""
    session = session_for(tmp_path / "session")
    first = import_one(tmp_path, "x.pdf", good[1], session, use_cache=True, cache_key=CACHE_KEY)
    assert first.status is SheetStatus.COUNTED
    cache = session.folder / "aggregate-cache.json"
    raw = cache.read_bytes()
    for secret in (good[0].review.opinion, "artistic_quality", good[0].candidate_name):
        assert secret.encode() not in raw
    assert base64.b64encode(good[0].to_json_bytes())[:40] not in raw
    if os.name == "posix":
        assert cache.stat().st_mode & 0o777 == 0o600
    again = _cached_import(tmp_path, session)
    assert again.from_cache == 1
    (record,) = again.records
    assert record.status is SheetStatus.COUNTED and record.data == good[0]


def test_without_the_key_the_cache_is_neither_read_nor_written(tmp_path, good):
    session = session_for(tmp_path / "session")
    import_one(tmp_path, "x.pdf", good[1], session, use_cache=True)
    assert not (session.folder / "aggregate-cache.json").exists()


def test_planted_or_edited_cache_entries_change_nothing(tmp_path, good):
    """Write access to the session folder is not a signature: a planted verdict for a
    junk file, a refused verdict edited to count, or a verdict moved onto another file
    are ignored (their MAC does not verify) and the files are verified again."""
    session = session_for(tmp_path / "session")
    folder = tmp_path / "sheets"
    folder.mkdir()
    junk = b"%PDF-1.7 planted"
    (folder / "junk.pdf").write_bytes(junk)
    (folder / "good.pdf").write_bytes(good[1])
    _cached_import(tmp_path, session)
    cache = session.folder / "aggregate-cache.json"
    doc = json.loads(cache.read_text("utf-8"))
    good_sha = hashlib.sha256(good[1]).hexdigest()
    junk_sha = hashlib.sha256(junk).hexdigest()
    counted = doc["entries"][good_sha]
    # The junk file's refusal edited into the good sheet's verdict (MAC and all).
    doc["entries"][junk_sha] = {**counted}
    # A forged entry for a file never seen, with a made-up MAC.
    doc["entries"]["00" * 32] = {**counted, "mac": "00" * 32}
    cache.write_text(json.dumps(doc), "utf-8")
    result = _cached_import(tmp_path, session)
    by_path = {r.path: r for r in result.records}
    assert refused_with(by_path["junk.pdf"]) == ("not_pdf",)
    assert by_path["good.pdf"].status is SheetStatus.COUNTED
    assert result.from_cache == 1 and result.verified == 1
    # A sheet forged with a key outside the CA, its refusal edited to count (with the
    # right data hash and the real reviewer's certificate): the MAC no longer verifies.
    from tests.sheet_fixtures import issue_reviewer, make_ca

    ca_key, ca_cert = make_ca("另一个根证书")
    key, cert = issue_reviewer(ca_key, ca_cert)
    outsider = SheetSigner(key, cert, ca_cert)
    forged = replace(good[0], reviewer_cert_sha256=outsider.cert_sha256)
    forged_pdf = embed_and_sign(render_sheet(forged, rubric()), forged, outsider)
    (folder / "forged.pdf").write_bytes(forged_pdf)
    _cached_import(tmp_path, session)
    doc = json.loads(cache.read_text("utf-8"))
    entry = doc["entries"][hashlib.sha256(forged_pdf).hexdigest()]
    assert entry["codes"] == ["untrusted"]
    entry.update(
        codes=[],
        reasons=[],
        signer_cert_sha256=counted["signer_cert_sha256"],
        data_sha256=hashlib.sha256(forged.to_json_bytes()).hexdigest(),
    )
    cache.write_text(json.dumps(doc), "utf-8")
    result = _cached_import(tmp_path, session)
    assert refused_with({r.path: r for r in result.records}["forged.pdf"]) == ("untrusted",)
    # Another key (another secretariat, or none unlocked) trusts none of it.
    assert _cached_import(tmp_path, session, key=b"x" * 32).from_cache == 0


def test_a_cached_verdict_whose_sheet_data_changed_is_verified_again(tmp_path, good, monkeypatch):
    """The data is read again after a cache hit and must be what was verified; if it
    is not (here: reading it back gives another sheet), the sheet is verified again."""
    import reviewer.secretariat.intake as intake

    session = session_for(tmp_path / "session")
    import_one(tmp_path, "x.pdf", good[1], session, use_cache=True, cache_key=CACHE_KEY)
    other = replace(good[0], review=replace(good[0].review, opinion="别的"))
    monkeypatch.setattr(intake, "signed_review_json", lambda _pdf: other.to_json_bytes())
    result = _cached_import(tmp_path, session)
    assert result.from_cache == 0 and result.verified == 1
    assert result.records[0].data == good[0]


def test_a_crash_in_the_verifier_is_a_verify_error(tmp_path, good, monkeypatch):
    def crash(_data: bytes) -> SheetData:
        raise RuntimeError("a bug in the verifier")

    monkeypatch.setattr(SheetData, "from_json_bytes", staticmethod(crash))
    assert refused_with(import_one(tmp_path, "x.pdf", good[1])) == ("verify_error",)


def _bundled():
    from reviewer.rubric.file import bundled_rubrics

    return bundled_rubrics()


# -- the registry: code → the tests that fail without its rule --------------------------

TAMPER = "tests/test_sheet_tamper.py"
HERE = "tests/test_refusal_codes.py"
AGGREGATE = "tests/test_aggregate.py"  # slow: a whole practice session
HOSTILE = "tests/test_pack_hostile.py"
CONTAINER = "tests/test_pack_container.py"
PACK = "tests/test_pack.py"
SIGNER = "tests/test_pack_signer.py"
STREAM = "tests/test_pack_stream.py"

VERIFY_TESTS: dict[str, tuple[str, ...]] = {
    "too_large": (f"{TAMPER}::test_huge_file_is_refused_unread",),
    "not_pdf": (f"{HERE}::test_not_pdf_is_its_own_code",),
    "signature_count": (
        f"{TAMPER}::test_two_signatures",
        f"{HERE}::test_an_unsigned_sheet_is_refused_for_its_signature_count",
    ),
    "signature_invalid": (
        f"{TAMPER}::test_byte_flipped",
        f"{TAMPER}::test_random_byte_flips_are_refused_or_change_nothing",
        f"{HERE}::test_a_signature_whose_cms_names_no_signer_is_invalid",
    ),
    "signature_encoding": (
        f"{HERE}::test_a_signature_in_another_encoding_is_refused",
        f"{TAMPER}::test_a_flip_in_the_signature_padding_is_refused",
    ),
    "untrusted": (f"{TAMPER}::test_signed_by_a_key_outside_the_ca",),
    "cert_expired": (f"{HERE}::test_a_sheet_signed_after_its_certificate_expired",),
    "modified": (
        f"{TAMPER}::test_incremental_update_replacing_review_json",
        f"{TAMPER}::test_incremental_update_adding_a_second_review_json",
    ),
    "appended": (f"{TAMPER}::test_bytes_appended",),
    "no_data": (
        f"{TAMPER}::test_no_review_data",
        f"{HERE}::test_review_json_in_an_encoding_the_verifier_does_not_read_is_no_data",
    ),
    "two_data": (f"{TAMPER}::test_two_review_data_files",),
    "schema": (f"{TAMPER}::test_review_data_not_matching_its_schema",),
    "wrong_signer": (f"{TAMPER}::test_data_naming_another_reviewer",),
    "signer_name": (f"{HERE}::test_the_reviewer_name_must_be_the_certificates",),
    "unsafe_text": (f"{HERE}::test_review_json_follows_the_manifests_text_rules",),
    "printed_digest": (f"{HERE}::test_the_printed_digest_must_be_that_of_review_json",),
    "active_content": (f"{HERE}::test_active_content_anywhere_is_refused",),
    "annotation": (
        f"{HERE}::test_annotations_besides_the_signature_are_refused",
        f"{HERE}::test_active_content_anywhere_is_refused",
    ),
    "embedded_file": (f"{HERE}::test_files_embedded_besides_review_json_are_refused",),
    "other_session": (f"{TAMPER}::test_sheet_of_another_session_or_pack",),
    "other_pack": (f"{TAMPER}::test_sheet_of_another_session_or_pack",),
}

INTAKE_TESTS: dict[str, tuple[str, ...]] = {
    "sealed": (
        f"{HERE}::test_sealed_sheet_without_the_key",
        "tests/test_sealing.py::test_aggregation_opens_sealed_sheets_with_the_key_only",
    ),
    "sealed_foreign": (
        f"{HERE}::test_sealed_sheet_the_secretariat_cannot_open",
        "tests/test_sealing.py::test_aggregation_opens_sealed_sheets_with_the_key_only",
    ),
    "unreadable": (f"{HERE}::test_a_file_that_cannot_be_read",),
    "symlink": (f"{HERE}::test_links_and_fifos_are_listed_never_followed_nor_blocking",),
    "not_a_file": (f"{HERE}::test_links_and_fifos_are_listed_never_followed_nor_blocking",),
    "too_large": (f"{HERE}::test_a_file_too_large_is_refused_unread",),
    "not_on_roster": (
        f"{HERE}::test_signer_not_on_the_roster",
        f"{AGGREGATE}::test_roster_pack_and_category_bindings",
    ),
    "withdrawn": (f"{HERE}::test_signer_withdrawn_by_the_secretariat",),
    "unknown_pack": (
        f"{HERE}::test_pack_the_secretariat_did_not_build",
        f"{AGGREGATE}::test_roster_pack_and_category_bindings",
    ),
    "other_manifest": (f"{HERE}::test_sheet_scored_from_another_manifest_of_a_known_pack",),
    "unknown_rubric": (f"{HERE}::test_rubric_not_of_the_session",),
    "rubric_mismatch": (f"{HERE}::test_rubric_of_another_version",),
    "wrong_category": (
        f"{HERE}::test_rubric_of_another_category_than_the_list",
        f"{AGGREGATE}::test_roster_pack_and_category_bindings",
    ),
    "unknown_candidate": (
        f"{HERE}::test_candidate_not_on_the_list",
        f"{AGGREGATE}::test_roster_pack_and_category_bindings",
    ),
    "inconsistent_total": (f"{HERE}::test_signed_result_disagreeing_with_the_signed_scores",),
    "verify_error": (f"{HERE}::test_a_crash_in_the_verifier_is_a_verify_error",),
}

# Pack refusals are exception classes; each test expects its class with pytest.raises.
PACK_TESTS: dict[str, tuple[str, ...]] = {
    "NotAPackError": (f"{HOSTILE}::test_not_a_zip", f"{CONTAINER}::test_not_a_zip"),
    "PackDamagedError": (
        f"{HOSTILE}::test_attachment_the_manifest_does_not_list",
        f"{HOSTILE}::test_header_disagreeing_with_the_manifest",
        f"{CONTAINER}::test_disagreeing_sizes_are_refused",
        f"{CONTAINER}::test_local_header_that_disagrees_with_the_directory_is_refused",
        f"{CONTAINER}::test_crc_mismatch_in_a_small_member_is_reported",
        f"{CONTAINER}::test_local_header_crc_or_sizes_that_disagree_are_refused",
        f"{CONTAINER}::test_a_zip64_extra_field_that_disagrees_is_refused",
        f"{STREAM}::test_a_pack_header_of_another_format_than_its_manifest_is_refused",
    ),
    "PackTooLargeError": (
        f"{HOSTILE}::test_zip_bomb_caps",
        f"{HOSTILE}::test_oversized_manifest_member",
        f"{CONTAINER}::test_member_caps",
        f"{CONTAINER}::test_huge_declared_entry_count_is_refused_before_parsing",
    ),
    "UnsafeMemberError": (
        f"{HOSTILE}::test_traversal_and_absolute_names",
        f"{CONTAINER}::test_member_names_outside_the_allow_list_are_refused",
    ),
    "DuplicateMemberError": (
        f"{HOSTILE}::test_duplicate_member",
        f"{CONTAINER}::test_duplicate_members_are_refused",
    ),
    "MissingMemberError": (
        f"{HOSTILE}::test_missing_standard_member",
        f"{HOSTILE}::test_missing_attachment",
        f"{CONTAINER}::test_missing_members_are_refused",
    ),
    "UnsupportedPackError": (
        f"{HOSTILE}::test_compressed_pack",
        f"{CONTAINER}::test_compressed_members_are_refused",
        f"{STREAM}::test_an_unknown_pack_format_is_refused",
    ),
    "NotAddressedToYouError": (f"{HOSTILE}::test_not_addressed_to_you",),
    "UntrustedSignerError": (
        f"{HOSTILE}::test_signer_outside_the_session_ca",
        f"{HOSTILE}::test_pack_bringing_its_own_ca",
    ),
    "NotSecretariatSignerError": (
        f"{SIGNER}::test_a_second_secretariat_certificate_is_refused_when_pinned",
        f"{SIGNER}::test_a_pinned_signer_without_the_policy_is_refused",
    ),
    "SignatureMismatchError": (
        f"{HOSTILE}::test_bad_signature_manifest_replaced",
        f"{HOSTILE}::test_signature_garbage",
    ),
    "ManifestInvalidError": (
        f"{HOSTILE}::test_manifest_schema_break_names_the_path",
        f"{HOSTILE}::test_deeply_nested_manifest",
        "tests/test_manifest.py::test_not_json_objects",
        f"{STREAM}::test_a_wrong_block_count_in_a_signed_manifest_is_refused",
    ),
    "WrongSessionError": (
        f"{HOSTILE}::test_pack_for_another_session",
        f"{PACK}::test_header_alone_and_expected_session",
    ),
    "AttachmentDamagedError": (
        f"{HOSTILE}::test_attachment_hash_mismatch",
        f"{HOSTILE}::test_truncated_attachment_yields_nothing",
        f"{HOSTILE}::test_attachment_not_encrypted_to_you",
        f"{STREAM}::test_a_forged_block_is_refused_by_its_hash",
        f"{STREAM}::test_a_flipped_ciphertext_byte_is_refused_with_its_block",
        f"{STREAM}::test_a_bad_header_mac_is_refused",
        f"{STREAM}::test_a_truncated_attachment_is_refused",
        f"{STREAM}::test_an_extended_attachment_is_refused",
    ),
    "AttachmentClosedError": (
        f"{STREAM}::test_close_then_read_raises_and_pack_close_closes_streams",
    ),
    "UnknownAttachmentError": (f"{PACK}::test_unknown_attachment",),
    "MaterialRefusedError": (
        "tests/test_sniff.py::test_refusals_say_what_the_file_is",
        "tests/test_candidates.py::test_every_refused_material_is_reported_at_once_with_its_reason",
    ),
    "PackBuildError": (
        f"{PACK}::test_bad_recipients_are_refused_before_anything_is_written",
        f"{PACK}::test_key_and_certificate_must_match",
        f"{CONTAINER}::test_writer_refuses_bad_names_duplicates_and_missing_folders",
        f"{STREAM}::test_a_file_over_2_gib_is_refused_before_anything_is_encrypted",
        f"{STREAM}::test_a_file_that_grew_past_the_cap_after_listing_is_refused",
    ),
}


def intake_codes() -> set[str]:
    """The import's own codes: the keys of the message table behind ``refusal_message``
    (found through it, wherever the table lives)."""
    messages = inspect.getmodule(refusal_message)._MESSAGES  # type: ignore[union-attr]
    return set(messages)


def pack_refusals() -> set[str]:
    """Every PackError subclass the pack code defines (PackError itself is the family)."""
    found: set[str] = set()
    todo = [pack_errors.PackError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("reviewer.pack"):
                found.add(sub.__name__)
            todo.append(sub)
    return found


def _test_function(node: str):
    path, name = node.split("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name, None)


@pytest.mark.parametrize(
    ("registry", "codes"),
    [
        pytest.param(VERIFY_TESTS, lambda: set(REFUSAL_CODES), id="verify_sheet"),
        pytest.param(INTAKE_TESTS, intake_codes, id="import_sheets"),
        pytest.param(PACK_TESTS, pack_refusals, id="packs"),
    ],
)
def test_every_refusal_code_has_a_test(registry, codes):
    expected = codes()
    assert expected, "no refusal codes found: the canonical list moved?"
    missing = expected - set(registry)
    assert not missing, f"refusal codes without a test: {sorted(missing)}"
    stale = set(registry) - expected
    assert not stale, f"tests registered for codes that no longer exist: {sorted(stale)}"
    for code, nodes in registry.items():
        assert nodes, code
        for node in nodes:
            fn = _test_function(node)
            assert callable(fn), f"{code}: {node} does not exist"
            # A registered test must at least name what it checks.
            assert code in inspect.getsource(fn), f"{node} does not mention {code}"


def test_every_intake_code_has_a_message():
    for code in intake_codes():
        assert refusal_message(code) != code


def test_verify_gives_only_the_codes_it_lists():
    """Every code verify_sheet adds is in REFUSAL_CODES and every listed code is added
    somewhere (read from its source, so that no branch is needed to see it)."""
    tree = ast.parse(inspect.getsource(sheet_verify))
    added = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    assert added == set(REFUSAL_CODES)
    assert len(REFUSAL_CODES) == len(set(REFUSAL_CODES))


def test_verify_refuses_to_give_an_unlisted_code():
    reasons = sheet_verify._Reasons()
    with pytest.raises(ValueError, match="not in REFUSAL_CODES"):
        reasons.add("made_up", "x")
