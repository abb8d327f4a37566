"""What was watched, in the workspace: sealed at rest, authenticated, kept across a
restart, migrated into from schema 2, and the session's minimum where scores are set."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from reviewer.review.scoring import Conflict, Review
from reviewer.review.viewing import AudiovisualWork, ViewingRecord
from reviewer.workspace.db import DB_NAME, private_files
from reviewer.workspace.store import (
    ViewingRequired,
    Workspace,
    WorkspaceError,
    WorkspaceLocked,
    WorkspaceTampered,
)
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack

pytestmark = pytest.mark.usefixtures("english")

FILM = "5eed" * 16
RADIO = "a11d" * 16
WORKS = {
    "C001": (
        AudiovisualWork(1, "纪录片《山路》", FILM, 880_000),
        AudiovisualWork(2, "广播节目《夜航》", RADIO, None),  # length unknown
    )
}


def sql(folder: Path, statement: str, params=()) -> list:
    conn = sqlite3.connect(folder / DB_NAME)
    rows = conn.execute(statement, params).fetchall()
    conn.commit()
    conn.close()
    return rows


def opened(folder: Path, pack=None) -> Workspace:
    ws = Workspace.open(folder)
    if ws.initialised:
        ws.unlock(PASSPHRASE)
    else:
        ws.initialise(PASSPHRASE)
    if pack is not None:
        ws.import_pack(pack)
    return ws


def reopen(folder: Path) -> Workspace:
    return opened(folder)


@pytest.fixture
def pack():
    return make_pack(audiovisual=WORKS, min_watched=80)


def test_spans_add_up_and_survive_a_restart(tmp_path, pack):
    ws = opened(tmp_path, pack)
    assert ws.viewing_record(pack.pack_id, "C001", FILM) is None
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 300_000, 880_000)
    record = ws.record_viewing(pack.pack_id, "C001", FILM, 250_000, 400_000, 880_000)
    assert record.intervals == ((0, 400_000),)
    ws.close()
    ws = reopen(tmp_path)
    assert ws.viewing_record(pack.pack_id, "C001", FILM) == record
    viewing = ws.candidate_viewing(pack.pack_id, "C001")
    assert viewing.min_percent == 80
    assert [(w.number, w.watched_ms, w.required) for w in viewing.works] == [
        (1, 400_000, True),
        (2, 0, False),
    ]
    ws.close()


def test_a_span_that_adds_nothing_writes_nothing(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 300_000, 880_000)
    before = sql(tmp_path, "SELECT wseq, mac FROM viewings")
    ws.record_viewing(pack.pack_id, "C001", FILM, 10_000, 20_000, 880_000)
    assert sql(tmp_path, "SELECT wseq, mac FROM viewings") == before
    ws.close()


def test_bad_spans_and_a_locked_workspace_are_refused(tmp_path, pack):
    ws = opened(tmp_path, pack)
    with pytest.raises(WorkspaceError, match="before it starts"):
        ws.record_viewing(pack.pack_id, "C001", FILM, 10, 5, 880_000)
    with pytest.raises(WorkspaceError, match="from 1 to"):
        ws.record_viewing(pack.pack_id, "C001", FILM, 0, 5, 0)
    with pytest.raises(WorkspaceError, match="no candidate C999"):
        ws.record_viewing(pack.pack_id, "C999", FILM, 0, 5, 880_000)
    ws.lock()
    with pytest.raises(WorkspaceLocked):
        ws.record_viewing(pack.pack_id, "C001", FILM, 0, 5, 880_000)
    ws.close()


def test_nothing_about_what_was_watched_is_in_the_clear(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.record_viewing(pack.pack_id, "C001", FILM, 123_457, 654_321, 880_000)
    ws.record_viewing(pack.pack_id, "C001", RADIO, 1_000, 2_000, 97_531)

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in private_files(tmp_path / DB_NAME) if p.exists())

    for moment in ("open", "closed"):
        raw = on_disk()
        for secret in (FILM, RADIO):
            assert secret.encode() not in raw and bytes.fromhex(secret) not in raw, moment
        for needle in (
            b"123457",
            b"654321",
            b"97531",
            b"intervals",
            b"duration_ms",
            "纪录片".encode(),
        ):
            assert needle not in raw, (moment, needle)
        if moment == "open":
            ws.close()
    assert len(sql(tmp_path, "SELECT vid FROM viewings")) == 2  # how many: visible, no more


def test_a_record_altered_outside_the_app_is_refused(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 100_000, 880_000)
    ws.close()
    sql(tmp_path, "UPDATE viewings SET wseq = wseq + 1")
    with pytest.raises(WorkspaceTampered, match="watched was altered"):
        reopen(tmp_path)


def test_a_record_put_back_from_an_older_copy_or_removed_is_refused(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 100_000, 880_000)
    old = sql(tmp_path, "SELECT payload, wseq, mac FROM viewings")[0]
    ws.record_viewing(pack.pack_id, "C001", FILM, 100_000, 800_000, 880_000)
    ws.close()
    sql(tmp_path, "UPDATE viewings SET payload = ?, wseq = ?, mac = ?", old)
    with pytest.raises(WorkspaceTampered, match="viewing record was removed, added, or put back"):
        reopen(tmp_path)
    sql(tmp_path, "DELETE FROM viewings")
    with pytest.raises(WorkspaceTampered, match="put back"):
        reopen(tmp_path)


def test_a_record_moved_to_another_work_is_refused(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 100_000, 880_000)
    ws.record_viewing(pack.pack_id, "C001", RADIO, 0, 50_000, 97_000)
    ws.close()
    # Swap the two payloads with their MACs: each row is genuine, but not where it is.
    rows = sql(tmp_path, "SELECT vid, payload, wseq, mac FROM viewings ORDER BY vid")
    sql(tmp_path, "DELETE FROM viewings")
    for (vid, *_rest), (_vid, *other) in zip(rows, reversed(rows), strict=True):
        sql(tmp_path, "INSERT INTO viewings VALUES (?, ?, ?, ?)", [vid, *other])
    with pytest.raises(WorkspaceTampered):
        reopen(tmp_path)


def test_a_schema_2_workspace_gains_the_table(tmp_path):
    ws = opened(tmp_path, make_pack())
    ws.save_review("pack-1", complete_review(make_pack(), "C001"))
    ws.close()
    sql(tmp_path, "DROP TABLE viewings")
    sql(tmp_path, "PRAGMA user_version = 2")
    ws = reopen(tmp_path)
    assert sql(tmp_path, "PRAGMA user_version") == [(3,)]
    # The pack was kept by a build before viewing records: opening the same pack again
    # keeps its audiovisual works and minimum.
    assert ws.candidate_viewing("pack-1", "C001").works == ()
    ws.import_pack(make_pack(audiovisual=WORKS, min_watched=80))
    ws.record_viewing("pack-1", "C001", FILM, 0, 1_000, 880_000)
    ws.close()
    ws = reopen(tmp_path)
    viewing = ws.candidate_viewing("pack-1", "C001")
    assert viewing.min_percent == 80 and viewing.works[0].watched_ms == 1_000
    ws.close()


# -- the session's minimum, where scores are set --------------------------------------


def declared(pack, candidate_id: str = "C001") -> Review:
    rubric = pack.rubric(pack.candidate(candidate_id).rubric_id)
    return Review(candidate_id, rubric.id).with_conflict(Conflict.NONE)


def test_the_minimum_refuses_a_representative_score_then_allows_it(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.save_review(pack.pack_id, declared(pack))
    full = complete_review(pack, "C001")
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 300_000, 880_000)
    with pytest.raises(ViewingRequired) as info:
        ws.save_review(pack.pack_id, full)
    message = str(info.value)
    assert "watch at least 80% of each audiovisual work" in message
    assert "work 1 “纪录片《山路》”: 34% watched (5:00 / 14:40)" in message
    assert "夜航" not in message  # length unknown: not required
    assert ws.review(pack.pack_id, "C001") == declared(pack)  # nothing saved
    # Everything but the representative criteria can be scored meanwhile.
    rubric = pack.rubric(pack.candidate("C001").rubric_id)
    others = declared(pack)
    for c in rubric.criteria:
        if not c.representative_works:
            others = others.with_score(c.id, Decimal(8))
    ws.save_review(pack.pack_id, others.with_opinion("先看完再评"))
    ws.record_viewing(pack.pack_id, "C001", FILM, 300_000, 704_000, 880_000)  # 80% exactly
    ws.save_review(pack.pack_id, full)
    assert ws.review(pack.pack_id, "C001") == full
    ws.close()


def test_a_work_never_played_counts_as_nothing_watched(tmp_path, pack):
    ws = opened(tmp_path, pack)
    with pytest.raises(ViewingRequired, match="0% watched \\(0:00 / 14:40\\)"):
        ws.save_review(pack.pack_id, complete_review(pack, "C001"))
    ws.close()


def test_scores_set_before_stay_and_can_be_cleared(tmp_path):
    # A review scored under a pack without the minimum, then a pack with it.
    ws = opened(tmp_path, make_pack(audiovisual=WORKS))
    full = complete_review(make_pack(), "C001")
    ws.save_review("pack-1", full)
    ws.import_pack(make_pack("pack-2", audiovisual=WORKS, min_watched=80))
    assert ws.review("pack-2", "C001") == full
    ws.save_review("pack-2", full.with_opinion("意见"))  # other edits: allowed
    rubric = make_pack().rubric(make_pack().candidate("C001").rubric_id)
    first = next(c for c in rubric.criteria if c.representative_works)
    ws.save_review("pack-2", full.with_score(first.id, None))  # clearing: allowed
    with pytest.raises(ViewingRequired):
        ws.save_review("pack-2", full)  # setting it again: not yet
    ws.close()


def test_off_by_default(tmp_path):
    ws = opened(tmp_path, make_pack(audiovisual=WORKS))
    assert ws.candidate_viewing("pack-1", "C001").min_percent is None
    ws.save_review("pack-1", complete_review(make_pack(), "C001"))  # nothing watched
    ws.close()


def test_records_are_kept_per_session_across_packs(tmp_path, pack):
    ws = opened(tmp_path, pack)
    ws.record_viewing(pack.pack_id, "C001", FILM, 0, 704_000, 880_000)
    ws.import_pack(make_pack("pack-2", audiovisual=WORKS, min_watched=80))
    record = ws.viewing_record("pack-2", "C001", FILM)
    assert record == ViewingRecord(FILM, 880_000, ((0, 704_000),))
    ws.save_review("pack-2", complete_review(pack, "C001"))
    # Another session's candidate C001 is another person: nothing watched there.
    ws.import_pack(make_pack("pack-3", session_id="session-2", audiovisual=WORKS))
    assert ws.viewing_record("pack-3", "C001", FILM) is None
    ws.close()
