"""A full disk or a read-only workspace during a save, a lock or an unlock: a clear
``WorkspaceError`` subclass, nothing half-written, the keys dropped at lock regardless.

A full disk is SQLite's own: ``PRAGMA max_page_count`` at the database's current size
makes every write that needs a new page fail with ``SQLITE_FULL``, as a full file
system does. A read-only workspace is the database opened through ``mode=ro`` (tests
run as root in CI, where a chmod would not stop a write).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3

import pytest
import sqlite_utils

from reviewer.base.errors import ReviewerError
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.station.workstation import Workstation, WorkstationError
from reviewer.workspace.audit import EventKind
from reviewer.workspace.db import DB_NAME
from reviewer.workspace.model import Status
from reviewer.workspace.store import (
    Workspace,
    WorkspaceDiskFull,
    WorkspaceReadOnly,
    WorkspaceWriteError,
)
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack

pytestmark = pytest.mark.usefixtures("english")


def fill_disk(ws: Workspace) -> None:
    """No room for a single new page, as on a full disk."""
    pages = ws._db.execute("PRAGMA page_count").fetchone()[0]
    ws._db.execute(f"PRAGMA max_page_count={pages}")


def free_disk(ws: Workspace) -> None:
    ws._db.execute("PRAGMA max_page_count=1073741823")


def make_read_only(ws: Workspace) -> None:
    """The same database opened read-only, as on a write-protected stick."""
    ws._db.conn.close()
    uri = f"file:{ws.home / DB_NAME}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    ws._db = sqlite_utils.Database(conn)


def long_opinion(seed: int = 1) -> str:
    """5000 random CJK characters: about 15 KB sealed, so it needs new pages."""
    rng = random.Random(seed)
    return "".join(chr(0x4E00 + rng.randrange(0x5000)) for _ in range(5000))


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(tmp_path)
    w.initialise(PASSPHRASE)
    pack = make_pack()
    w.import_pack(pack)
    w.pack_info = pack
    yield w
    with contextlib.suppress(WorkspaceWriteError):
        w.close()


def test_a_full_disk_during_a_save_is_a_clear_error_and_nothing_is_half_saved(ws, tmp_path):
    pack = ws.pack_info
    saved = complete_review(pack, "C001", "第一版")
    ws.save_review(pack.pack_id, saved)
    events_before = len(ws.events())
    fill_disk(ws)
    edited = saved.with_opinion(long_opinion())
    with pytest.raises(WorkspaceDiskFull) as info:
        ws.save_review(pack.pack_id, edited)
    assert isinstance(info.value, WorkspaceWriteError) and isinstance(info.value, ReviewerError)
    assert "the disk is full" in str(info.value) and str(tmp_path) in str(info.value)
    # Rolled back whole: the review as saved before, no half event, the chain intact.
    assert ws.review(pack.pack_id, "C001") == saved
    assert len(ws.events()) == events_before and ws.verify_log().ok
    # Space again: the same save goes through, and the workspace opens clean.
    free_disk(ws)
    ws.save_review(pack.pack_id, edited)
    ws.close()
    again = Workspace.open(tmp_path)
    again.unlock(PASSPHRASE)  # the at-rest check: rows, row set and counter agree
    assert again.review(pack.pack_id, "C001") == edited
    again.close()


def test_a_full_disk_message_is_translated(ws):
    from reviewer.base.i18n import set_language

    pack = ws.pack_info
    fill_disk(ws)
    set_language("zh_CN")
    with pytest.raises(WorkspaceDiskFull) as info:
        ws.save_review(pack.pack_id, complete_review(pack, "C002", long_opinion(2)))
    assert "磁盘已满" in str(info.value)


def test_a_read_only_workspace_refuses_a_save_clearly(ws):
    pack = ws.pack_info
    make_read_only(ws)
    with pytest.raises(WorkspaceReadOnly) as info:
        ws.save_review(pack.pack_id, complete_review(pack, "C003"))
    assert "read-only" in str(info.value)
    assert ws.candidate_entry(pack.pack_id, "C003").status is Status.NOT_STARTED


def test_lock_drops_the_key_even_when_the_lock_cannot_be_recorded(ws):
    make_read_only(ws)
    with pytest.raises(WorkspaceReadOnly):
        ws.lock()
    assert not ws.unlocked and ws._vault is None and ws._sub_keys == {} and ws._packs == {}


def test_close_closes_the_database_even_when_the_lock_cannot_be_recorded(ws):
    make_read_only(ws)
    with pytest.raises(WorkspaceReadOnly):
        ws.close()
    assert not ws.unlocked and ws._closed
    with pytest.raises(sqlite3.ProgrammingError):
        ws._db.execute("SELECT 1")


def test_unlock_on_a_read_only_workspace_fails_clearly_and_stays_locked(tmp_path):
    w = Workspace.open(tmp_path)
    w.initialise(PASSPHRASE)
    w.lock()
    make_read_only(w)
    with pytest.raises(WorkspaceReadOnly):
        w.unlock(PASSPHRASE)
    assert not w.unlocked


def test_a_bug_is_not_disguised_as_a_disk_problem(ws):
    with pytest.raises(sqlite3.OperationalError), ws._write():
        ws._db.execute("INSERT INTO no_such_table VALUES (1)")


def test_workstation_lock_on_a_full_disk_reports_and_forgets(reviewer_home, demo):
    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    station.open_pack(demo.pack)
    make_read_only(station.workspace)
    with pytest.raises(WorkstationError, match="read-only"):
        station.lock()
    assert not station.unlocked and not station.workspace.unlocked
    assert station._packs == {} and station._signers == {}
    station.close()  # already locked: closes
    assert station.workspace._closed


def test_the_lock_event_is_recorded_when_there_is_room(ws):
    ws.lock()
    ws.unlock(PASSPHRASE)
    kinds = [e.kind for e in ws.events()]
    assert EventKind.LOCKED in kinds
