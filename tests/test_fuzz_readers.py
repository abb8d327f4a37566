"""Hostile input (issue #14): every reader refuses mutated real files with a
``ReviewerError``, never a traceback; the regressions the fuzzer found, one a test;
library log output stays off the terminal.

The full run is ``python -m benchmarks.fuzz_readers``; here a few hundred cases per
reader with a fixed seed."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from benchmarks import fuzz_readers
from reviewer.base.errors import ReviewerError

CASES = 150
SEED = 14
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def readers(demo, tmp_path_factory):
    seeds = fuzz_readers.Seeds(tmp_path_factory.mktemp("fuzz"), demo, sheets=2)
    return {r.name: r for r in fuzz_readers.build_readers(seeds)}


READERS = [
    "pack",
    "manifest",
    "enrolment-request",
    "enrolment-response",
    "enrolment-record",
    "identity",
    "sealed-key",
    "candidates",
    "rubric",
    "review-json",
    "sheet",
]


@pytest.mark.parametrize("name", READERS)
def test_fuzzed_reader_refuses_without_a_traceback(readers, name):
    import logging

    logging.disable(logging.CRITICAL)
    try:
        tally = fuzz_readers.fuzz([readers[name]], CASES, SEED)[name]
    finally:
        logging.disable(logging.NOTSET)
    assert tally.cases == CASES
    assert not tally.unexpected, fuzz_readers.report({name: tally})


def test_every_reader_is_fuzzed(readers):
    assert sorted(readers) == sorted(READERS)


# -- the regressions, each one the fuzzer found ---------------------------------------


def _refused(fn, *args):
    with pytest.raises(ReviewerError) as info:
        fn(*args)
    assert info.value.message
    return info.value


def test_manifest_with_a_lone_surrogate_is_refused(readers, english):
    from reviewer.pack.manifest import parse_manifest

    doc = json.loads(readers["manifest"].seeds[0])
    doc["rubrics"][0]["rubric"]["category"]["zh"] = "评审\ud800"  # canonical_json raised here
    err = _refused(parse_manifest, json.dumps(doc).encode())
    assert "rubrics[0].rubric.category.zh" in err.report() and "Unicode" in err.report()


def test_manifest_with_a_lone_surrogate_in_a_key_is_refused(readers):
    from reviewer.pack.manifest import parse_manifest

    doc = json.loads(readers["manifest"].seeds[0])
    doc["rubrics"][0]["rubric"]["\udfff"] = 1
    _refused(parse_manifest, json.dumps(doc).encode())


def test_manifest_with_a_wrong_type_in_a_rubric_is_refused(readers):
    from reviewer.pack.manifest import parse_manifest

    doc = json.loads(readers["manifest"].seeds[0])
    doc["rubrics"][0]["rubric"]["criteria"] = [["\ud800"]]
    _refused(parse_manifest, json.dumps(doc).encode())


_P256 = bytes.fromhex("06082a8648ce3d030107")
_SM2 = bytes.fromhex("06082a811ccf5501822d")  # the same length: the DER stays well formed
_PRIME239V1 = bytes.fromhex("06082a8648ce3d030104")


def _pem(kind: str, der: bytes) -> str:
    return f"-----BEGIN {kind}-----\n{base64.encodebytes(der).decode()}-----END {kind}-----\n"


@pytest.mark.parametrize("oid", [_SM2, _PRIME239V1], ids=["sm2", "prime239v1"])
def test_request_with_a_key_on_an_unknown_curve_is_refused(readers, english, oid):
    from reviewer.people.enrolment import parse_request

    doc = json.loads(readers["enrolment-request"].seeds[0])
    der = x509.load_pem_x509_csr(doc["csr"].encode()).public_bytes(serialization.Encoding.DER)
    doc["csr"] = _pem("CERTIFICATE REQUEST", der.replace(_P256, oid))
    err = _refused(parse_request, json.dumps(doc).encode())
    assert "P-256" in err.message


@pytest.mark.parametrize("field", ["ca_certificate", "certificate"])
def test_response_with_a_certificate_on_an_unknown_curve_is_refused(readers, field):
    from reviewer.people.enrolment import parse_record, parse_response

    for name, parse in (("enrolment-response", parse_response), ("enrolment-record", parse_record)):
        doc = json.loads(readers[name].seeds[0])
        cert = x509.load_pem_x509_certificate(doc[field].encode())
        der = cert.public_bytes(serialization.Encoding.DER)
        doc[field] = _pem("CERTIFICATE", der.replace(_P256, _SM2, 1))
        _refused(parse, json.dumps(doc).encode())


def _identity_case(readers, which: bytes, body: bytes) -> str:
    return readers["identity"].run(which + body)


def test_identity_key_on_an_unknown_curve_is_damaged(readers):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    public = json.loads(readers["identity"].seeds[0][1:])
    key = load_pem_public_key(public["signing_public_key"].encode())
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public["signing_public_key"] = _pem("PUBLIC KEY", der.replace(_P256, _SM2))
    assert _identity_case(readers, b"P", json.dumps(public).encode()) == "refused"

    secret = json.loads(readers["identity"].seeds[1][1:])
    pem = secret["signing_key"]
    der = base64.b64decode("".join(pem.splitlines()[1:-1]))
    secret["signing_key"] = _pem("PRIVATE KEY", der.replace(_P256, _SM2))
    assert _identity_case(readers, b"S", json.dumps(secret).encode()) == "refused"


@pytest.mark.parametrize("which", [b"P", b"S"])
def test_deeply_nested_identity_files_are_damaged(readers, which):
    assert _identity_case(readers, which, b"[" * 3000 + b"]" * 3000) == "refused"


def _sealed_doc(readers) -> dict:
    return json.loads(readers["sealed-key"].seeds[0])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: "[" * 10_000 + "]" * 10_000, id="deep-nesting"),
        pytest.param(lambda d: d | {"kdf": 1}, id="kdf-not-an-object"),
        pytest.param(lambda d: d | {"kdf": d["kdf"] | {"salt": "00"}}, id="salt-too-short"),
        pytest.param(lambda d: d | {"kdf": d["kdf"] | {"salt": "zz"}}, id="salt-not-hex"),
        pytest.param(lambda d: d | {"kdf": d["kdf"] | {"time_cost": 1e999}}, id="time-infinite"),
        pytest.param(lambda d: d | {"kdf": d["kdf"] | {"memory_kib": "65536"}}, id="memory-text"),
        pytest.param(lambda d: d | {"nonce": "AAAA"}, id="nonce-short"),
        pytest.param(lambda d: d | {"role": ["x"]}, id="role-a-list"),
        pytest.param(lambda d: d | {"format_version": None}, id="version-null"),
        pytest.param(lambda d: [d], id="not-an-object"),
    ],
)
def test_malformed_sealed_key_file_is_damaged(readers, change):
    from reviewer.crypto import secret_file

    changed = change(_sealed_doc(readers))
    data = (changed if isinstance(changed, str) else json.dumps(changed)).encode()
    with pytest.raises(secret_file.DamagedSecret):
        secret_file.open_sealed(data, "demo", "session signing key")


def _csv_with_path(readers, path: str) -> bytes:
    import csv

    text = readers["candidates"].seeds[0].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    column = next(i for i, h in enumerate(rows[0]) if h == "代表作1文件")
    rows[1][column] = path
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("path", ["a.pdf\x00.txt", "\x00", "works/\x00/x.pdf"])
def test_candidate_file_path_with_a_nul_byte_is_refused(readers, demo, tmp_path, english, path):
    from reviewer.pack.candidates import CandidatesError, read_candidates

    csv_path = tmp_path / "candidates.csv"
    csv_path.write_bytes(_csv_with_path(readers, path))
    with pytest.raises(CandidatesError) as info:
        read_candidates(csv_path, demo.folder / "materials")
    assert any(
        p.where == "line 2, 代表作1文件" and "control characters" in p.what
        for p in info.value.problems
    ), info.value.report()


@pytest.mark.parametrize("path", ["x" * 5000, "works/" + "y" * 300 + ".pdf"])
def test_candidate_file_path_too_long_for_the_file_system_is_refused(readers, demo, tmp_path, path):
    from reviewer.pack.candidates import CandidatesError, read_candidates

    csv_path = tmp_path / "candidates.csv"
    csv_path.write_bytes(_csv_with_path(readers, path))
    with pytest.raises(CandidatesError):  # Path.exists() raised "File name too long"
        read_candidates(csv_path, demo.folder / "materials")


@pytest.mark.parametrize("version", [64, 99, 0xFFFF])  # zipfile reads up to 6.3
def test_xlsx_with_an_unsupported_zip_version_is_refused(readers, demo, tmp_path, version):
    from reviewer.pack.candidates import CandidatesError, read_candidates

    xlsx = bytearray(readers["candidates"].seeds[1])
    at = xlsx.find(b"PK\x01\x02")  # the first central directory entry: "version needed"
    xlsx[at + 6 : at + 8] = version.to_bytes(2, "little")
    path = tmp_path / "candidates.xlsx"
    path.write_bytes(bytes(xlsx))
    with pytest.raises(CandidatesError):
        read_candidates(path, demo.folder / "materials")


@pytest.mark.parametrize("number", ["1e999", "9" * 40, "0.0000000001", "-1e30"])
def test_rubric_number_beyond_decimal_arithmetic_is_refused(readers, number):
    from reviewer.rubric.file import RubricError, parse_rubric

    text = readers["rubric"].seeds[1].decode()
    assert "\nmax = 10\n" in text
    with pytest.raises(RubricError):  # 1e999 % 0.5 raised decimal.InvalidOperation
        parse_rubric(text.replace("\nmax_score = 10\n", f"\nmax_score = {number}\n", 1).encode())
    with pytest.raises(RubricError):
        parse_rubric(text.replace("\nmax = 10\n", f"\nmax = {number}\n", 1).encode())


def test_bundled_rubrics_are_within_the_number_caps():
    from reviewer.rubric.file import bundled_rubrics

    assert len(bundled_rubrics()) == 6  # each parsed through the capped reader


# -- library log output -----------------------------------------------------------------


@pytest.fixture(scope="module")
def stranger_sheet(tmp_path_factory) -> tuple[Path, Path]:
    """A sheet signed by a reviewer of another CA, and this session's CA."""
    from reviewer.sheet.render import render_sheet
    from reviewer.sheet.sign import SheetSigner, embed_and_sign
    from tests.sheet_fixtures import issue_reviewer, make_ca, pki, rubric, sheet

    ca_key, ca_cert = make_ca("另一个根证书")
    key, cert = issue_reviewer(ca_key, ca_cert)
    outsider = SheetSigner(key, cert, ca_cert)
    data = sheet(cert_sha256_hex=outsider.cert_sha256)
    folder = tmp_path_factory.mktemp("stranger")
    pdf = folder / "C002_stranger_v01.pdf"
    pdf.write_bytes(embed_and_sign(render_sheet(data, rubric()), data, outsider))
    ca = folder / "ca.pem"
    ca.write_bytes(pki().ca_pem)
    return pdf, ca


