"""The reviewer's workspace: saving, resuming, carrying over, locking, the audit log,
and refusing damaged or newer databases."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from reviewer.review.scoring import Conflict
from reviewer.rubric.file import bundled_rubrics
from reviewer.workspace.audit import EventKind
from reviewer.workspace.db import DB_NAME, MIGRATIONS, SCHEMA_VERSION, connect
from reviewer.workspace.model import Status
from reviewer.workspace.store import ReviewRejected, Workspace, WorkspaceError, WorkspaceLocked
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(tmp_path)
    w.initialise(PASSPHRASE)
    yield w
    w.close()


def test_new_workspace_lists_candidates_not_started(ws):
    pack = make_pack()
    result = ws.import_pack(pack)
    assert not result.resumed
    entries = ws.candidates(pack.pack_id)
    assert [e.candidate_id for e in entries] == ["C001", "C002", "C003", "C004"]
    assert {e.status for e in entries} == {Status.NOT_STARTED}
    assert entries[0].name == "买买提·艾力"


def test_every_save_persists_and_status_follows(ws, tmp_path):
    pack = make_pack()
    ws.import_pack(pack)
    review = complete_review(pack, "C004")
    partial = review.with_recommendation(None)
    ws.save_review(pack.pack_id, partial)
    assert ws.candidates(pack.pack_id)[3].status is Status.IN_PROGRESS
    ws.save_review(pack.pack_id, review)
    ws.save_review(pack.pack_id, review.with_conflict(Conflict.RECUSED, "曾为其导师"))
    ws.close()

    again = Workspace.open(tmp_path)
    again.unlock(PASSPHRASE)
    pack_again = again.import_pack(pack)
    assert pack_again.resumed
    entry = again.candidates(pack.pack_id)[3]
    assert entry.status is Status.RECUSED
    assert again.review(pack.pack_id, "C004").recusal_reason == "曾为其导师"
    again.close()


def test_totals_are_listed(ws):
    pack = make_pack()
    ws.import_pack(pack)
    ws.save_review(pack.pack_id, complete_review(pack, "C001"))
    entry = ws.candidates(pack.pack_id)[0]
    assert entry.status is Status.COMPLETE and entry.total == Decimal("80.00")


def test_invalid_review_is_refused_and_nothing_saved(ws):
    pack = make_pack()
    ws.import_pack(pack)
    good = complete_review(pack, "C001")
    ws.save_review(pack.pack_id, good)
    rubric = pack.rubric(pack.candidate("C001").rubric_id)
    bad = good.with_score(rubric.criteria[0].id, Decimal("10.3"))
    with pytest.raises(ReviewRejected) as info:
        ws.save_review(pack.pack_id, bad)
    assert "10.3" in str(info.value)
    assert ws.review(pack.pack_id, "C001") == good


def test_wrong_passphrase_changes_nothing(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    ws.save_review(pack.pack_id, complete_review(pack, "C001"))
    ws.close()
    before = (tmp_path / DB_NAME).read_bytes()
    again = Workspace.open(tmp_path)
    with pytest.raises(WorkspaceError, match="wrong passphrase"):
        again.unlock("not it")
    assert not again.unlocked
    with pytest.raises(WorkspaceLocked):
        again.candidates(pack.pack_id)
    again.close()
    assert (tmp_path / DB_NAME).read_bytes() == before
    third = Workspace.open(tmp_path)
    third.unlock(PASSPHRASE)
    assert third.candidates(pack.pack_id)[0].status is Status.COMPLETE
    third.close()


def test_lock_drops_decrypted_data(ws):
    pack = make_pack()
    ws.import_pack(pack)
    ws.lock()
    assert not ws.unlocked
    with pytest.raises(WorkspaceLocked):
        ws.pack(pack.pack_id)
    ws.unlock(PASSPHRASE)
    assert ws.pack(pack.pack_id).candidates[0].name == "买买提·艾力"


def test_newer_pack_carries_reviews_over_and_flags_the_rest(ws):
    rubrics = bundled_rubrics()
    old = make_pack("pack-1", rubrics=rubrics)
    ws.import_pack(old)
    for cid in ("C001", "C002", "C003"):
        ws.save_review(old.pack_id, complete_review(old, cid))
    # C002 dropped from the new pack; C003's rubric changed (other version).
    changed = [r for r in rubrics]
    target = old.candidate("C003").rubric_id
    from dataclasses import replace

    changed = [replace(r, version="2027.1") if r.id == target else r for r in rubrics]
    names = {"C001": "买买提·艾力", "C003": "李䶮", "C004": "张三"}
    new = make_pack("pack-2", names=names, rubrics=changed)
    # keep each candidate on the rubric it had
    new = replace(
        new,
        candidates=tuple(
            replace(c, rubric_id=old.candidate(c.candidate_id).rubric_id) for c in new.candidates
        ),
    )
    result = ws.import_pack(new)
    assert result.carried_over == ("C001",)
    assert set(result.flagged) == {"C002", "C003"}
    entries = {e.candidate_id: e for e in ws.candidates(new.pack_id)}
    assert entries["C001"].status is Status.COMPLETE and entries["C001"].flagged is None
    assert "rubric" in entries["C003"].flagged
    # The dropped candidate's review is still there, never silently lost.
    assert ws.review(old.pack_id, "C002") == complete_review(old, "C002")
    kinds = [e.kind for e in ws.events()]
    assert EventKind.REVIEW_CARRIED_OVER in kinds and EventKind.REVIEW_FLAGGED in kinds


def test_same_pack_id_with_other_contents_is_refused(ws):
    from dataclasses import replace

    pack = make_pack()
    ws.import_pack(pack)
    with pytest.raises(WorkspaceError, match="different contents"):
        ws.import_pack(replace(pack, manifest_sha256="cd" * 32))


def test_audit_log_records_old_and_new_values(ws):
    pack = make_pack()
    ws.import_pack(pack)
    review = complete_review(pack, "C001")
    ws.save_review(pack.pack_id, review)
    rubric = pack.rubric(pack.candidate("C001").rubric_id)
    cid = rubric.criteria[0].id
    ws.save_review(pack.pack_id, review.with_score(cid, Decimal("8.5")))
    changes = [e for e in ws.events() if e.kind is EventKind.SCORE_CHANGED]
    assert changes[-1].data == {
        "candidate_id": "C001",
        "criterion": cid,
        "old": "8",
        "new": "8.5",
    }
    assert "8 → 8.5" in changes[-1].describe()
    assert ws.verify_log().ok


def _tamper(tmp_path, sql, params=()):
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("sql", "broken_at"),
    [
        ("UPDATE events SET mac = (SELECT mac FROM events WHERE seq = 2) WHERE seq = 3", 3),
        ("DELETE FROM events WHERE seq = 3", 3),
        ("UPDATE events SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 4", 4),
        ("UPDATE events SET payload = (SELECT payload FROM events WHERE seq = 5) WHERE seq = 4", 4),
        ("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)", None),
    ],
)
def test_audit_chain_detects_editing_deleting_reordering(tmp_path, sql, broken_at):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    for cid in ("C001", "C002"):
        ws.save_review(pack.pack_id, complete_review(pack, cid))
    ws.close()
    _tamper(tmp_path, sql)
    again = Workspace.open(tmp_path)
    again.unlock(PASSPHRASE)
    report = again.verify_log()
    assert not report.ok
    if broken_at is not None:
        assert report.broken_at == broken_at
    assert report.reason
    again.close()


def test_reordered_events_are_detected(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    ws.save_review(pack.pack_id, complete_review(pack, "C001"))
    ws.close()
    conn = sqlite3.connect(tmp_path / DB_NAME)
    rows = conn.execute("SELECT seq, at, payload, mac FROM events ORDER BY seq").fetchall()
    conn.execute("DELETE FROM events")
    rows[2], rows[3] = rows[3], rows[2]
    conn.executemany(
        "INSERT INTO events (at, payload, mac, seq) VALUES (?, ?, ?, NULL)",
        [(r[1], r[2], r[3]) for r in rows],
    )
    conn.commit()
    conn.close()
    again = Workspace.open(tmp_path)
    again.unlock(PASSPHRASE)
    report = again.verify_log()
    assert not report.ok and report.broken_at == 3
    again.close()


def test_damaged_database_is_reported_and_left_alone(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    ws.close()
    path = tmp_path / DB_NAME
    data = bytearray(path.read_bytes())
    data[0:16] = b"not a database!!"
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match="damaged"):
        Workspace.open(tmp_path)
    assert path.read_bytes() == bytes(data)


def test_damaged_page_is_reported(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    pack = make_pack(names={f"C{i:03}": f"候选人{i}" for i in range(300)})
    ws.import_pack(pack)
    for i in range(40):
        ws.save_review(pack.pack_id, complete_review(pack, f"C{i:03}", opinion="意见" * 200))
    ws.close()
    path = tmp_path / DB_NAME
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 6)):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match="damaged"):
        Workspace.open(tmp_path)


def test_database_from_a_newer_version_is_refused(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.initialise(PASSPHRASE)
    ws.close()
    _tamper(tmp_path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(WorkspaceError, match="newer version"):
        Workspace.open(tmp_path)


def test_migrations_create_the_schema(tmp_path):
    db = connect(tmp_path / "fresh.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 3
    assert set(db.table_names()) >= {"meta", "packs", "reviews", "events", "viewings"}
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
