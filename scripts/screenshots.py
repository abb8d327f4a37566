"""Take the README's screenshots from the real app (run under Xvfb: `make screenshots`).

Builds a fresh practice session, opens it as its first reviewer, drives the real
widgets (unlock, choose a candidate, declare no conflict, open a work, score), and
saves what the screen shows into docs/screenshots/.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from reviewer.crypto.secret_store import KeyringStore
from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from ui.app import create_review_window, create_window

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, timeout_ms: int = 30_000) -> None:
    waited = 0
    while not condition() and waited < timeout_ms:
        wait(100)
        waited += 100
    if not condition():
        raise SystemExit("timed out waiting for the app")


def shot(app: QApplication, window, name: str) -> None:
    wait(400)
    app.processEvents()
    path = OUT / name
    window.grab().save(str(path))
    print(f"wrote {path}")


def main() -> int:
    lang = sys.argv[1] if len(sys.argv) > 1 else "zh"
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="screens-"))
    try:
        browser = create_window(app, lang)
        browser.resize(1366, 768)
        browser.show()
        shot(app, browser, f"rubrics-{lang}.png")
        browser.close()

        demo = build_demo(tmp / "demo", reviewers=1, candidates=8)
        window = create_review_window(app, demo.reviewers[0], demo.pack, lang, KeyringStore())
        window.resize(1366, 768)
        window.show()
        wait_until(lambda: window.station is not None)  # the name shows once loaded
        shot(app, window, f"locked-{lang}.png")
        window.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
        window.lock_screen.button.click()
        wait_until(lambda: window.candidate_list is not None)
        window.show_candidate("C002")
        shot(app, window, f"declare-{lang}.png")
        page = window.pages["C002"]
        page.conflict.no_conflict.click()
        wait_until(lambda: page.materials.count() > 0)
        page.materials.setCurrentRow(0)
        page._open_item(page.materials.item(0))
        wait_until(lambda: page.viewer.currentWidget() is page.viewer.pdf_reader)
        panel = page.panel
        for row in panel.check_rows.values():
            row.group.buttons()[0].click()
        for i, box in enumerate(panel.score_boxes.values()):
            box.setValue(float(Decimal("8") + Decimal(i % 3) / 2))
        shot(app, window, f"scoring-{lang}.png")
        window.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
