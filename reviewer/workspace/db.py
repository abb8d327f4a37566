"""The workspace database: connection settings, schema versions and migrations.

SQLite through sqlite-utils, in WAL mode with ``synchronous=FULL`` (a committed edit
survives a power cut), ``secure_delete=ON`` (freed pages are zeroed) and temporary
storage in memory (sorts never spill to a temp file). The schema version lives in
``PRAGMA user_version``; each migration moves it up by one, in a transaction. Only
opaque ids, statuses and timestamps are in the clear; everything else is a sealed blob,
and since version 2 every row of ``packs`` and ``reviews`` carries the write counter it
was written at (``wseq``) and a MAC over its clear columns and sealed payload (``mac``).
Rows carried over from version 1 have neither until the first unlock, when the store
(which alone holds the key) authenticates them. Version 3 adds ``viewings``, what was
watched of each audiovisual work, keyed by an opaque HMAC and sealed whole.

The database file and its ``-wal`` and ``-shm`` are mode 0600 on POSIX: created so
(SQLite gives the journal files the database's mode) and repaired on open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.base.private_paths import create_private_file, repair_private_file
from reviewer.workspace.errors import WorkspaceDiskFull, WorkspaceReadOnly, write_error

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


def _v2(db: sqlite_utils.Database) -> None:
    for table in ("packs", "reviews"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN wseq INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN mac TEXT")


def _v3(db: sqlite_utils.Database) -> None:
    # What was watched of each audiovisual work: an opaque key, everything else sealed
    # (see ``viewings``). Empty when created, so the row set needs no upgrade.
    db.execute(
        "CREATE TABLE viewings (vid TEXT PRIMARY KEY, payload BLOB NOT NULL,"
        " wseq INTEGER NOT NULL, mac TEXT NOT NULL)"
    )


# MIGRATIONS[i] takes the schema from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)


def private_files(path: Path) -> tuple[Path, ...]:
    """The database and the journal files SQLite keeps beside it."""
    return (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))


def repair_modes(path: Path) -> list[str]:
    """Tighten the database and its journal files to 0600; what was repaired."""
    return [note for p in private_files(path) for note in repair_private_file(p)]


def connect(path: Path) -> sqlite_utils.Database:
    """Open (creating if absent) and migrate; refuse a damaged or newer database."""
    try:
        create_private_file(path)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA secure_delete=ON")
        db.execute("PRAGMA temp_store=MEMORY")
        db.execute("PRAGMA foreign_keys=ON")
        check = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        _refused_write(exc, path)
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
    try:
        for step in range(version, SCHEMA_VERSION):
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                MIGRATIONS[step](db)
                conn.execute(f"PRAGMA user_version={step + 1}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        _refused_write(exc, path)
        raise
    return db


def _refused_write(exc: sqlite3.DatabaseError, path: Path) -> None:
    """A full disk or a read-only folder met while opening: say so, not "damaged"."""
    error = write_error(exc, path.parent)
    if isinstance(error, WorkspaceDiskFull | WorkspaceReadOnly):
        raise error from None


def checkpoint(db: sqlite_utils.Database) -> None:
    """Fold the WAL into the main file and truncate it, so old page images of drafts
    do not linger in ``-wal`` after a lock or close."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
