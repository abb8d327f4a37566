"""The workspace database: connection settings, schema versions and migrations.

SQLite through sqlite-utils, in WAL mode with ``synchronous=FULL`` (a committed edit
survives a power cut), ``secure_delete=ON`` (freed pages are zeroed) and temporary
storage in memory (sorts never spill to a temp file). The schema version lives in
``PRAGMA user_version``; each migration moves it up by one, in a transaction. Only
opaque ids, statuses and timestamps are in the clear; everything else is a sealed blob.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

DB_NAME = "workspace.db"


class WorkspaceDbError(ReviewerError):
    pass


def _v1(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    db.execute(
        "CREATE TABLE packs (pack_id TEXT PRIMARY KEY, session_id TEXT NOT NULL,"
        " manifest_sha256 TEXT NOT NULL, imported_at TEXT NOT NULL, payload BLOB NOT NULL)"
    )
    db.execute(
        "CREATE TABLE reviews (session_id TEXT NOT NULL, candidate_id TEXT NOT NULL,"
        " pack_id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,"
        " flagged INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,"
        " payload BLOB NOT NULL, PRIMARY KEY (session_id, candidate_id))"
    )
    db.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL,"
        " payload BLOB NOT NULL, mac TEXT NOT NULL)"
    )


# MIGRATIONS[i] takes the schema from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite_utils.Database:
    """Open (creating if absent) and migrate; refuse a damaged or newer database."""
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA secure_delete=ON")
        db.execute("PRAGMA temp_store=MEMORY")
        db.execute("PRAGMA foreign_keys=ON")
        check = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise WorkspaceDbError(
            _("the workspace database {path} is damaged ({error}); it was left untouched").format(
                path=path, error=exc
            )
        ) from None
    if check != [("ok",)]:
        conn.close()
        raise WorkspaceDbError(
            _("the workspace database {path} is damaged ({error}); it was left untouched").format(
                path=path, error="; ".join(str(row[0]) for row in check[:3])
            )
        )
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        conn.close()
        raise WorkspaceDbError(
            _(
                "the workspace database was written by a newer version of the app (schema "
                "{found}, this version knows {ours}); update the app to open it"
            ).format(found=version, ours=SCHEMA_VERSION)
        )
    for step in range(version, SCHEMA_VERSION):
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            MIGRATIONS[step](db)
            conn.execute(f"PRAGMA user_version={step + 1}")
    return db


def checkpoint(db: sqlite_utils.Database) -> None:
    """Fold the WAL into the main file and truncate it, so old page images of drafts
    do not linger in ``-wal`` after a lock or close."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
