"""Packs and reviews for workspace tests, built from the bundled rubrics."""

from __future__ import annotations

from decimal import Decimal

from reviewer.review.scoring import Conflict, Review
from reviewer.review.viewing import AudiovisualWork
from reviewer.rubric.file import bundled_rubrics
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.workspace.model import CandidateInfo, PackInfo

PASSPHRASE = "correct horse 马 battery"


def make_pack(
    pack_id: str = "pack-1",
    session_id: str = "session-1",
    names: dict[str, str] | None = None,
    rubrics=None,
    *,
    audiovisual: dict[str, tuple[AudiovisualWork, ...]] | None = None,
    min_watched: int | None = None,
) -> PackInfo:
    """``audiovisual``: each candidate's audio and video works; ``min_watched``: the
    session's minimum share to watch (none by default)."""
    rubrics = tuple(rubrics or bundled_rubrics())
    names = names or {
        "C001": "买买提·艾力",
        "C002": "王𠮷",
        "C003": "李䶮",
        "C004": "张三",
    }
    candidates = tuple(
        CandidateInfo(
            cid,
            rubrics[i % len(rubrics)].id,
            name,
            {"affiliation": f"单位{i}", "region": "新疆维吾尔自治区"},
            (audiovisual or {}).get(cid, ()),
        )
        for i, (cid, name) in enumerate(names.items())
    )
    return PackInfo(
        pack_id, session_id, "2026年度评审会", "ab" * 32, rubrics, candidates, min_watched
    )


def complete_review(pack: PackInfo, candidate_id: str, opinion: str = "") -> Review:
    candidate = pack.candidate(candidate_id)
    rubric = pack.rubric(candidate.rubric_id)
    review = Review(candidate_id, rubric.id).with_conflict(Conflict.NONE)
    review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
    review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
    for c in rubric.criteria:
        review = review.with_score(c.id, Decimal(8))
    return review.with_opinion(opinion).with_recommendation("recommend")
