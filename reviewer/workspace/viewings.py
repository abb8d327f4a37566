"""Viewing records in the workspace: one sealed row per session, candidate and work.

Nothing about what was watched is in the clear. A row's key (``vid``) is an HMAC of the
session id, the candidate id and the attachment's SHA-256 under a sub-key of the
workspace key, so it names none of them and cannot be matched to a work without the
passphrase; its payload (the record, with the session and candidate it belongs to) is
sealed like a review's, with the row's place as associated data. Like every other row
it carries the write counter it was written at and a MAC (``at_rest``) and counts in the
row set, so a record changed, removed, added or put back from an older copy is refused.
What stays visible: how many records there are, and at which write each last changed.

Records are kept per session (not per pack), so a newer pack of the same session keeps
what was watched of every work whose file did not change (same SHA-256).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from reviewer.review.viewing import (
    ViewingDataError,
    ViewingRecord,
    record_from_dict,
    record_to_dict,
)

ID_KEY = "workspace viewing ids/1"
TABLE = "viewings"
SELECT = "SELECT vid, payload, wseq, mac FROM viewings"


def viewing_id(key: bytes, session_id: str, candidate_id: str, sha256: str) -> str:
    message = json.dumps([session_id, candidate_id, sha256], ensure_ascii=False).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def place(vid: str) -> str:
    """The associated data a row's payload is sealed with."""
    return f"{TABLE}/{vid}"


def payload_doc(session_id: str, candidate_id: str, record: ViewingRecord) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "candidate_id": candidate_id,
        "record": record_to_dict(record),
    }


def record_in(doc: Any, session_id: str, candidate_id: str, sha256: str) -> ViewingRecord:
    """The record of an opened payload, which must be the one asked for (``ViewingDataError``
    otherwise)."""
    if not isinstance(doc, dict) or set(doc) != {"session_id", "candidate_id", "record"}:
        raise ViewingDataError("", "not a viewing record")
    record = record_from_dict(doc["record"], "record")
    if (doc["session_id"], doc["candidate_id"], record.sha256) != (
        session_id,
        candidate_id,
        sha256,
    ):
        raise ViewingDataError("", "the record of another work")
    return record
