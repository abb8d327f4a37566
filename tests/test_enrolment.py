"""Enrolment requests and responses are hostile input: each bad one is refused clearly."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from reviewer.cli import main
from reviewer.people import ca
from reviewer.people.enrolment import (
    MAX_REQUEST_BYTES,
    EnrolmentError,
    build_request,
    build_response,
    parse_request,
    parse_response,
)
from reviewer.people.identity import create_identity, load_identity
from reviewer.people.session import create_session, open_session

PASS = "secretariat"
NAME = "买买提·艾力"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def recipient() -> str:
    return str(x25519.Identity.generate().to_public())


def csr_pem(key, name: str, san: str | None, *, algorithm=None) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    )
    if san is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier("age:" + san)]),
            critical=False,
        )
    csr = builder.sign(key, algorithm or hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def request_doc(**changes) -> dict:
    age = recipient()
    doc = json.loads(build_request(NAME, age, ec.generate_private_key(ec.SECP256R1())))
    doc.update(changes)
    return doc


def tampered_signature() -> dict:
    doc = request_doc()
    der = bytearray(
        x509.load_pem_x509_csr(doc["csr"].encode()).public_bytes(serialization.Encoding.DER)
    )
    der[-3] ^= 0x01  # inside the ECDSA signature value
    csr = x509.load_der_x509_csr(bytes(der))
    doc["csr"] = csr.public_bytes(serialization.Encoding.PEM).decode()
    return doc


def foreign_key_request(key) -> dict:
    age = recipient()
    return request_doc(age_recipient=age, csr=csr_pem(key, NAME, age))


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("enrol") / "session"
    create_session(folder, "国际传播人才评审会", PASS, rubric_ids=None)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    # The one identity of this module: each creation costs a key derivation.
    folder = tmp_path_factory.mktemp("reviewer")
    create_identity(folder, NAME, "reviewer passphrase")
    return folder


@pytest.fixture
def passfile(tmp_path) -> Path:
    path = tmp_path / "pass"
    path.write_text(PASS, encoding="utf-8")
    return path


HOSTILE_REQUESTS = {
    "garbage JSON": (lambda: b"\x00\xff{{{ not json", "not valid JSON"),
    "not an object": (lambda: b"[1, 2, 3]", "not a JSON object"),
    "deeply nested": (lambda: b"[" * 5000 + b"]" * 5000, "not valid JSON"),
    "huge file": (lambda: b" " * (MAX_REQUEST_BYTES + 1), "too large"),
    "wrong format": (
        lambda: request_doc(format="reviewer-enrolment-response"),
        "not an enrolment request",
    ),
    "future version": (lambda: request_doc(format_version=2), "unsupported"),
    "unknown field": (lambda: request_doc(extra=1), "unknown fields: extra"),
    "empty name": (lambda: request_doc(name=""), "'name' must be text"),
    "name is a number": (lambda: request_doc(name=7), "'name' must be text"),
    "control character": (lambda: request_doc(name="王\u202e伟"), "invisible character"),
    "bad recipient": (lambda: request_doc(age_recipient="age1nope"), "not a valid age"),
    "garbage CSR": (
        lambda: request_doc(
            csr="-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"
        ),
        "CSR cannot be read",
    ),
    "tampered signature": (tampered_signature, "signature is invalid"),
    "RSA key": (
        lambda: foreign_key_request(rsa.generate_private_key(65537, 2048)),
        "not an ECDSA key",
    ),
    "wrong curve": (
        lambda: foreign_key_request(ec.generate_private_key(ec.SECP384R1())),
        "curve secp384r1",
    ),
    "SHA-512 signature": (
        lambda: (
            lambda age: request_doc(
                age_recipient=age,
                csr=csr_pem(
                    ec.generate_private_key(ec.SECP256R1()), NAME, age, algorithm=hashes.SHA512()
                ),
            )
        )(recipient()),
        "ECDSA-SHA256",
    ),
    "name mismatch": (
        lambda: request_doc(
            csr=csr_pem(ec.generate_private_key(ec.SECP256R1()), "王伟", recipient())
        ),
        "does not match the name in its CSR",
    ),
    "recipient not in CSR": (
        lambda: request_doc(csr=csr_pem(ec.generate_private_key(ec.SECP256R1()), NAME, None)),
        "exactly its age recipient",
    ),
    "recipient mismatch": (
        lambda: request_doc(
            csr=csr_pem(ec.generate_private_key(ec.SECP256R1()), NAME, recipient())
        ),
        "does not match its CSR",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_REQUESTS))
def test_hostile_request_is_refused(case, session_dir, passfile, tmp_path, capsys):
    make, reason = HOSTILE_REQUESTS[case]
    content = make()
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    path = tmp_path / "request.json"
    path.write_bytes(data)
    roster_before = (session_dir / "roster.json").read_bytes()
    code, out, err = run(
        capsys, "session", "enroll", str(session_dir), str(path), "--passphrase-file", str(passfile)
    )
    assert code == 1, out
    assert reason in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert (session_dir / "roster.json").read_bytes() == roster_before
    assert list(tmp_path.glob("*.response.json")) == []


def test_duplicate_json_keys_are_refused(english):
    good = build_request(NAME, recipient(), ec.generate_private_key(ec.SECP256R1())).decode()
    doubled = good.replace('"name":', '"name": "王伟", "name":', 1)
    with pytest.raises(EnrolmentError, match="not valid JSON"):
        parse_request(doubled.encode())


VALID_REQUEST = build_request(NAME, recipient(), ec.generate_private_key(ec.SECP256R1()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_requests_raise_only_enrolment_errors(data):
    original = VALID_REQUEST
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(mutated) - 1))
        mutated[index] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        mutated = mutated[: data.draw(st.integers(0, len(mutated)))]
    try:
        request = parse_request(bytes(mutated))
    except EnrolmentError:
        return
    assert request.csr.is_signature_valid  # what gets through is still self-consistent


def _response_for(session_dir: Path, public_key, name: str, age: str) -> bytes:
    session = open_session(session_dir)
    ca_key = session.load_ca_key(PASS)
    cert = ca.issue_certificate(
        ca_key, session.ca_certificate, public_key, name, session_id=session.id, age_recipient=age
    )
    return build_response(
        session.id, session.name, cert, session.ca_certificate, session.secretariat_certificate
    )


def test_accept_refuses_a_response_for_another_key(session_dir, home, tmp_path, capsys):
    identity = load_identity(home)
    other = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "resp.json"
    path.write_bytes(_response_for(session_dir, other.public_key(), NAME, identity.age_recipient))
    code, _, err = run(capsys, "identity", "accept", str(path), "--home", str(home))
    assert code == 1 and "for another key" in err
    assert load_identity(home).enrolments == {}


def test_accept_refuses_someone_elses_name_or_recipient(session_dir, home, tmp_path, capsys):
    identity = load_identity(home)
    for name, age, reason in (
        ("王伟", identity.age_recipient, "names someone else"),
        (NAME, recipient(), "another age recipient"),
    ):
        path = tmp_path / "resp.json"
        path.write_bytes(_response_for(session_dir, identity.signing_public_key, name, age))
        code, _, err = run(capsys, "identity", "accept", str(path), "--home", str(home))
        assert code == 1 and reason in err, err
    assert load_identity(home).enrolments == {}


def test_accept_refuses_a_certificate_not_issued_by_the_enclosed_ca(
    session_dir, home, tmp_path, capsys
):
    identity = load_identity(home)
    genuine = json.loads(
        _response_for(session_dir, identity.signing_public_key, NAME, identity.age_recipient)
    )
    other_session = create_session(tmp_path / "other", "假评审会", PASS)
    genuine["ca_certificate"] = ca.certificate_pem(other_session.ca_certificate)
    genuine["session_id"] = other_session.id
    path = tmp_path / "resp.json"
    path.write_text(json.dumps(genuine), encoding="utf-8")
    code, _, err = run(capsys, "identity", "accept", str(path), "--home", str(home))
    assert code == 1 and "not issued by this session CA" in err
    assert load_identity(home).enrolments == {}


def test_accept_refuses_a_different_ca_for_an_installed_session(
    session_dir, home, tmp_path, capsys
):
    identity = load_identity(home)
    genuine = _response_for(session_dir, identity.signing_public_key, NAME, identity.age_recipient)
    path = tmp_path / "genuine.json"
    path.write_bytes(genuine)
    assert run(capsys, "identity", "accept", str(path), "--home", str(home))[0] == 0
    # An impostor CA that claims the same session id.
    session = open_session(session_dir)
    key, root = ca.create_ca(session.id, session.name)
    cert = ca.issue_certificate(
        key,
        root,
        identity.signing_public_key,
        NAME,
        session_id=session.id,
        age_recipient=identity.age_recipient,
    )
    path = tmp_path / "impostor.json"
    path.write_bytes(build_response(session.id, session.name, cert, root, root))
    code, _, err = run(capsys, "identity", "accept", str(path), "--home", str(home))
    assert code == 1 and "different CA" in err
    (installed,) = load_identity(home).enrolments.values()
    assert installed.ca_fingerprint == ca.certificate_fingerprint(session.ca_certificate)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"garbage", "not valid JSON"),
        (b"{}" + b" " * 70_000, "too large"),
        (
            json.dumps({"format": "reviewer-enrolment-response", "format_version": 2}).encode(),
            "lacks",
        ),
        (
            json.dumps({"format": "reviewer-enrolment-response", "format_version": 1}).encode(),
            "unsupported enrolment response version 1",
        ),
        (
            json.dumps(
                {
                    "format": "reviewer-enrolment-response",
                    "format_version": 2,
                    "session_id": "../../etc",
                    "session_name": "x",
                    "certificate": "x",
                    "ca_certificate": "x",
                    "secretariat_sha256": "0" * 64,
                }
            ).encode(),
            "not a valid session id",
        ),
    ],
)
def test_garbage_responses_are_refused(content, reason, home, tmp_path, capsys):
    path = tmp_path / "resp.json"
    path.write_bytes(content)
    code, _, err = run(capsys, "identity", "accept", str(path), "--home", str(home))
    assert code == 1 and reason in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def valid_response(session_dir) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    response = _response_for(session_dir, key.public_key(), NAME, recipient())
    assert parse_response(response).session_id == open_session(session_dir).id
    return response


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_responses_raise_only_enrolment_errors(valid_response, data):
    original = valid_response
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(mutated) - 1))
        mutated[index] = data.draw(st.integers(0, 255))
    with contextlib.suppress(EnrolmentError):
        parse_response(bytes(mutated))
