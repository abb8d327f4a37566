"""The reviewer's audit log: append-only events, each chained to the one before.

Each event carries an HMAC-SHA256 over the previous event's MAC and its own content,
keyed with a sub-key of the workspace key. (A plain hash would leak: a score change
from 7 to 8 has so few possible values that its hash could be guessed; a keyed MAC
cannot.) Editing, deleting or reordering an event breaks the chain at that point;
the head (last sequence number and MAC) is kept sealed in the workspace so that
cutting events off the end is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from reviewer.base.i18n import N_, _
from reviewer.rubric.model import canonical_json

GENESIS = "0" * 64


class EventKind(Enum):
    WORKSPACE_CREATED = "workspace_created"
    UNLOCKED = "unlocked"
    LOCKED = "locked"
    PACK_IMPORTED = "pack_imported"
    PACK_OPENED = "pack_opened"
    REVIEW_CARRIED_OVER = "review_carried_over"
    REVIEW_FLAGGED = "review_flagged"
    ATTACHMENT_VIEWED = "attachment_viewed"
    NO_CONFLICT_DECLARED = "no_conflict_declared"
    RECUSED = "recused"
    CHECK_RECORDED = "check_recorded"
    SCORE_CHANGED = "score_changed"
    OPINION_EDITED = "opinion_edited"
    RECOMMENDATION_CHANGED = "recommendation_changed"
    SHEET_SIGNED = "sheet_signed"
    SHEET_EXPORTED = "sheet_exported"
    WORKSPACE_UPGRADED = "workspace_upgraded"
    PERMISSIONS_REPAIRED = "permissions_repaired"
    ROLLBACK_UNCHECKED = "rollback_unchecked"


_DESCRIPTIONS = {
    EventKind.WORKSPACE_CREATED: N_("workspace created"),
    EventKind.UNLOCKED: N_("unlocked"),
    EventKind.LOCKED: N_("locked"),
    EventKind.PACK_IMPORTED: N_("pack {pack_id} imported (session {session_id})"),
    EventKind.PACK_OPENED: N_("pack {pack_id} opened"),
    EventKind.REVIEW_CARRIED_OVER: N_("review of {candidate_id} carried over to pack {pack_id}"),
    EventKind.REVIEW_FLAGGED: N_("review of {candidate_id} needs attention: {reason}"),
    EventKind.ATTACHMENT_VIEWED: N_("attachment {name} of {candidate_id} viewed"),
    EventKind.NO_CONFLICT_DECLARED: N_("no conflict of interest declared for {candidate_id}"),
    EventKind.RECUSED: N_("recused from {candidate_id}: {reason}"),
    EventKind.CHECK_RECORDED: N_("{check} check for {candidate_id}: {old} → {new}"),
    EventKind.SCORE_CHANGED: N_("score {criterion} for {candidate_id}: {old} → {new}"),
    EventKind.OPINION_EDITED: N_("opinion for {candidate_id} edited ({chars} characters)"),
    EventKind.RECOMMENDATION_CHANGED: N_("recommendation for {candidate_id}: {old} → {new}"),
    EventKind.SHEET_SIGNED: N_("sheet for {candidate_id} signed (version {version})"),
    EventKind.SHEET_EXPORTED: N_("sheet for {candidate_id} exported to {file}"),
    EventKind.WORKSPACE_UPGRADED: N_(
        "workspace upgraded from format {old} to {new}: rows authenticated as found"
    ),
    EventKind.PERMISSIONS_REPAIRED: N_("file permissions repaired: {paths}"),
    EventKind.ROLLBACK_UNCHECKED: N_(
        "the write counter kept beside the workspace was {state}; rollback not checked"
    ),
}


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    kind: EventKind
    data: dict[str, Any]

    def content(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "kind": self.kind.value, "data": self.data}

    def describe(self) -> str:
        values = {k: ("—" if v is None else v) for k, v in self.data.items()}
        try:
            return _(_DESCRIPTIONS[self.kind]).format(**values)
        except (KeyError, IndexError):
            return f"{self.kind.value} {self.data}"


def link(key: bytes, previous_mac: str, event: AuditEvent) -> str:
    message = previous_mac.encode("ascii") + canonical_json(event.content())
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(
    key: bytes, rows: Iterable[tuple[AuditEvent | None, str]], head: tuple[int, str] | None
) -> ChainReport:
    """Check each (event, stored MAC) in storage order. ``None`` stands for an event
    that could not be decrypted. Reports the first broken link."""
    previous = GENESIS
    expected_seq = 1
    checked = 0
    for event, mac in rows:
        if event is None:
            return ChainReport(False, checked, expected_seq, _("the event cannot be decrypted"))
        if event.seq != expected_seq:
            reason = (
                _("event {seq} is missing (deleted or reordered)").format(seq=expected_seq)
                if event.seq > expected_seq
                else _("event {seq} is out of order").format(seq=event.seq)
            )
            return ChainReport(False, checked, expected_seq, reason)
        if not hmac.compare_digest(link(key, previous, event), mac):
            return ChainReport(
                False, checked, event.seq, _("event {seq} was altered").format(seq=event.seq)
            )
        previous = mac
        expected_seq += 1
        checked += 1
    if head is not None and (head[0] != checked or not hmac.compare_digest(head[1], previous)):
        return ChainReport(
            False,
            checked,
            checked + 1,
            _("the log ends at event {n} but event {m} was recorded").format(n=checked, m=head[0]),
        )
    return ChainReport(True, checked)
