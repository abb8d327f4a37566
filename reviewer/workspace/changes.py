"""What a review edit did, as the audit events ``Workspace.save_review`` records.

Each event carries the old and the new value; an edit of the opinion records only its
new length.
"""

from __future__ import annotations

from typing import Any

from reviewer.review.scoring import Conflict, Review
from reviewer.workspace.audit import EventKind


def review_changes(old: Review, new: Review) -> list[tuple[EventKind, dict[str, Any]]]:
    """What the reviewer did, as audit events (old and new values included)."""
    out: list[tuple[EventKind, dict[str, Any]]] = []
    if (old.conflict, old.recusal_reason) != (new.conflict, new.recusal_reason):
        if new.conflict is Conflict.RECUSED:
            out.append((EventKind.RECUSED, {"reason": new.recusal_reason}))
        elif new.conflict is Conflict.NONE:
            out.append((EventKind.NO_CONFLICT_DECLARED, {}))
    for kind in sorted(set(old.checks) | set(new.checks), key=lambda k: k.value):
        a, b = old.checks.get(kind), new.checks.get(kind)
        if a != b:
            out.append(
                (
                    EventKind.CHECK_RECORDED,
                    {
                        "check": kind.value,
                        "old": a.result.value if a and a.result else None,
                        "new": b.result.value if b and b.result else None,
                        "note": b.note if b else "",
                    },
                )
            )
    for cid in sorted(set(old.scores) | set(new.scores)):
        old_score, new_score = old.scores.get(cid), new.scores.get(cid)
        if old_score != new_score:
            out.append(
                (
                    EventKind.SCORE_CHANGED,
                    {
                        "criterion": cid,
                        "old": None if old_score is None else str(old_score),
                        "new": None if new_score is None else str(new_score),
                    },
                )
            )
    if old.opinion != new.opinion:
        out.append((EventKind.OPINION_EDITED, {"chars": len(new.opinion)}))
    if old.recommendation != new.recommendation:
        out.append(
            (
                EventKind.RECOMMENDATION_CHANGED,
                {"old": old.recommendation, "new": new.recommendation},
            )
        )
    return out
