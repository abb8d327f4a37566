"""The secretariat can open its own packs (escrow), and age identities export to a file
the standard age tool reads."""

from __future__ import annotations

import json
import os
import pty
import shutil
import stat
import subprocess

import pyrage
import pytest

from reviewer.cli import main
from reviewer.people.enrolment import parse_request
from reviewer.people.identity import load_identity
from reviewer.people.session import enroll, open_session, pack_record

pytestmark = pytest.mark.usefixtures("english")
EXPORT_PASSPHRASE = "export 导出 passphrase 2026"
needs_age = pytest.mark.skipif(
    shutil.which("age") is None or shutil.which("unzip") is None,
    reason="the age CLI or unzip is not installed",
)


def run(capsys, *argv):
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def member(pack, name):
    return subprocess.run(["unzip", "-p", str(pack), name], capture_output=True, check=True).stdout


def test_the_secretariat_opens_its_own_pack(capsys, demo, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    code, out, err = run(capsys, "pack", "inspect", str(demo.pack), "--session", str(demo.session))
    assert code == 0, err
    assert "李䶮" in out and "6 candidates" in out
    record = pack_record(open_session(demo.session), demo.pack_id)
    assert (
        record is not None
        and record.escrow_recipient == open_session(demo.session).escrow_recipient
    )


def test_the_escrow_key_never_reaches_a_reviewer(demo):
    session = open_session(demo.session)
    secret = str(session.load_escrow_identity("demo")).encode("ascii")
    assert secret.startswith(b"AGE-SECRET-KEY-1")
    assert secret not in demo.pack.read_bytes()
    for home in demo.reviewers:
        unlocked = load_identity(home).unlock("demo")
        request = parse_request(unlocked.enrolment_request())
        _entry, response, _outcome = enroll(session, request, None)
        assert secret not in response and secret.lower() not in response.lower()
        for path in home.rglob("*"):
            if path.is_file():
                assert secret not in path.read_bytes()
    # Only sealed on disk: the session folder never holds the identity in the clear.
    for path in demo.session.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes()


def _old_session(tmp_path, demo):
    """A copy of the demo session as made before escrow: no escrow identity."""
    folder = tmp_path / "old"
    shutil.copytree(demo.session, folder)
    doc = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    del doc["escrow_recipient"]
    (folder / "session.json").write_text(json.dumps(doc), encoding="utf-8")
    (folder / "ca" / "escrow.key").unlink()
    record = folder / "packs" / f"{demo.pack_id}.json"
    old = json.loads(record.read_text(encoding="utf-8"))
    old["format_version"] = 1
    del old["candidates"], old["escrow_recipient"]
    record.write_text(json.dumps(old), encoding="utf-8")
    return folder


def test_an_old_session_gets_its_escrow_identity_and_old_records_still_read(
    tmp_path, capsys, demo, monkeypatch
):
    folder = _old_session(tmp_path, demo)
    old = open_session(folder)
    assert old.escrow_recipient is None
    record = pack_record(old, demo.pack_id)
    assert record is not None and record.candidates is None and record.escrow_recipient is None
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "wrong")
    assert run(capsys, "session", "add-escrow", str(folder))[0] == 1
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    code, out, err = run(capsys, "session", "add-escrow", str(folder))
    assert code == 0, err
    session = open_session(folder)
    assert session.escrow_recipient and session.escrow_recipient in out
    assert stat.S_IMODE((folder / "ca" / "escrow.key").stat().st_mode) == 0o600
    assert str(session.load_escrow_identity("demo").to_public()) == session.escrow_recipient


def test_pack_build_adds_escrow_to_an_old_session(tmp_path, capsys, demo, monkeypatch):
    folder = _old_session(tmp_path, demo)
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    pack = tmp_path / "new.rvpack"
    code, out, err = run(
        capsys,
        "pack",
        "build",
        str(folder),
        "--candidates",
        str(demo.folder / "candidates.csv"),
        "--materials",
        str(demo.folder / "materials"),
        "--out",
        str(pack),
    )
    assert code == 0, err
    assert "escrow" in out
    identity = open_session(folder).load_escrow_identity("demo")
    assert pyrage.decrypt(member(pack, "manifest.json.age"), [identity])


@needs_age
def test_a_reviewer_exports_the_age_key_and_age_decrypts_the_pack(
    tmp_path, capsys, demo, monkeypatch
):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    secret_file = tmp_path / "export-passphrase.txt"
    secret_file.write_text(EXPORT_PASSPHRASE, encoding="utf-8")
    out_file = tmp_path / "reviewer-key.age"
    argv = (
        "identity",
        "export-age-key",
        "--home",
        str(demo.reviewers[0]),
        "--out",
        str(out_file),
        "--export-passphrase-file",
        str(secret_file),
    )
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "can read every pack sent to you" in err
    assert "age -d -o key.txt" in out and "age -d -i key.txt" in out
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert b"AGE-SECRET-KEY" not in out_file.read_bytes()
    # age's passphrase format: pyrage implements the same scrypt recipient as age.
    key = pyrage.passphrase.decrypt(out_file.read_bytes(), EXPORT_PASSPHRASE)
    key_file = tmp_path / "key.txt"
    key_file.write_bytes(key)
    manifest = subprocess.run(
        ["age", "-d", "-i", str(key_file)],
        input=member(demo.pack, "manifest.json.age"),
        capture_output=True,
        check=True,
    ).stdout
    assert demo.pack_id in manifest.decode("utf-8")
    before = out_file.read_bytes()
    code, _out, err = run(capsys, *argv)
    assert code == 1 and "exists" in err and out_file.read_bytes() == before


def _age_decrypt_with_passphrase(source, target, passphrase):
    """Run ``age -d`` as a person would: age reads a passphrase from the terminal only."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes age
        os.execvp("age", ["age", "-d", "-o", str(target), str(source)])
    seen = b""
    try:
        while b"passphrase" not in seen.lower():
            seen += os.read(fd, 1024)
        os.write(fd, passphrase.encode("utf-8") + b"\r")
        while True:
            try:
                if not os.read(fd, 1024):
                    break
            except OSError:  # the terminal closes with age
                break
    finally:
        _pid, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status)


@needs_age
def test_the_escrow_key_export_is_read_by_the_age_cli(tmp_path, capsys, demo, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    secret_file = tmp_path / "export-passphrase.txt"
    secret_file.write_text(EXPORT_PASSPHRASE, encoding="utf-8")
    out_file = tmp_path / "escrow-key.age"
    code, _out, err = run(
        capsys,
        "identity",
        "export-age-key",
        "--session",
        str(demo.session),
        "--out",
        str(out_file),
        "--export-passphrase-file",
        str(secret_file),
    )
    assert code == 0, err
    assert "can read every pack sent to the secretariat" in err
    key_file = tmp_path / "key.txt"
    assert _age_decrypt_with_passphrase(out_file, key_file, EXPORT_PASSPHRASE) == 0
    assert key_file.read_text(encoding="ascii").startswith("# public key: age1")
    manifest = subprocess.run(
        ["age", "-d", "-i", str(key_file)],
        input=member(demo.pack, "manifest.json.age"),
        capture_output=True,
        check=True,
    ).stdout
    assert demo.pack_id in manifest.decode("utf-8")
