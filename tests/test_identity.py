"""The reviewer's identity: creation, encryption at rest, unlocking, enrolments.

Each key derivation (Argon2id) costs a fraction of a second, so this module creates one
identity and unlocks it only a few times.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import keyring.backends.fail
import keyring.core
import pyrage
import pytest

from reviewer.cli import main
from reviewer.cli.identity_cmd import unlock_from_args
from reviewer.crypto.secret_store import MemorySecretStore
from reviewer.people import ca
from reviewer.people.enrolment import parse_request
from reviewer.people.home import APP_NAME, resolve_home
from reviewer.people.identity import NoIdentity, load_identity
from reviewer.people.session import create_session

NAME = "买买提·艾力"
PASS = "我的 passphrase"
SECRETARIAT = "secretariat"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_os_keyring(monkeypatch):
    # Never touch the developer's real keyring.
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.fail.Keyring())


@pytest.fixture(scope="module")
def created(tmp_path_factory):
    """One identity made through the CLI with --remember on a machine without a keyring."""
    root = tmp_path_factory.mktemp("identity")
    passfile = root / "pass.txt"
    passfile.write_text(PASS + "\n", encoding="utf-8")
    home, request = root / "home", root / "request.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyring.core, "_keyring_backend", keyring.backends.fail.Keyring())
        mp.delenv("REVIEWER_PASSPHRASE", raising=False)
        code = main(
            [
                "--lang",
                "en",
                "identity",
                "new",
                "--name",
                NAME,
                "--out",
                str(request),
                "--home",
                str(home),
                "--passphrase-file",
                str(passfile),
                "--remember",
            ]
        )
    assert code == 0
    return home, request, passfile


def test_new_writes_public_files_and_encrypted_keys(created):
    home, request, _ = created
    folder = home / "identity"
    sealed = (folder / "identity.key").read_bytes()
    doc = json.loads(sealed)
    assert doc["format"] == "reviewer-sealed-secret" and doc["kdf"]["kdf"] == "argon2id"
    if sys.platform != "win32":
        assert stat.S_IMODE((folder / "identity.key").stat().st_mode) == 0o600
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"PRIVATE KEY" not in data and b"AGE-SECRET-KEY" not in data, path
    identity = load_identity(home)
    assert identity.name == NAME and identity.enrolments == {}
    parsed = parse_request(request.read_bytes())
    assert parsed.name == NAME and parsed.age_recipient == identity.age_recipient
    assert parsed.key_fingerprint == identity.key_fingerprint


def test_new_refuses_to_replace_an_identity(created, tmp_path, capsys):
    home, _, passfile = created
    before = (home / "identity" / "identity.key").read_bytes()
    code, _, err = run(
        capsys,
        "identity",
        "new",
        "--name",
        "王伟",
        "--out",
        str(tmp_path / "r.json"),
        "--home",
        str(home),
        "--passphrase-file",
        str(passfile),
    )
    assert code == 1 and "already exists" in err
    assert (home / "identity" / "identity.key").read_bytes() == before


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "empty"), ("   ", "empty"), ("王\x07伟", "control"), ("长" * 22, "too long")],
)
def test_new_refuses_bad_names_before_creating_anything(name, reason, tmp_path, capsys):
    code, _, err = run(
        capsys,
        "identity",
        "new",
        "--name",
        name,
        "--out",
        str(tmp_path / "r.json"),
        "--home",
        str(tmp_path / "h"),
    )
    assert code == 1 and reason in err
    assert not (tmp_path / "h").exists()


def test_new_without_a_passphrase_refuses_non_interactively(tmp_path, capsys):
    code, _, err = run(
        capsys,
        "identity",
        "new",
        "--name",
        NAME,
        "--out",
        str(tmp_path / "r.json"),
        "--home",
        str(tmp_path / "h"),
    )
    assert code == 1 and "--passphrase-file" in err
    assert not (tmp_path / "h" / "identity" / "identity.json").exists()


def test_show_without_identity_or_passphrase(created, tmp_path, capsys):
    home, _, _ = created
    code, out, _ = run(capsys, "identity", "show", "--home", str(home))
    identity = load_identity(home)
    assert code == 0
    assert NAME in out and identity.key_fingerprint in out and identity.age_recipient in out
    assert "no keyring available" in out
    code, _, err = run(capsys, "identity", "show", "--home", str(tmp_path / "empty"))
    assert code == 1 and "no reviewer identity" in err


def test_enrol_in_two_sessions_then_unlock(created, tmp_path, capsys):
    home, request, passfile = created
    secretariat_pass = tmp_path / "sec.txt"
    secretariat_pass.write_text(SECRETARIAT, encoding="utf-8")
    sessions = []
    for i, name in enumerate(("新闻传播人才评审会", "国际传播人才评审会")):
        session = create_session(tmp_path / f"s{i}", name, SECRETARIAT)
        response = tmp_path / f"resp{i}.json"
        assert (
            run(
                capsys,
                "session",
                "enroll",
                str(session.folder),
                str(request),
                "--out",
                str(response),
                "--passphrase-file",
                str(secretariat_pass),
            )[0]
            == 0
        )
        code, out, err = run(capsys, "identity", "accept", str(response), "--home", str(home))
        assert code == 0, err
        assert "Enrolled in session" in out
        sessions.append(session)
    code, out, _ = run(capsys, "identity", "accept", str(response), "--home", str(home))
    assert code == 0 and "nothing changed" in out
    code, out, _ = run(capsys, "identity", "show", "--home", str(home))
    assert all(s.id in out and s.name in out for s in sessions)

    unlocked = load_identity(home).unlock(PASS)
    assert set(unlocked.enrolments) == {s.id for s in sessions}
    for session in sessions:
        enrolment = unlocked.enrolments[session.id]
        assert enrolment.session_name == session.name
        assert enrolment.ca_certificate == session.ca_certificate
        ca.check_issued_by(enrolment.certificate, session.ca_certificate)
    assert ca.key_fingerprint(unlocked.signing_key.public_key()) == unlocked.key_fingerprint
    sealed = pyrage.encrypt(
        "材料".encode(), [pyrage.x25519.Recipient.from_str(unlocked.age_recipient)]
    )
    assert pyrage.decrypt(sealed, [unlocked.age_identity]).decode() == "材料"
    assert "AGE-SECRET-KEY" not in repr(unlocked)


def test_wrong_passphrase_is_refused_and_changes_nothing(created, tmp_path, capsys):
    home, _, _ = created
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not my passphrase", encoding="utf-8")
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    code, _, err = run(
        capsys,
        "identity",
        "request",
        "--out",
        str(tmp_path / "again.json"),
        "--home",
        str(home),
        "--passphrase-file",
        str(wrong),
    )
    assert (code, err.strip()) == (1, "wrong passphrase")
    assert not (tmp_path / "again.json").exists()
    assert {p: p.read_bytes() for p in home.rglob("*") if p.is_file()} == before


def test_remembered_passphrase_unlocks_without_asking(created, tmp_path, monkeypatch):
    home, _, _ = created
    identity = load_identity(home)
    store = MemorySecretStore()
    store.set(identity.key_fingerprint, PASS)
    args = type("Args", (), {"home": home, "passphrase_file": None})()
    unlocked = unlock_from_args(args, store=store)
    assert unlocked.name == NAME


def test_home_resolution(tmp_path, monkeypatch):
    import platformdirs

    assert resolve_home(tmp_path / "a", {"REVIEWER_HOME": "/elsewhere"}) == tmp_path / "a"
    assert resolve_home(None, {"REVIEWER_HOME": str(tmp_path / "b")}) == tmp_path / "b"
    assert resolve_home(None, {}) == Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    with pytest.raises(NoIdentity):
        load_identity(tmp_path / "nobody")


def test_damaged_identity_file_is_reported(tmp_path, created, capsys):
    import shutil

    home = tmp_path / "copy"
    shutil.copytree(created[0], home)
    (home / "identity" / "identity.json").write_text("{", encoding="utf-8")
    code, _, err = run(capsys, "identity", "show", "--home", str(home))
    assert code == 1 and "damaged" in err and "Traceback" not in err
