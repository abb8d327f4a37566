"""Take the documentation's screenshots from the real app (under Xvfb: `make screenshots`).

Builds a fresh practice session, opens it as its first reviewer, and drives the real
widgets through each state a committee member meets (locked, declaring, reading, playing
a work, scoring, a wrong score, a veto, the overview, signing and exporting, the
auto-lock warning and the lock it gives), then the secretariat's window on the practice
sheets. Each state is saved as docs/screenshots/<state>-<lang>.png, and
docs/screenshots/README.md lists them. Dialogs are taken with the screen behind them.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from reviewer.crypto.secret_store import KeyringStore
from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.demo.sheets import write_demo_sheets
from ui.app import create_review_window, create_secretariat_window, create_window

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# (state, what it shows): the order of docs/screenshots/README.md.
STATES = [
    ("rubrics", "The rubric browser: the plan's categories, criteria and descriptors"),
    ("locked", "The lock screen when the window opens"),
    ("declare", "Declaring a conflict of interest before any material is opened"),
    ("reading", "Reading a PDF material, with its page and zoom controls"),
    ("large-viewer", "The large-viewer mode: the candidate list hidden"),
    ("playing", "A representative work playing under the watermark"),
    ("scoring", "Scoring: checks first, descriptors of the focused criterion in view"),
    ("wrong-score", "A typed score off the step, kept and called wrong"),
    ("veto", "A failed check: scores greyed and only 不推荐 left"),
    ("overview", "The overview of one's own scores per category"),
    ("side-by-side", "Two candidates side by side"),
    ("exported", "What export says: which files went where, what was skipped"),
    ("lock-warning", "The automatic lock's warning"),
    ("locked-idle", "The lock screen saying why it locked"),
    ("secretariat", "The secretariat's window: sheets verified and ranked"),
    ("secretariat-detail", "One candidate's sheets in the secretariat's window"),
    ("setup-new-session", "The secretariat creates a session"),
    ("setup-enrolment", "An enrolment request: name and key fingerprint for the phone check"),
]


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], object], timeout_ms: int = 30_000) -> None:
    waited = 0
    while not condition() and waited < timeout_ms:
        wait(100)
        waited += 100
    if not condition():
        raise SystemExit("timed out waiting for the app")


class Shots:
    def __init__(self, app: QApplication, lang: str):
        self.app, self.lang, self.taken = app, lang, []

    def window(self, widget: QWidget, state: str) -> None:
        wait(400)
        self.app.processEvents()
        self._save(widget.grab(), state)

    def screen(self, state: str) -> None:
        """The whole screen: a dialog with the window behind it."""
        wait(400)
        self.app.processEvents()
        self._save(self.app.primaryScreen().grabWindow(0), state)

    def _save(self, pixmap, state: str) -> None:
        path = OUT / f"{state}-{self.lang}.png"
        pixmap.save(str(path))
        self.taken.append(state)
        print(f"wrote {path}")


def _dialog_shot(shots: Shots, state: str) -> Callable[..., object]:
    """Stands in for QMessageBox.information/warning: shows the same box without blocking,
    takes the screen, and closes it."""

    def show(parent, title, text, *args, **kwargs):
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
        box.show()
        shots.screen(state)
        box.close()
        return QMessageBox.StandardButton.Ok

    return show


def reviewer_states(app: QApplication, shots: Shots, tmp: Path) -> None:
    demo = build_demo(tmp / "demo", reviewers=1, candidates=8)
    window = create_review_window(app, demo.reviewers[0], demo.pack, shots.lang, KeyringStore())
    window.resize(1366, 768)
    window.show()
    wait_until(lambda: window.station is not None)  # the name shows once loaded
    shots.window(window, "locked")
    window.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
    window.lock_screen.button.click()
    wait_until(lambda: window.candidate_list is not None)

    window.show_candidate("C002")
    shots.window(window, "declare")
    page = window.pages["C002"]
    page.conflict.no_conflict.click()
    wait_until(lambda: page.materials.count() > 0)
    viewer = page.viewer
    rows = {
        page.materials.item(i).data(Qt.ItemDataRole.UserRole): i
        for i in range(page.materials.count())
    }
    manifest = window.station.manifest(window.pack_id)

    def open_first(kind: Callable[[str], bool]) -> bool:
        for sha, row in rows.items():
            meta = manifest.attachment(sha) if sha else None
            if meta is not None and kind(meta.media_type):
                page.materials.setCurrentRow(row)
                page._open_item(page.materials.item(row))
                return True
        return False

    if open_first(lambda t: t == "application/pdf"):
        wait_until(lambda: viewer.currentWidget() is viewer.pdf_reader)
        shots.window(window, "reading")
        large = getattr(window, "large_viewer_action", None)
        if large is not None:
            large.trigger()
            shots.window(window, "large-viewer")
            large.trigger()
    if open_first(lambda t: t.startswith("video/")) or open_first(lambda t: t.startswith("audio/")):
        wait_until(lambda: viewer.player is not None and viewer.currentWidget() is viewer.player)
        wait(1500)  # a second of the work played
        shots.window(window, "playing")
        viewer.drop_media()

    panel = page.panel
    for row in panel.check_rows.values():
        row.group.buttons()[0].click()  # 通过
    boxes = list(panel.score_boxes.values())
    for i, box in enumerate(boxes[:-1]):
        box.setValue(float(Decimal("8") + Decimal(i % 3) / 2))
    boxes[1].setFocus()
    shots.window(window, "scoring")

    last = boxes[-1]
    last.setFocus()
    last.selectAll()
    QTest.keyClicks(last, "7.3")
    QTest.keyClick(last, Qt.Key.Key_Return)
    shots.window(window, "wrong-score")
    last.setValue(8.0)  # corrected: nothing is signed while a wrong score is on screen

    window.show_candidate("C003")
    vetoed = window.pages["C003"]
    vetoed.conflict.no_conflict.click()
    first_check = next(iter(vetoed.panel.check_rows.values()))
    first_check.group.buttons()[-1].click()  # 不通过
    shots.window(window, "veto")

    # Two complete reviews of one category for the overview and the export.
    rubric_id = page.panel.rubric.id
    same = [
        c.candidate_id
        for c in window.station.workspace.pack(window.pack_id).candidates
        if c.rubric_id == rubric_id and c.candidate_id != "C002"
    ]
    done = [_complete(window, "C002")]
    if same:
        done.append(_complete(window, same[0], score=7.0))
    window.overview_action.trigger()
    dialog = window.overview
    if dialog is not None:
        dialog.resize(1100, 600)
        shots.screen("overview")
        grid = dialog.tabs.currentWidget()
        table = grid.table
        rows = [r.candidate_id for r in grid.data.rows]
        ids = [page.candidate_id for page in done]
        if len(ids) == 2 and all(c in rows for c in ids):
            table.clearSelection()
            table.setSelectionMode(table.SelectionMode.MultiSelection)
            for candidate_id in ids:
                table.selectRow(rows.index(candidate_id))
            dialog.compare.click()
            shots.screen("side-by-side")
            if dialog.side is not None:
                dialog.side.close()
        dialog.close()

    folder = tmp / "signed"
    folder.mkdir()
    QFileDialog.getExistingDirectory = lambda *a, **k: str(folder)  # type: ignore[method-assign]
    QMessageBox.information = _dialog_shot(shots, "exported")  # type: ignore[method-assign]
    QMessageBox.warning = _dialog_shot(shots, "exported")  # type: ignore[method-assign]
    window.show_candidate("C002")
    window.export_everything()
    wait_until(lambda: "exported" in shots.taken, timeout_ms=120_000)

    from scripts import shots_ballot

    shots_ballot.take(window, shots, tmp)
    window.idle.set_timeout_ms(8_000)
    wait_until(lambda: window._warning_shown, timeout_ms=20_000)
    shots.window(window, "lock-warning")
    wait_until(lambda: window.stack.currentWidget() is window.lock_screen, timeout_ms=20_000)
    shots.window(window, "locked-idle")
    window.close()


def _complete(window, candidate_id: str, score: float = 8.0):
    window.show_candidate(candidate_id)
    page = window.pages[candidate_id]
    if page.conflict.isVisible():
        page.conflict.no_conflict.click()
    panel = page.panel
    for row in panel.check_rows.values():
        row.group.buttons()[0].click()
    for box in panel.score_boxes.values():
        box.setValue(score)
    panel.opinion.setPlainText("材料翔实，代表作社会效益突出。")
    panel.flush()
    panel.recommendation.setCurrentIndex(1)
    return page


def secretariat_states(app: QApplication, shots: Shots, tmp: Path) -> None:
    demo = build_demo(tmp / "demo-secretariat", reviewers=3, candidates=6)
    write_demo_sheets(demo)
    window = create_secretariat_window(app, demo.session, shots.lang)
    window.resize(1366, 768)
    window.show()
    window.set_packs([demo.pack])
    window.set_candidate_list(demo.folder / "candidates.csv")
    window.import_sheets(demo.folder / "sheets")
    wait_until(lambda: window.imported is not None and not window._busy_now, 180_000)
    shots.window(window, "secretariat")
    result = window.results.result
    if result is not None and result.candidates:
        window.results.show_candidate(result.candidates[0].candidate_id)
        shots.window(window, "secretariat-detail")
    setup_states(window, shots, tmp)
    from scripts import shots_meeting, shots_planning

    shots_planning.take(window, shots, tmp)
    shots_meeting.take(window, shots, tmp)
    window.close()


def setup_states(window, shots: Shots, tmp: Path) -> None:
    """The secretariat's set-up dialogs, filled as a secretary would."""
    from reviewer.people.identity import create_identity, write_request
    from reviewer.secretariat import setup
    from ui.secretariat.setup_dialogs import EnrolmentCheck, NewSessionDialog

    new = NewSessionDialog(window)
    new.name.setText("2026年度新闻传播人才评审会")
    new.programme.setText("全国广播电视和网络视听领军人才工程")
    strong = "雪山 草原 牧歌 长河 二〇二六"  # the demo's own passphrase is too weak to show
    new.passphrase.setText(strong)
    new.repeat.setText(strong)
    new.show()
    shots.window(new, "setup-new-session")
    new.close()
    session = window.session
    if session is None:
        return
    reviewer = create_identity(tmp / "enrolling", "林晓峰", "reviewer passphrase 1")
    request = tmp / "request.json"
    write_request(request, reviewer.enrolment_request())
    check = EnrolmentCheck(setup.read_request(session, request), window)
    check.show()
    shots.window(check, "setup-enrolment")
    check.close()


