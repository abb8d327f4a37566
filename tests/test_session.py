"""The secretariat's session: folder, CA, secretariat certificate, roster, enrolment."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from pyrage import x25519

from reviewer.cli import main
from reviewer.crypto.passphrase import WrongPassphrase
from reviewer.people import ca
from reviewer.people.enrolment import build_request, parse_response
from reviewer.people.session import SessionError, open_session
from reviewer.rubric.file import bundled_rubrics

PASS = "评审会 secret"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def passfile(tmp_path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(PASS + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pristine_session(tmp_path_factory) -> Path:
    # Created once through the CLI: each key derivation costs a fraction of a second, so each test
    # gets a copy of this folder instead of a new session.
    folder = tmp_path_factory.mktemp("pristine") / "session"
    passfile = folder.parent / "pass.txt"
    passfile.write_text(PASS + "\n", encoding="utf-8")
    code = main(
        [
            "session",
            "init",
            str(folder),
            "--name",
            "2025年度领军人才评审会",
            "--programme",
            "领军人才工程",
            "--passphrase-file",
            str(passfile),
        ]
    )
    assert code == 0
    return folder


@pytest.fixture
def session_dir(tmp_path, pristine_session) -> Path:
    folder = tmp_path / "session"
    shutil.copytree(pristine_session, folder)
    return folder


def reviewer_request(tmp_path: Path, name: str) -> tuple[Path, ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    recipient = str(x25519.Identity.generate().to_public())
    path = tmp_path / f"{abs(hash(name))}.json"
    path.write_bytes(build_request(name, recipient, key))
    return path, key, recipient


def test_init_writes_session_ca_and_empty_roster(session_dir, capsys):
    doc = json.loads((session_dir / "session.json").read_text(encoding="utf-8"))
    assert doc["format"] == "reviewer-session" and doc["format_version"] == 2
    assert doc["quorum"] == "2/3"  # the default rule
    assert doc["name"] == "2025年度领军人才评审会" and doc["programme"] == "领军人才工程"
    assert [r["id"] for r in doc["rubrics"]] == [r.id for r in bundled_rubrics()]
    assert {r["id"]: r["fingerprint"] for r in doc["rubrics"]} == {
        r.id: r.fingerprint for r in bundled_rubrics()
    }
    session = open_session(session_dir)
    assert session.id == doc["id"] and session.roster == ()
    for key_file in ("ca.key", "secretariat.key"):
        sealed = (session_dir / "ca" / key_file).read_bytes()
        assert json.loads(sealed)["kdf"]["kdf"] == "argon2id"
        assert b"PRIVATE KEY" not in sealed
        if sys.platform != "win32":
            assert stat.S_IMODE((session_dir / "ca" / key_file).stat().st_mode) == 0o600
    code, out, _ = run(capsys, "session", "roster", str(session_dir))
    assert code == 0 and "No reviewers enrolled yet." in out


def test_ca_and_secretariat_certificate_profile(session_dir):
    session = open_session(session_dir)
    root = session.ca_certificate
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ku = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign
    cert = session.secretariat_certificate
    ca.check_issued_by(cert, root)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert ca.common_name(cert.subject) == "2025年度领军人才评审会 秘书处"
    assert ca.session_id_of(cert) == session.id
    assert cert.not_valid_before_utc <= session.created < cert.not_valid_after_utc


def test_secretariat_key_needs_the_passphrase(session_dir):
    session = open_session(session_dir)
    with pytest.raises(WrongPassphrase):
        session.load_secretariat_key("not it")
    key = session.load_secretariat_key(PASS)
    assert ca.key_fingerprint(key.public_key()) == ca.key_fingerprint(
        session.secretariat_certificate.public_key()
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_secretariat_cms_signature_verifies_with_openssl(session_dir, tmp_path):
    session = open_session(session_dir)
    data = "清单 manifest".encode()
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(
            session.secretariat_certificate, session.load_secretariat_key(PASS), hashes.SHA256()
        )
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    (tmp_path / "m").write_bytes(data)
    (tmp_path / "m.sig").write_bytes(signature)
    result = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "m.sig"),
            "-content",
            str(tmp_path / "m"),
            "-CAfile",
            str(session_dir / "ca" / "ca.crt.pem"),
            "-out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr


def test_init_with_chosen_rubrics_and_refusals(tmp_path, passfile, capsys):
    first = bundled_rubrics()[0].id
    code, out, _ = run(
        capsys,
        "session",
        "init",
        str(tmp_path / "a"),
        "--name",
        "评审",
        "--rubric",
        first,
        "--rubric",
        first,
        "--passphrase-file",
        str(passfile),
    )
    assert code == 0
    assert [r.id for r in open_session(tmp_path / "a").rubrics] == [first]

    code, _, err = run(
        capsys,
        "session",
        "init",
        str(tmp_path / "b"),
        "--name",
        "评审",
        "--rubric",
        "no_such",
        "--passphrase-file",
        str(passfile),
    )
    assert code == 1 and "unknown rubric ids: no_such" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "b").exists()

    code, _, err = run(
        capsys,
        "session",
        "init",
        str(tmp_path / "a"),
        "--name",
        "again",
        "--passphrase-file",
        str(passfile),
    )
    assert code == 1 and "not an empty folder" in err

    code, _, err = run(capsys, "session", "init", str(tmp_path / "c"), "--name", "评审")
    assert code == 1 and "REVIEWER_PASSPHRASE" in err and not (tmp_path / "c").exists()
    assert list(tmp_path.glob(".*tmp")) == []

    code, _, err = run(capsys, "session", "init", str(tmp_path / "d"))
    assert code == 2


def test_enroll_issues_certificate_and_updates_roster(session_dir, passfile, tmp_path, capsys):
    name = "买买提·艾力"
    request, key, recipient = reviewer_request(tmp_path, name)
    out = tmp_path / "resp.json"
    code, stdout, err = run(
        capsys,
        "session",
        "enroll",
        str(session_dir),
        str(request),
        "--out",
        str(out),
        "--passphrase-file",
        str(passfile),
    )
    assert code == 0, err
    session = open_session(session_dir)
    (entry,) = session.roster
    assert entry.name == name and entry.age_recipient == recipient
    response = parse_response(out.read_bytes())
    assert response.session_id == session.id and response.session_name == session.name
    cert = response.certificate
    assert ca.certificate_fingerprint(cert) == entry.certificate_fingerprint
    assert ca.key_fingerprint(cert.public_key()) == ca.key_fingerprint(key.public_key())
    assert ca.common_name(cert.subject) == name
    assert ca.age_recipient_of(cert) == recipient
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_cert_sign
    assert cert.not_valid_after_utc == session.ca_certificate.not_valid_after_utc

    code, stdout, _ = run(capsys, "session", "roster", str(session_dir))
    assert code == 0 and name in stdout and entry.certificate_fingerprint in stdout

    # Enrolling the same request again needs no passphrase and issues nothing new.
    out.unlink()
    code, stdout, _ = run(
        capsys, "session", "enroll", str(session_dir), str(request), "--out", str(out)
    )
    assert code == 0 and "already enrolled" in stdout
    assert parse_response(out.read_bytes()).certificate == cert
    assert len(open_session(session_dir).roster) == 1


def test_enroll_wrong_passphrase_changes_nothing(session_dir, tmp_path, capsys):
    request, _, _ = reviewer_request(tmp_path, "王伟")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("nope", encoding="utf-8")
    roster_before = (session_dir / "roster.json").read_bytes()
    code, _, err = run(
        capsys, "session", "enroll", str(session_dir), str(request), "--passphrase-file", str(wrong)
    )
    assert (code, err.strip()) == (1, "wrong passphrase")
    assert (session_dir / "roster.json").read_bytes() == roster_before
    assert not request.with_name(request.stem + ".response.json").exists()


def test_enroll_refuses_a_second_reviewer_with_the_same_name(
    session_dir, passfile, tmp_path, capsys
):
    first, _, _ = reviewer_request(tmp_path, "王伟")
    (tmp_path / "other").mkdir()
    second, _, _ = reviewer_request(tmp_path / "other", "王伟")
    assert (
        run(
            capsys,
            "session",
            "enroll",
            str(session_dir),
            str(first),
            "--passphrase-file",
            str(passfile),
        )[0]
        == 0
    )
    code, _, err = run(
        capsys,
        "session",
        "enroll",
        str(session_dir),
        str(second),
        "--passphrase-file",
        str(passfile),
    )
    assert code == 1 and "already enrolled" in err
    assert len(open_session(session_dir).roster) == 1


def test_rare_characters_survive_in_certificates(session_dir, passfile, tmp_path):
    session = open_session(session_dir)
    from reviewer.people.enrolment import parse_request
    from reviewer.people.session import enroll

    for name in ("𠮷野家", "䶮", "阿卜杜热合曼·阿卜杜克热木"):
        path, _, _ = reviewer_request(tmp_path, name)
        entry, _, _ = enroll(session, parse_request(path.read_bytes()), PASS)
        der = entry.certificate.public_bytes(serialization.Encoding.DER)
        assert ca.common_name(x509.load_der_x509_certificate(der).subject) == name
    assert [r.name for r in open_session(session_dir).roster] == [
        "𠮷野家",
        "䶮",
        "阿卜杜热合曼·阿卜杜克热木",
    ]


def test_reviewer_certificate_signs_a_pades_pdf(session_dir, tmp_path):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from reportlab.pdfgen import canvas

    from reviewer.people.enrolment import parse_request
    from reviewer.people.session import enroll

    session = open_session(session_dir)
    path, key, _ = reviewer_request(tmp_path, "买买提·艾力")
    entry, _, _ = enroll(session, parse_request(path.read_bytes()), PASS)
    pdf = io.BytesIO()
    page = canvas.Canvas(pdf)
    page.drawString(72, 720, "review sheet")
    page.save()
    pdf.seek(0)
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(entry.certificate.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=None,
    )
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(pdf),
        signers.PdfSignatureMetadata(
            field_name="Reviewer", subfilter=fields.SigSeedSubFilter.PADES
        ),
        signer=signer,
    )
    root = asn1_x509.Certificate.load(session.ca_certificate.public_bytes(der))
    status = validate_pdf_signature(
        PdfFileReader(signed).embedded_signatures[0], ValidationContext(trust_roots=[root])
    )
    assert status.intact and status.valid and status.trusted


def test_damaged_session_is_refused_with_one_line(session_dir, capsys):
    (session_dir / "roster.json").write_text("{ not json", encoding="utf-8")
    code, _, err = run(capsys, "session", "roster", str(session_dir))
    assert code == 1 and "not valid JSON" in err and len(err.splitlines()) == 1
    with pytest.raises(SessionError):
        open_session(session_dir / "nowhere")
    code, _, err = run(capsys, "session", "roster", str(session_dir / "nowhere"))
    assert code == 1 and "not a session folder" in err


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Li Ming", "Ｌｉ Ｍｉｎｇ"),  # full-width Latin letters
        ("⼈民", "人民"),  # a Kangxi radical, a compatibility character of 人
        ("王伟Ⅱ", "王伟II"),  # a Roman numeral sign
        ("Zhang  Wei", "zhang wei"),  # case and spacing
    ],
)
def test_enroll_refuses_names_equal_once_normalised(
    session_dir, passfile, tmp_path, capsys, first, second
):
    from reviewer.people.session import name_key

    assert first != second and name_key(first) == name_key(second)
    a, _, _ = reviewer_request(tmp_path, first)
    (tmp_path / "other").mkdir()
    b, _, _ = reviewer_request(tmp_path / "other", second)
    argv = ("session", "enroll", str(session_dir))
    assert run(capsys, *argv, str(a), "--passphrase-file", str(passfile))[0] == 0
    code, _, err = run(capsys, *argv, str(b), "--passphrase-file", str(passfile))
    assert code == 1 and "same name" in err and "NFKC" in err, err
    assert [r.name for r in open_session(session_dir).roster] == [first]