def test_sheet_verify_keeps_pyhanko_off_the_terminal(stranger_sheet, tmp_path):
    pdf, ca = stranger_sheet
    logs = tmp_path / "logs"
    env = dict(os.environ, PYTHONPATH=str(ROOT), REVIEWER_LOG_DIR=str(logs))
    run = subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "--lang", "en", "sheet", "verify", str(pdf)]
        + ["--ca", str(ca)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1
    assert "INVALID" in run.stdout
    for text in (run.stderr, run.stdout):
        assert "Traceback" not in text
        assert "pyhanko" not in text.lower()
        assert "Failed to build path" not in text
    assert run.stderr == ""
    # The record is not dropped: it is in the log file, traceback frames only.
    log = (logs / "reviewer.log").read_text(encoding="utf-8")
    assert "WARNING pyhanko" in log
    assert "Traceback" in log


def test_secretariat_routes_pyhanko_to_the_log_file_instead_of_dropping_it(demo, tmp_path):
    import logging

    from reviewer.base import crash_log
    from reviewer.secretariat.service import Secretariat

    Secretariat.open(demo.session)
    log = logging.getLogger("pyhanko")
    assert log.propagate, "pyHanko's records must reach the log file's handler"
    assert not any(isinstance(h, logging.NullHandler) for h in log.handlers)
    logging.getLogger("pyhanko.sign.validation").warning("fuzz check %s", "secret")
    text = crash_log.log_path().read_text(encoding="utf-8")
    assert "WARNING pyhanko.sign.validation: fuzz check %s" in text
    assert "secret" not in text


def test_verify_workers_log_to_the_file(monkeypatch):
    """A worker process installs the log file instead of a handler that drops records."""
    import logging
    import multiprocessing

    from reviewer.base import crash_log
    from reviewer.secretariat import verify_pool
    from tests.sheet_fixtures import pki

    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    monkeypatch.setattr("reviewer.secretariat.fastpdf.install", lambda: None)
    before = list(logging.getLogger().handlers)
    verify_pool.init_worker(pki().ca_cert.public_bytes(serialization.Encoding.DER), "S", "en")
    added = [h for h in logging.getLogger().handlers if h not in before]
    assert not any(isinstance(h, logging.NullHandler) for h in added)
    assert crash_log._installed in logging.getLogger().handlers
