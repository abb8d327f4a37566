"""专家与分组 in the secretariat window: the expert draw gives the core's names for the
seed, every flagged conflict is decided (an override only with a reason) and signed, a
confirmed conflict can be neither ticked nor saved, the automatic assignment balances
the loads, and Build pack… makes one pack per reviewer without their conflicts."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from reviewer.pack.reader import open_pack
from reviewer.panel import draw as drawing
from reviewer.people.identity import load_identity
from reviewer.people.session import open_session
from reviewer.rubric.file import category_label
from reviewer.secretariat import planning
from ui.secretariat import assignment_dialog, conflicts_dialog, draw_dialog, setup_dialogs
from ui.secretariat.window import SecretariatWindow

pytestmark = pytest.mark.usefixtures("synchronous_worker")

ZHANG, AYGUL = "张明华", "阿依古丽·买买提"


@pytest.fixture
def window(qtbot, tmp_path, demo):
    """A copy of the demo session (its reviewers' 工作单位 not recorded yet)."""
    folder = tmp_path / "session"
    shutil.copytree(demo.session, folder)
    window = SecretariatWindow(session_dir=folder)
    qtbot.addWidget(window)
    return window


def run_dialog(monkeypatch, window, cls, index, drive):
    """Open the menu's ``index``-th dialog and let ``drive`` work it instead of exec."""
    seen = []

    def exec_(dialog):
        seen.append(dialog)
        drive(dialog)
        return 0

    monkeypatch.setattr(cls, "exec", exec_)
    window.panel_actions[index].trigger()
    return seen[0]


def test_the_draw_in_the_window_is_the_core_draw_for_the_seed(
    window, monkeypatch, tmp_path, messages
):
    category = planning.session_categories(window.session)[0]
    pool = tmp_path / "pool.csv"
    names = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七"]
    pool.write_text(
        "姓名,类别,工作单位\n" + "".join(f"{n},{category},单位{i}\n" for i, n in enumerate(names)),
        encoding="utf-8",
    )

    def drive(dialog: draw_dialog.DrawDialog) -> None:
        dialog.pool.edit.setText(str(pool))
        for i in range(dialog.categories.count()):
            item = dialog.categories.item(i)
            keep = item.data(Qt.ItemDataRole.UserRole) == category
            item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
        dialog.per_category.setValue(3)
        dialog.new_seed.click()
        assert len(dialog.seed.text()) == 32
        dialog.seed.setText("2026-04-01 公告")
        dialog.draw_button.click()

    dialog = run_dialog(monkeypatch, window, draw_dialog.DrawDialog, 0, drive)
    experts, sha = drawing.read_pool(pool, [category])
    expected = drawing.draw(experts, sha, "2026-04-01 公告", 3, [category]).categories[0].drawn
    assert dialog.drawn is not None and dialog.drawn.draw.categories[0].drawn == expected
    text = dialog.result_text.toPlainText()
    assert f"{category_label(category)} ({category}): {'、'.join(expected)}" in text
    assert str(dialog.drawn.record) in text and dialog.drawn.record.parent.name == "draws"
    assert "--seed '2026-04-01 公告'" in text and not messages


def test_conflicts_decided_then_assigned_and_built_one_pack_per_reviewer(
    window, monkeypatch, tmp_path, messages, demo
):
    candidates = demo.folder / "candidates.csv"
    relations = tmp_path / "relations.csv"
    relations.write_text(
        "编号,评审专家,类型,说明\nC003,阿依古丽·买买提,申请回避,曾有合作纠纷\n", encoding="utf-8"
    )
    out = tmp_path / "packs.rvpack"

    def build(dialog: setup_dialogs.BuildPackDialog) -> None:
        dialog.candidates.edit.setText(str(candidates))
        dialog.materials.edit.setText(str(demo.folder / "materials"))
        dialog.out.edit.setText(str(out))
        dialog.passphrase.setText("demo")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    monkeypatch.setattr(setup_dialogs.BuildPackDialog, "exec", lambda d: build(d) or d.result())

    def record(dialog: conflicts_dialog.ConflictsDialog) -> None:
        dialog.candidates.edit.setText(str(candidates))
        dialog.find_button.click()
        assert not dialog.flags
        # 张明华 works at C001's 工作单位, spelt another way.
        dialog.affiliations.item(0, 0).setText("新疆 广播电视台有限公司")
        dialog.affiliation_button.click()
        assert [f.candidate_id for f in dialog.flags] == ["C001"]

    run_dialog(monkeypatch, window, conflicts_dialog.ConflictsDialog, 1, record)
    assert open_session(window.session.folder).reviewer(ZHANG).affiliation == (
        "新疆 广播电视台有限公司"
    )
    # Undecided: Build pack… refuses with the core's message, naming the flag.
    window.build_pack()
    assert len(messages) == 1 and "尚未决定" in messages[0] and "C001" in messages[0]
    assert not out.with_suffix("").exists()

    def decide(dialog: conflicts_dialog.ConflictsDialog) -> None:
        dialog.candidates.edit.setText(str(candidates))
        dialog.relations.edit.setText(str(relations))
        dialog.find_button.click()
        assert [(f.candidate_id, f.reviewer) for f in dialog.flags] == [
            ("C001", ZHANG),
            ("C003", AYGUL),
        ]
        assert "同一工作单位" in dialog.table.item(0, conflicts_dialog.COL_RULES).text()
        dialog.passphrase.setText("demo")
        dialog.choice(0).setCurrentIndex(conflicts_dialog.CONFIRM)
        messages.clear()
        dialog.sign_button.click()  # C003 still to decide
        assert len(messages) == 1 and "C003, 阿依古丽·买买提" in messages[0]
        dialog.choice(1).setCurrentIndex(conflicts_dialog.OVERRIDE)
        dialog.sign_button.click()  # overridden without a reason
        assert len(messages) == 2 and "不回避须说明理由" in messages[1]
        assert dialog.signed is None
        dialog.choice(1).setCurrentIndex(conflicts_dialog.CONFIRM)
        dialog.reason(1).setText("候选人申请回避")
        dialog.sign_button.click()

    dialog = run_dialog(monkeypatch, window, conflicts_dialog.ConflictsDialog, 1, decide)
    assert dialog.signed is not None and dialog.signed.confirmed == 2, messages
    assert (window.session.folder / "conflicts.json.sig").is_file()

    def assign(dialog: assignment_dialog.AssignmentDialog) -> None:
        dialog.candidate_file.edit.setText(str(candidates))
        dialog.load_button.click()
        row = [c.id for c in dialog.candidates].index("C001")
        cell = dialog.grid.item(row, dialog.reviewers.index(ZHANG))
        # Neither tickable nor enabled; ticked anyway, the core refuses to save it.
        assert not cell.flags() & Qt.ItemFlag.ItemIsUserCheckable
        assert not cell.flags() & Qt.ItemFlag.ItemIsEnabled and cell.text() == "回避"
        cell.setCheckState(Qt.CheckState.Checked)
        messages.clear()
        dialog.save_button.click()
        assert len(messages) == 1 and "C001" in messages[0] and dialog.saved is None
        dialog.per_candidate.setValue(1)
        dialog.auto_button.click()
        counts = planning.loads(dialog.plan(), dialog.reviewers)
        assert sum(counts.values()) == 6 and max(counts.values()) - min(counts.values()) <= 1
        assert dialog.loads.text().endswith(f"{ZHANG} {counts[ZHANG]} · {AYGUL} {counts[AYGUL]}")
        dialog.save_button.click()

    dialog = run_dialog(monkeypatch, window, assignment_dialog.AssignmentDialog, 2, assign)
    assert dialog.saved == planning.saved_assignment(window.session), messages

    messages.clear()
    window.build_pack()
    folder = out.with_suffix("")
    assert len(list(folder.glob("*.rvpack"))) == 2, messages
    assert messages[-1].count("供 1 位评审专家使用") == 2
    held = {}
    for outcome in window.last_build.outcomes:
        home = demo.reviewers[0 if outcome.reviewer == ZHANG else 1]
        who = load_identity(home).unlock("demo")
        enrolment = who.enrolments[window.session.id]
        with open_pack(
            outcome.built.path,
            who.age_identity,
            enrolment.ca_certificate,
            expected_session_id=window.session.id,
        ) as opened:
            held[outcome.reviewer] = {c.id for c in opened.manifest.candidates}
    assert "C001" not in held[ZHANG] and "C003" not in held[AYGUL]
    assert sorted(held[ZHANG] | held[AYGUL]) == [f"C00{i}" for i in range(1, 7)]
