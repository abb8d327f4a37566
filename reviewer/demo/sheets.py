"""Simulated reviewers for the practice session: each scores every candidate and signs
the sheets through the real pipeline (workspace, scoring core, sheet export), so that a
secretary can rehearse aggregation. Scores are plausible and varied: each candidate has
a quality, each reviewer a leniency, each score some noise; a few reviewers recuse and
the odd ethics check fails (veto). Deterministic for a given seed."""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from reviewer.base.i18n import _
from reviewer.demo.practice import DEMO_PASSPHRASE, DemoError, DemoResult
from reviewer.review.scoring import Conflict, Review, evaluate
from reviewer.rubric.model import CheckKind, CheckResult, Rubric
from reviewer.station.export import ExportedSheet, export_sheet
from reviewer.station.workstation import Workstation

RECUSAL_RATE = 0.06
VETO_RATE = 0.03
CONCERN_RATE = 0.08
CONCERNS = [
    "个别代表作署名情况需进一步核实。",
    "材料中一项获奖信息与公开报道不一致，建议秘书处复核。",
    "网络平台账号曾有内容被处理的记录，建议了解情况。",
]
OPINIONS = [
    "代表作立意高远、完成度高，社会反响良好，建议重点考虑。",
    "作品扎根基层，讲述真实故事，传播效果较好；创新性仍有提升空间。",
    "业务能力扎实，成果对行业发展有实际贡献，材料详实。",
    "代表作质量参差，部分成果影响有限，建议进一步积累。",
    "在边疆民族地区长期坚守一线，作品贴近群众，示范作用明显。",
]


def _scored(rubric: Rubric, review: Review, quality: float, rng: random.Random) -> Review:
    for c in rubric.criteria:
        share = min(1.0, max(0.0, quality + rng.gauss(0, 0.07)))
        steps = round(Decimal(str(share)) * c.max_score / c.step)
        review = review.with_score(c.id, steps * c.step)
    return review


def simulate_reviewer(
    station: Workstation, pack_id: str, index: int, out_dir: Path, seed: int
) -> list[ExportedSheet]:
    rng = random.Random(seed * 1000 + index)
    leniency = rng.gauss(0, 0.05)
    pack = station.workspace.pack(pack_id)
    sheets = []
    for candidate in pack.candidates:
        rubric = pack.rubric(candidate.rubric_id)
        if rubric is None:
            raise DemoError(_("the pack has no rubric {id}").format(id=candidate.rubric_id))
        # A candidate's quality is the same for every reviewer (seeded by candidate).
        quality = random.Random(f"{seed}:{candidate.candidate_id}").uniform(0.55, 0.95)
        review = Review(candidate.candidate_id, rubric.id)
        if rng.random() < RECUSAL_RATE:
            review = review.with_conflict(Conflict.RECUSED, "与候选人在同一单位工作，依规回避。")
        else:
            review = review.with_conflict(Conflict.NONE)
            review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
            if rng.random() < VETO_RATE:
                review = review.with_check(
                    CheckKind.ETHICS, CheckResult.FAIL, "材料显示存在署名不实问题，经核实属实。"
                )
                review = review.with_recommendation(
                    next(r.id for r in rubric.recommendations if r.negative)
                )
                review = review.with_opinion("品德考核不通过，一票否决。")
            else:
                review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
                # Its own generator, so that the scores stay those of earlier versions.
                doubt = random.Random(f"{seed}:{index}:{candidate.candidate_id}:concern")
                if doubt.random() < CONCERN_RATE:
                    review = review.with_check(
                        CheckKind.POLITICAL, CheckResult.CONCERN, doubt.choice(CONCERNS)
                    )
                review = _scored(rubric, review, quality + leniency, rng)
                total = evaluate(rubric, review).total or 0
                positive = total >= 70
                review = review.with_recommendation(
                    next(r.id for r in rubric.recommendations if r.negative != positive)
                )
                review = review.with_opinion(rng.choice(OPINIONS))
        station.workspace.save_review(pack_id, review)
        sheets.append(export_sheet(station, pack_id, candidate.candidate_id, out_dir))
    return sheets


def write_demo_sheets(
    demo: DemoResult,
    seed: int = 2026,
    say: Callable[[str], None] | None = None,
    practice: int | None = None,
) -> list[ExportedSheet]:
    """Every demo reviewer scores and signs every candidate into ``OUT/sheets/<n>/``.

    ``practice``: the number of a reviewer whose home is left as new, for someone to
    practise in (``make demo`` opens it): their sheets are signed, with their own key, from
    a throwaway copy of their home, so their workspace holds nothing scored or signed."""
    report = say or (lambda _m: None)
    sheets = []
    for index, home in enumerate(demo.reviewers, start=1):
        report(_("reviewer {n} scores and signs the sheets").format(n=index))
        with tempfile.TemporaryDirectory(prefix="reviewer-demo-") as scratch:
            if index == practice:
                home = Path(scratch) / "home"
                shutil.copytree(demo.reviewers[index - 1], home)
            station = Workstation(home)
            try:
                station.unlock(DEMO_PASSPHRASE)
                pack_id = station.open_pack(demo.pack).pack_id
                out = demo.folder / "sheets" / str(index)
                sheets += simulate_reviewer(station, pack_id, index, out, seed)
            finally:
                station.close()
    return sheets
