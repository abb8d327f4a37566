"""Detached CMS signatures: trust only through the caller's anchor; openssl agrees."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from reviewer.crypto import cms
from tests.pack_fixtures import NOW, issue, make_ca, pem

DATA = '{"name":"买买提·艾力"}\r\nline two\n'.encode()


@pytest.fixture(scope="module")
def ca():
    return make_ca()


@pytest.fixture(scope="module")
def secretariat(ca):
    return issue(ca)


def test_round_trip_names_the_signer(ca, secretariat):
    signature = cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    signer = cms.verify_detached(signature, DATA, ca.cert)
    assert signer.name == "评审秘书处"
    assert signer.certificate == secretariat.cert
    assert len(signer.fingerprint) == 64


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl binary is not installed")
def test_openssl_cms_verify_accepts_the_signature(tmp_path, ca, secretariat):
    (tmp_path / "manifest.json").write_bytes(DATA)
    (tmp_path / "manifest.json.sig").write_bytes(
        cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    )
    (tmp_path / "ca.pem").write_bytes(pem(ca.cert))
    result = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
         "-in", "manifest.json.sig", "-content", "manifest.json",
         "-CAfile", "ca.pem", "-purpose", "any", "-out", "out.bin"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.bin").read_bytes() == DATA


def test_exact_bytes_are_signed_line_ends_included(ca, secretariat):
    signature = cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    with pytest.raises(cms.SignatureInvalidError):
        cms.verify_detached(signature, DATA.replace(b"\r\n", b"\n"), ca.cert)


def test_changed_content_is_a_mismatch(ca, secretariat):
    signature = cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    with pytest.raises(cms.SignatureInvalidError):
        cms.verify_detached(signature, DATA + b" ", ca.cert)


def test_signer_from_another_ca_is_untrusted(ca):
    other = make_ca("另一个评审会 CA")
    stranger = issue(other)
    signature = cms.sign_detached(DATA, stranger.key, stranger.cert)
    with pytest.raises(cms.SignerCertificateError):
        cms.verify_detached(signature, DATA, ca.cert)


def test_a_signature_bringing_its_own_ca_is_untrusted(ca):
    # The forger even copies the real CA's name, and ships its CA inside the signature.
    fake_ca = make_ca(ca.cert.subject.rfc4514_string().removeprefix("CN="))
    forger = issue(fake_ca)
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DATA)
        .add_signer(forger.cert, forger.key, hashes.SHA256())
        .add_certificate(fake_ca.cert)
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    assert cms.verify_detached(signature, DATA, fake_ca.cert).name == "评审秘书处"
    with pytest.raises(cms.SignerCertificateError):
        cms.verify_detached(signature, DATA, ca.cert)


def test_signing_with_the_ca_key_itself_is_refused(ca):
    signature = cms.sign_detached(DATA, ca.key, ca.cert)
    with pytest.raises(cms.SignerCertificateError):
        cms.verify_detached(signature, DATA, ca.cert)


def test_expired_or_future_certificates_are_refused(ca, english):
    expired = issue(
        ca, not_before=NOW - dt.timedelta(days=30), not_after=NOW - dt.timedelta(days=1)
    )
    signature = cms.sign_detached(DATA, expired.key, expired.cert)
    with pytest.raises(cms.SignerCertificateError, match="not valid now"):
        cms.verify_detached(signature, DATA, ca.cert)
    valid = issue(ca)
    signature = cms.sign_detached(DATA, valid.key, valid.cert)
    with pytest.raises(cms.SignerCertificateError):
        cms.verify_detached(signature, DATA, ca.cert, now=NOW + dt.timedelta(days=5000))


def test_certificate_without_digital_signature_usage_is_refused(ca, english):
    signer = issue(ca, digital_signature=False)
    signature = cms.sign_detached(DATA, signer.key, signer.cert)
    with pytest.raises(cms.SignerCertificateError, match="digital signatures"):
        cms.verify_detached(signature, DATA, ca.cert)


def test_anchor_that_is_not_a_ca_is_refused(ca, secretariat):
    signature = cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    with pytest.raises(cms.SignerCertificateError):
        cms.verify_detached(signature, DATA, secretariat.cert)


@pytest.mark.parametrize("junk", [b"", b"\x30\x03\x02\x01\x01", b"not der at all", b"\x30" * 500])
def test_garbage_is_malformed(ca, junk):
    with pytest.raises(cms.MalformedSignatureError):
        cms.verify_detached(junk, DATA, ca.cert)


def test_embedded_content_is_refused(ca, secretariat, english):
    attached = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DATA)
        .add_signer(secretariat.cert, secretariat.key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    with pytest.raises(cms.MalformedSignatureError, match="detached"):
        cms.verify_detached(attached, DATA, ca.cert)


def test_trailing_bytes_and_oversize_are_refused(ca, secretariat):
    signature = cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    with pytest.raises(cms.MalformedSignatureError):
        cms.verify_detached(signature + b"\x00", DATA, ca.cert)
    with pytest.raises(cms.MalformedSignatureError):
        cms.verify_detached(b"\x30" * (cms.MAX_SIGNATURE_BYTES + 1), DATA, ca.cert)


def test_every_single_byte_flip_is_refused(ca, secretariat):
    signature = cms.sign_detached(DATA, secretariat.key, secretariat.cert)
    accepted = []
    for i in range(len(signature)):
        mutated = bytearray(signature)
        mutated[i] ^= 0x01
        try:
            cms.verify_detached(bytes(mutated), DATA, ca.cert)
        except cms.CmsError:
            continue
        accepted.append(i)
    # Even the fields no check depends on (versions, the informational digest list)
    # are held to one encoding, so no flip anywhere goes unnoticed.
    assert accepted == []


def test_key_must_match_certificate(secretariat, ca):
    with pytest.raises(ValueError):
        cms.sign_detached(DATA, ca.key, secretariat.cert)
