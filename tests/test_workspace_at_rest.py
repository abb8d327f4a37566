"""The workspace against someone holding the laptop's disk (or a copy), without the
passphrase: file modes, authenticated clear columns, rollback, KDF bounds, and the CLI's
passphrase rule (issue #14, "At rest")."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.crypto.secret_store import MemorySecretStore
from reviewer.crypto.vault import KdfParams, Vault, wrap_key
from reviewer.people.identity import create_identity, load_identity
from reviewer.review.review_json import review_to_dict
from reviewer.workspace import db as workspace_db
from reviewer.workspace.at_rest import COUNTER_FILE
from reviewer.workspace.audit import GENESIS, AuditEvent, EventKind, link
from reviewer.workspace.db import DB_NAME, SCHEMA_VERSION
from reviewer.workspace.model import ReservedSheet, Status
from reviewer.workspace.store import (
    Workspace,
    WorkspaceError,
    WorkspaceRolledBack,
    WorkspaceTampered,
)
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack

pytestmark = pytest.mark.usefixtures("english")
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The usual desktop umask, so that anything left to the default would be 0644/0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def sql(folder: Path, statement: str, params=()) -> list:
    conn = sqlite3.connect(folder / DB_NAME)
    rows = conn.execute(statement, params).fetchall()
    conn.commit()
    conn.close()
    return rows


def worked(folder: Path, secrets=None) -> Workspace:
    """A workspace with a pack and two saved reviews, one of them signed; unlocked."""
    ws = Workspace.open(folder, secrets)
    ws.initialise(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    ws.save_review(pack.pack_id, complete_review(pack, "C001"))
    ws.save_review(pack.pack_id, complete_review(pack, "C002"))
    ws.reserve_sheet(pack.pack_id, "C002", ReservedSheet(1, "ab" * 32, "C002_v01.pdf", b"%PDF"))
    ws.mark_signed(pack.pack_id, "C002", 1, "ab" * 32, "C002_v01.pdf")
    return ws


def reopen(folder: Path, secrets=None) -> Workspace:
    ws = Workspace.open(folder, secrets)
    ws.unlock(PASSPHRASE)
    return ws


# --- 1. permissions ---------------------------------------------------------------------


@posix_only
def test_home_workspace_database_and_key_file_are_private(tmp_path, loose_umask):
    from reviewer.station.workstation import Workstation

    home = tmp_path / "new" / "home"
    create_identity(home, "王伟", PASSPHRASE)
    station = Workstation(home)
    station.unlock(PASSPHRASE)
    folder = home / "workspace"
    try:
        for path in (home, home / "identity", folder):
            assert mode(path) == 0o700, path
        assert mode(home / "identity" / "identity.key") == 0o600
        wal, shm = folder / (DB_NAME + "-wal"), folder / (DB_NAME + "-shm")
        assert wal.exists() and shm.exists()  # open in WAL mode: both are there now
        for path in (folder / DB_NAME, wal, shm, folder / COUNTER_FILE):
            assert mode(path) == 0o600, path
    finally:
        station.close()


@posix_only
def test_loose_modes_are_repaired_on_open_and_logged(tmp_path, loose_umask):
    folder = tmp_path / "ws"
    worked(folder).close()
    os.chmod(folder, 0o755)
    os.chmod(folder / DB_NAME, 0o644)
    ws = Workspace.open(folder)
    assert mode(folder) == 0o700 and mode(folder / DB_NAME) == 0o600
    ws.unlock(PASSPHRASE)
    repaired = [e for e in ws.events() if e.kind is EventKind.PERMISSIONS_REPAIRED]
    assert len(repaired) == 1
    assert "0755 → 0700" in repaired[0].describe() and "0644 → 0600" in repaired[0].describe()
    ws.close()


@posix_only
def test_a_loose_key_file_is_repaired_on_unlock(tmp_path, loose_umask):
    home = tmp_path / "home"
    create_identity(home, "王伟", PASSPHRASE)
    key = home / "identity" / "identity.key"
    os.chmod(key, 0o644)
    os.chmod(home / "identity", 0o755)
    load_identity(home).unlock(PASSPHRASE)
    assert mode(key) == 0o600 and mode(home / "identity") == 0o700


# --- 2. clear columns authenticated -------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE reviews SET status = 'complete' WHERE candidate_id = 'C002'", "C002"),
        ("UPDATE reviews SET status = 'signed' WHERE candidate_id = 'C001'", "C001"),
        ("UPDATE reviews SET version = 7 WHERE candidate_id = 'C002'", "C002"),
        ("UPDATE reviews SET updated_at = '2020-01-01T00:00:00+00:00'", "C00"),
        ("UPDATE reviews SET flagged = 1 WHERE candidate_id = 'C001'", "C001"),
        ("UPDATE reviews SET mac = NULL WHERE candidate_id = 'C001'", "C001"),
        (
            "UPDATE reviews SET payload = (SELECT payload FROM reviews WHERE candidate_id ="
            " 'C001') WHERE candidate_id = 'C002'",
            "C002",
        ),
        ("UPDATE packs SET imported_at = '2020-01-01T00:00:00+00:00'", "pack-1"),
        ("UPDATE packs SET manifest_sha256 = 'cd'", "pack-1"),
    ],
)
def test_an_edited_clear_column_is_refused_on_unlock(tmp_path, statement, named):
    worked(tmp_path).close()
    sql(tmp_path, statement)
    ws = Workspace.open(tmp_path)
    with pytest.raises(WorkspaceTampered, match="altered outside the app") as caught:
        ws.unlock(PASSPHRASE)
    assert named in str(caught.value)
    assert not ws.unlocked  # the key is dropped again
    ws.close()


def test_an_edit_while_open_is_detected_on_read(tmp_path):
    ws = worked(tmp_path)
    sql(tmp_path, "UPDATE reviews SET status = 'complete' WHERE candidate_id = 'C002'")
    with pytest.raises(WorkspaceTampered, match="candidate C002 .*status, version, time"):
        ws.candidates("pack-1")
    sql(tmp_path, "UPDATE packs SET imported_at = '2020-01-01T00:00:00+00:00'")
    with pytest.raises(WorkspaceTampered, match="pack pack-1"):
        ws.packs()
    ws.close()


def _build_v1_workspace(folder: Path) -> None:
    """A workspace exactly as the previous version of the app left it: schema 1, no row
    MACs, no state, no counter file."""
    folder.mkdir()
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute("PRAGMA journal_mode=WAL")
    v1 = workspace_db.MIGRATIONS[0]
    v1(workspace_db.sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version=1")
    params, key = KdfParams.new(), Vault.new_key()
    vault = Vault(key)
    conn.execute("INSERT INTO meta VALUES ('kdf', ?)", [json.dumps(params.to_dict()).encode()])
    conn.execute("INSERT INTO meta VALUES ('wrapped_key', ?)", [wrap_key(params, PASSPHRASE, key)])
    pack = make_pack()
    doc = {
        "session_name": pack.session_name,
        "rubrics": [r.canonical() for r in pack.rubrics],
        "candidates": [
            {"id": c.candidate_id, "rubric_id": c.rubric_id, "name": c.name, "details": c.details}
            for c in pack.candidates
        ],
    }
    conn.execute(
        "INSERT INTO packs VALUES (?, ?, ?, ?, ?)",
        [pack.pack_id, pack.session_id, pack.manifest_sha256, "2026-01-01T00:00:00+00:00",
         vault.seal_json(doc, f"packs/{pack.pack_id}")],
    )  # fmt: skip
    review = complete_review(pack, "C001")
    rubric = pack.rubric(pack.candidate("C001").rubric_id)
    payload = {
        "review": review_to_dict(review),
        "rubric_fingerprint": rubric.fingerprint,
        "signed_version": 1,
        "signed": [{"version": 1, "sha256": "ab" * 32, "file": "C001_v01.pdf"}],
    }
    conn.execute(
        "INSERT INTO reviews VALUES (?, ?, ?, 1, 'signed', 0, ?, ?)",
        [pack.session_id, "C001", pack.pack_id, "2026-01-01T00:00:00+00:00",
         vault.seal_json(payload, f"reviews/{pack.session_id}/C001")],
    )  # fmt: skip
    previous = GENESIS
    for seq, kind in enumerate((EventKind.WORKSPACE_CREATED, EventKind.SHEET_SIGNED), 1):
        data = {} if seq == 1 else {"candidate_id": "C001", "version": 1}
        event = AuditEvent(seq, "2026-01-01T00:00:00+00:00", kind, data)
        previous = link(vault.mac_key("audit"), previous, event)
        conn.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            [seq, event.at, vault.seal_json({"kind": kind.value, "data": data}, f"events/{seq}"),
             previous],
        )  # fmt: skip
    head = vault.seal_json({"seq": 2, "mac": previous}, "meta/audit_head")
    conn.execute("INSERT INTO meta VALUES ('audit_head', ?)", [head])
    conn.commit()
    conn.close()


def test_a_version_1_workspace_is_upgraded_and_then_protected(tmp_path):
    folder = tmp_path / "ws"
    _build_v1_workspace(folder)
    ws = Workspace.open(folder)
    assert sql(folder, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(3,)]
    ws.unlock(PASSPHRASE)
    entry = ws.candidate_entry("pack-1", "C001")
    assert entry.status is Status.SIGNED and entry.version == 1
    assert [s.file for s in ws.signed_sheets("pack-1", "C001")] == ["C001_v01.pdf"]
    kinds = [e.kind for e in ws.events()]
    assert kinds[:4] == [
        EventKind.WORKSPACE_CREATED,
        EventKind.SHEET_SIGNED,
        EventKind.WORKSPACE_UPGRADED,
        EventKind.UNLOCKED,
    ]
    assert ws.verify_log().ok
    ws.close()
    assert (folder / COUNTER_FILE).exists()
    # From now on the old attack works no more: unsign the review outside the app.
    sql(folder, "UPDATE reviews SET status = 'complete'")
    with pytest.raises(WorkspaceTampered, match="C001"):
        reopen(folder)
    # Nor does making it look like a version-1 workspace again to be re-authenticated.
    sql(folder, "UPDATE reviews SET mac = NULL, wseq = NULL")
    sql(folder, "DELETE FROM meta WHERE key = 'state'")
    with pytest.raises(WorkspaceTampered, match="state is missing"):
        reopen(folder)


# --- 3. rollback --------------------------------------------------------------------------


def _snapshot(folder: Path, to: Path) -> None:
    to.mkdir()
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", COUNTER_FILE):
        if (folder / name).exists():
            shutil.copy2(folder / name, to / name)


def _restore(snapshot: Path, folder: Path, names=(DB_NAME,)) -> None:
    for name in (DB_NAME + "-wal", DB_NAME + "-shm"):
        (folder / name).unlink(missing_ok=True)
    for name in names:
        shutil.copy2(snapshot / name, folder / name)


def test_a_whole_database_put_back_from_yesterday_is_refused(tmp_path):
    folder = tmp_path / "ws"
    worked(folder).close()
    _snapshot(folder, tmp_path / "yesterday")
    ws = reopen(folder)
    ws.save_review("pack-1", complete_review(make_pack(), "C003"))
    ws.close()
    _restore(tmp_path / "yesterday", folder)
    ws = Workspace.open(folder)
    with pytest.raises(WorkspaceRolledBack, match="older than the one this laptop last saw"):
        ws.unlock(PASSPHRASE)
    assert not ws.unlocked
    ws.close()


def test_one_row_put_back_from_an_older_copy_is_refused(tmp_path):
    folder = tmp_path / "ws"
    ws = worked(folder)
    old = sql(folder, "SELECT * FROM reviews WHERE candidate_id = 'C001'")[0]
    pack = make_pack()
    ws.save_review("pack-1", complete_review(pack, "C001", opinion="改过的意见"))
    ws.close()
    # The old row is genuine (its MAC checks), only older than the rest.
    sql(folder, "DELETE FROM reviews WHERE candidate_id = 'C001'")
    sql(folder, f"INSERT INTO reviews VALUES ({', '.join('?' * len(old))})", old)
    with pytest.raises(WorkspaceTampered, match="older copy"):
        reopen(folder)


def test_a_deleted_row_is_refused(tmp_path):
    worked(tmp_path).close()
    sql(tmp_path, "DELETE FROM reviews WHERE candidate_id = 'C002'")
    with pytest.raises(WorkspaceTampered, match="removed, added"):
        reopen(tmp_path)


def test_the_audit_head_put_back_is_refused(tmp_path):
    ws = worked(tmp_path)
    head = sql(tmp_path, "SELECT value FROM meta WHERE key = 'audit_head'")[0][0]
    ws.record(EventKind.PACK_OPENED, pack_id="pack-1")
    ws.close()
    last = sql(tmp_path, "SELECT MAX(seq) FROM events")[0][0]
    sql(tmp_path, "DELETE FROM events WHERE seq >= ?", [last - 1])
    sql(tmp_path, "UPDATE meta SET value = ? WHERE key = 'audit_head'", [head])
    with pytest.raises(WorkspaceTampered, match="audit log head"):
        reopen(tmp_path)


def test_the_keyring_copy_catches_a_rollback_of_database_and_counter_file(tmp_path):
    store = MemorySecretStore()
    folder = tmp_path / "ws"
    worked(folder, store).close()
    _snapshot(folder, tmp_path / "yesterday")
    ws = reopen(folder, store)
    ws.save_review("pack-1", complete_review(make_pack(), "C003"))
    ws.close()
    _restore(tmp_path / "yesterday", folder, names=(DB_NAME, COUNTER_FILE))
    with pytest.raises(WorkspaceRolledBack, match="OS keyring"):
        reopen(folder, store)
    # The honest limit: without a keyring, rolling back both together goes unnoticed.
    reopen(folder).close()


def test_a_missing_counter_file_is_recorded_and_a_foreign_one_refused(tmp_path):
    folder = tmp_path / "ws"
    worked(folder).close()
    (folder / COUNTER_FILE).unlink()
    ws = reopen(folder)
    unchecked = [e for e in ws.events() if e.kind is EventKind.ROLLBACK_UNCHECKED]
    assert len(unchecked) == 1 and "missing" in unchecked[0].describe()
    ws.close()
    other = tmp_path / "other"
    worked(other).close()
    shutil.copy2(other / COUNTER_FILE, folder / COUNTER_FILE)
    with pytest.raises(WorkspaceRolledBack, match="another workspace"):
        reopen(folder)


# --- 4. Argon2id parameters bounded -------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"memory_kib": 64 * 1024 * 1024},  # 64 GiB: the laptop would swap for hours
        {"time_cost": 100_000},
        {"parallelism": 4096},
        {"memory_kib": 8},  # tiny: a re-wrap with these would be cheap to guess
        {"time_cost": 1},
        {"salt": "00"},
    ],
)
def test_out_of_range_kdf_parameters_are_refused_at_once(tmp_path, change):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    ws.close()
    kdf = json.loads(sql(tmp_path, "SELECT value FROM meta WHERE key = 'kdf'")[0][0])
    kdf.update(change)
    sql(tmp_path, "UPDATE meta SET value = ? WHERE key = 'kdf'", [json.dumps(kdf).encode()])
    ws = Workspace.open(tmp_path)
    start = time.monotonic()
    with pytest.raises(WorkspaceTampered, match="key derivation costs outside the allowed range"):
        ws.unlock(PASSPHRASE)
    assert time.monotonic() - start < 1
    ws.close()


def test_garbled_kdf_parameters_are_refused(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    ws.close()
    sql(tmp_path, "UPDATE meta SET value = ? WHERE key = 'kdf'", [b'{"kdf": "argon2id"}'])
    with pytest.raises(WorkspaceError, match="key derivation parameters are damaged"):
        Workspace.open(tmp_path).unlock(PASSPHRASE)


# --- 5. passphrase strength in the CLI ----------------------------------------------------


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(["--lang", "en", *argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("weak", ["demo", "password", "aaaaaaaaaaaaaaaa", "Abc12"])
def test_identity_new_refuses_a_weak_passphrase(tmp_path, capsys, weak):
    passfile = tmp_path / "pass.txt"
    passfile.write_text(weak + "\n", encoding="utf-8")
    code, err = _cli(
        capsys, "identity", "new", "--name", "王伟", "--out", str(tmp_path / "r.json"),
        "--home", str(tmp_path / "h"), "--passphrase-file", str(passfile),
    )  # fmt: skip
    assert code == 1 and "too weak" in err
    assert not (tmp_path / "h" / "identity").exists() and not (tmp_path / "r.json").exists()


def test_session_init_refuses_a_weak_passphrase(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    code, err = _cli(capsys, "session", "init", str(tmp_path / "s"), "--name", "评审会")
    assert code == 1 and "too weak" in err and not (tmp_path / "s").exists()


def test_the_practice_session_keeps_its_published_passphrase(demo):
    from reviewer.demo.practice import DEMO_PASSPHRASE

    assert DEMO_PASSPHRASE == "demo"
    assert load_identity(demo.reviewers[0]).unlock(DEMO_PASSPHRASE).name