def all_states() -> list[tuple[str, str]]:
    """Ours, then the committee's pictures taken by the shots_* scripts (imported here:
    they import Shots from this module)."""
    from scripts import shots_ballot, shots_meeting, shots_planning

    return STATES + shots_ballot.STATES + shots_planning.STATES + shots_meeting.STATES


def write_index() -> None:
    lines = [
        "# Screenshots · 界面截图",
        "",
        "Taken from the real app by `make screenshots` (under Xvfb, 1366×768); do not edit",
        "by hand. Chinese first, English beside it.",
        "",
        "| state | 中文 | English |",
        "|---|---|---|",
    ]
    for state, what in all_states():
        zh, en = OUT / f"{state}-zh.png", OUT / f"{state}-en.png"
        if zh.exists() or en.exists():
            lines.append(f"| {what} | ![{state}]({zh.name}) | ![{state}]({en.name}) |")
    (OUT / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_alone(take: Callable[..., None], prefix: str) -> int:
    """A shots_* script run by itself: the secretariat window on a practice session of its
    own, with its candidate list, handed to the script's ``take``."""
    lang = sys.argv[1] if len(sys.argv) > 1 else "zh"
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    shots = Shots(app, lang)
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        demo = build_demo(tmp / "demo", reviewers=3, candidates=6)
        window = create_secretariat_window(app, demo.session, lang)
        window.resize(1366, 768)
        window.show()
        window.set_candidate_list(demo.folder / "candidates.csv")
        wait_until(lambda: not window.busy)
        take(window, shots, tmp)
        window.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main() -> int:
    lang = sys.argv[1] if len(sys.argv) > 1 else "zh"
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    shots = Shots(app, lang)
    tmp = Path(tempfile.mkdtemp(prefix="screens-"))
    try:
        browser = create_window(app, lang)
        browser.resize(1366, 768)
        browser.show()
        shots.window(browser, "rubrics")
        browser.close()
        reviewer_states(app, shots, tmp)
        secretariat_states(app, shots, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_index()
    missing = [s for s, _what in all_states() if s not in shots.taken]
    if missing:
        print("not taken: " + ", ".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
