"""Forming the panels, core rules: the seeded draw, conflict flags, balanced assignment."""

from __future__ import annotations

import hashlib
import json

import pytest

from reviewer.panel import assignment, conflicts
from reviewer.panel import draw as drawing
from reviewer.panel.candidates import PanelCandidate

pytestmark = pytest.mark.usefixtures("english")


def _pool(n=20):
    return [drawing.Expert(f"专家{i:02d}", ("news", "arts")) for i in range(n)]


def _by_hand(seed, category, names, n):
    """The draw as docs/formats.md tells a person to re-run it, written from the text."""
    order = sorted(names)
    counter = 0
    for i in range(n):
        size = len(order) - i
        while True:
            block = hashlib.sha256(
                f"reviewer-draw-1\n{seed}\n{category}\n{counter}".encode()
            ).digest()
            counter += 1
            x = int.from_bytes(block[:8], "big")
            if x < 2**64 - 2**64 % size:
                break
        j = i + x % size
        order[i], order[j] = order[j], order[i]
    return order[:n]


def test_the_draw_is_reproducible_from_its_seed_and_by_hand():
    pool = _pool()
    first = drawing.draw(pool, "0" * 64, "2026-评审-种子", 5, ["news", "arts"])
    again = drawing.draw(list(reversed(pool)), "0" * 64, "2026-评审-种子", 5, ["news", "arts"])
    other = drawing.draw(pool, "0" * 64, "another seed", 5, ["news", "arts"])
    assert first.categories == again.categories
    assert [c.drawn for c in first.categories] != [c.drawn for c in other.categories]
    arts, news = first.categories  # drawn in the order of the category ids
    assert arts.category == "arts" and news.category == "news"
    assert list(arts.drawn) == _by_hand("2026-评审-种子", "arts", [e.name for e in pool], 5)
    # One expert, one group: news draws from those arts did not take.
    assert not set(arts.drawn) & set(news.drawn)
    assert list(news.drawn) == _by_hand(
        "2026-评审-种子", "news", [e.name for e in pool if e.name not in arts.drawn], 5
    )


def test_a_pool_too_small_is_refused():
    with pytest.raises(drawing.DrawError, match="fewer than the 4"):
        drawing.draw(_pool(6), "0" * 64, "seed", 4, ["news", "arts"])


def test_affiliations_are_compared_normalised():
    same = conflicts.normalise_affiliation
    assert same("北京 广播电视台有限公司") == same("北京广播电视台")
    assert same("ＸＹＺ传媒有限责任公司") == same("xyz传媒")
    assert same("湖南广电(集团)") == same("湖南广电（集团）") == same("湖南广电")
    assert same("中央广播电视总台") != same("中央广播电视总台研究院")


def test_flags_follow_every_rule_and_each_needs_a_decision():
    candidates = [
        PanelCandidate("C1", "甲", "news", "新疆广播电视台"),
        PanelCandidate("C2", "乙", "news", "西藏广播电视台"),
    ]
    reviewers = {"张": "新疆广播电视台 有限公司", "李": None, "王": "别处"}
    relations = [
        conflicts.Relation("C2", "李", conflicts.DECLARED_RELATION, "师生"),
        conflicts.Relation("C2", "王", conflicts.EXCLUDED_BY_CANDIDATE, ""),
    ]
    flags = conflicts.find_flags(candidates, reviewers, relations)
    assert [(f.pair, f.rules) for f in flags] == [
        (("C1", "张"), ("same_affiliation",)),
        (("C2", "李"), ("declared_relation",)),
        (("C2", "王"), ("excluded_by_candidate",)),
    ]
    some = [conflicts.Decision("C1", "张", True, "同单位")]
    with pytest.raises(conflicts.ConflictError) as refused:
        conflicts.decide("s", flags, some)
    assert [p.where for p in refused.value.problems] == ["C2, 李", "C2, 王"]
    record = conflicts.decide(
        "s",
        flags,
        [
            *some,
            conflicts.Decision("C2", "李", False, "已毕业十年"),
            conflicts.Decision("C2", "王", True, "申请"),
        ],
    )
    assert record.confirmed == {("C1", "张"), ("C2", "王")}
    assert record.undecided(flags) == []


def _candidates(n, categories=("news",)):
    return [
        PanelCandidate(f"C{i:03d}", f"候选人{i}", categories[i % len(categories)]) for i in range(n)
    ]


def test_automatic_assignment_balances_loads_and_is_deterministic():
    candidates = _candidates(20)
    reviewers = [f"R{i}" for i in range(7)]
    plan = assignment.auto_assign(candidates, reviewers, 3)
    assert plan == assignment.auto_assign(candidates, reviewers, 3)
    assert all(len(set(names)) == 3 for names in plan.values())
    counts = assignment.loads(plan, reviewers)
    assert sum(counts.values()) == 60 and max(counts.values()) - min(counts.values()) <= 1


def test_groups_keep_candidates_to_their_panel_balanced_within_it():
    candidates = _candidates(12, ("news", "arts"))
    groups = {"news": ("N1", "N2", "N3"), "arts": ("A1", "A2", "A3", "A4")}
    reviewers = [*groups["news"], *groups["arts"]]
    plan = assignment.auto_assign(candidates, reviewers, 2, groups=groups)
    for c in candidates:
        assert set(plan[c.id]) <= set(groups[c.category])
    counts = assignment.loads(plan, reviewers)
    for members in groups.values():
        loads = [counts[m] for m in members]
        assert max(loads) - min(loads) <= 1


def test_a_confirmed_conflict_is_never_assigned():
    candidates = _candidates(9)
    reviewers = ["R0", "R1", "R2"]
    excluded = {("C000", "R0"), ("C004", "R0"), ("C004", "R1")}
    plan = assignment.auto_assign(candidates, reviewers, 1, excluded)
    assert not {(cid, n) for cid, names in plan.items() for n in names} & excluded
    assert plan["C004"] == ("R2",)
    with pytest.raises(assignment.AssignmentError, match="cannot all be assigned"):
        assignment.auto_assign(candidates, reviewers, 2, excluded)
    by_hand = {c.id: ("R0",) for c in candidates}
    with pytest.raises(assignment.AssignmentError) as refused:
        assignment.check_assignment(by_hand, candidates, excluded)
    assert [p.where for p in refused.value.problems] == ["C000", "C004"]


def test_a_draw_is_recorded_and_never_overwritten(tmp_path):
    result = drawing.draw(_pool(), "a" * 64, "seed", 2, ["news"])
    first = drawing.record_draw(tmp_path, result)
    second = drawing.record_draw(tmp_path, result)
    assert first != second and first.parent == tmp_path / "draws"
    doc = json.loads(first.read_text(encoding="utf-8"))
    assert doc["seed"] == "seed" and doc["pool_sha256"] == "a" * 64
    assert doc["categories"][0]["drawn"] == list(result.categories[0].drawn)
