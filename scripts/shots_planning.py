"""The screenshots of 专家与分组 (the expert draw, the conflicts, the assignment) in the
secretariat window, for scripts/screenshots.py to call with its ``Shots``.

``take(window, shots, tmp)`` expects the secretariat window open on a practice session
(``build_demo``, passphrase DEMO_PASSPHRASE) and leaves a draw record, a signed
conflicts.json and an assignment in it. Run alone (under Xvfb) it builds its own
practice session and writes the pictures as screenshots.py does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.secretariat import planning
from scripts.screenshots import Shots
from ui.secretariat.assignment_dialog import AssignmentDialog
from ui.secretariat.conflicts_dialog import CONFIRM, OVERRIDE, ConflictsDialog
from ui.secretariat.draw_dialog import DrawDialog

STATES: list[tuple[str, str]] = [
    ("panel-draw", "The expert draw: pool, seed, the experts drawn and how to re-run it"),
    ("panel-conflicts", "Conflicts flagged by rule, each confirmed or overridden with a reason"),
    ("panel-assignment", "Who reviews whom: the grid, a confirmed conflict, the loads"),
]

_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
_GIVEN = ["文博", "海燕", "立新", "春梅"]


def take(window, shots: Shots, tmp: Path) -> None:
    session = window.session
    if session is None:
        return
    categories = planning.session_categories(session)
    pool = tmp / "专家库.csv"
    pool.write_text(
        "姓名,类别,工作单位\n"
        + "".join(
            f"{name},{category},单位{i}\n"
            for i, (name, category) in enumerate(
                (f"{surname}{given}", category)
                for category, surname in zip(categories, _SURNAMES, strict=False)
                for given in _GIVEN
            )
        ),
        encoding="utf-8",
    )
    draw = DrawDialog(session, window)
    draw.pool.edit.setText(str(pool))
    draw.per_category.setValue(2)
    draw.seed.setText("2026-04-01 评审会公告")
    draw.show()
    draw.draw()
    shots.window(draw, "panel-draw")
    draw.close()

    # Two flags: the first reviewer at C001's 工作单位, the second excluded by C003.
    names = [e.name for e in session.active]
    candidates_file = window.candidate_list.path if window.candidate_list else None
    candidates_file = candidates_file or session.folder.parent / "candidates.csv"
    rows = planning.planning_candidates(session, candidates_file)
    relations = tmp / "关系.csv"
    relations.write_text(
        f"编号,评审专家,类型,说明\n{rows[2].id},{names[1]},申请回避,曾有合作纠纷\n",
        encoding="utf-8",
    )
    check = ConflictsDialog(session, window)
    check.candidates.edit.setText(str(candidates_file))
    check.relations.edit.setText(str(relations))
    check.show()
    check.affiliations.item(0, 0).setText(rows[0].affiliation or "新疆广播电视台")
    check.save_affiliations()  # records it and finds the flags again
    if check.flags:
        check.choice(0).setCurrentIndex(CONFIRM)
        check.reason(0).setText("同一工作单位")
    if len(check.flags) > 1:
        check.choice(1).setCurrentIndex(OVERRIDE)
        check.reason(1).setText("纠纷已于2024年调解，本人书面确认无利害关系")
    shots.window(check, "panel-conflicts")
    decisions = check.decisions()
    flags = check.flags
    session = check.session
    check.close()
    planning.sign_conflicts(session, DEMO_PASSPHRASE, flags, decisions)

    assign = AssignmentDialog(session, window)
    assign.candidate_file.edit.setText(str(candidates_file))
    assign.load()
    assign.per_candidate.setValue(2)
    assign.assign_automatically()
    assign.show()
    shots.window(assign, "panel-assignment")
    assign.close()


def main() -> int:  # alone: a practice session of its own, the pictures in docs/screenshots
    from scripts.screenshots import run_alone

    return run_alone(take, "screens-planning-")


if __name__ == "__main__":
    sys.exit(main())
