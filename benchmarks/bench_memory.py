"""Peak memory (RSS) of the full reviewer GUI flow on the practice session.

Builds a practice session, then drives the real window offscreen: unlock, open the
pack, and for every candidate declare no conflict, open each material (PDF, image,
text), score it completely, and finally sign and export every sheet. Prints the peak
resident set size of the process (target under 400 MB for low-spec bureau laptops),
beside a bare QApplication's as the floor.

    .venv/bin/python -m benchmarks.bench_memory [--candidates 12]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("REVIEWER_TESTING", "1")  # the in-memory secret store below


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor() -> float:
    code = (
        "import resource; from PySide6.QtWidgets import QApplication, QMainWindow;"
        "app = QApplication([]); w = QMainWindow(); w.show(); app.processEvents();"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def run_flow(candidates: int) -> float:
    from PySide6.QtWidgets import QApplication, QFileDialog

    from reviewer.crypto.secret_store import MemorySecretStore
    from reviewer.demo.practice import DEMO_PASSPHRASE
    from reviewer.rubric.model import CheckKind
    from ui.app import create_review_window
    from ui.common import worker

    worker.set_synchronous(True)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        # The session is built in another process: the secretariat's key operations
        # (key derivations, pack building) would otherwise count towards the reviewer's peak.
        folder = Path(tmp) / "demo"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "reviewer.cli",
                "demo",
                "--out",
                str(folder),
                "--reviewers",
                "1",
                "--candidates",
                str(candidates),
            ],
            check=True,
            capture_output=True,
        )
        home, pack = folder / "reviewers" / "1", folder / "pack.rvpack"
        window = create_review_window(app, home, pack, "zh", MemorySecretStore())
        window.resize(1366, 768)
        window.show()
        window.lock_screen.passphrase.setText(DEMO_PASSPHRASE)
        window.lock_screen.button.click()
        for entry in window.candidate_list.model.entries:
            window.show_candidate(entry.candidate_id)
            page = window.pages[entry.candidate_id]
            page.conflict.no_conflict.click()
            for row in range(page.materials.count()):
                page._open_item(page.materials.item(row))  # noqa: SLF001 (as a click does)
                app.processEvents()
            for kind, check in page.panel.check_rows.items():
                check.group.buttons()[0].click()
                assert kind in CheckKind
            for box in page.panel.score_boxes.values():
                box.setValue(float(Decimal(8)))
            page.panel.recommendation.setCurrentIndex(1)
            app.processEvents()
        out = Path(tmp) / "sheets"
        QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(out))
        window.export_everything()
        app.processEvents()
        exported = len(list(out.glob("*.pdf")))
        window.close()
    print(f"exported {exported} sheets for {candidates} candidates")
    return peak_rss_mib()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=12)
    args = parser.parse_args()
    base = floor()
    peak = run_flow(args.candidates)
    print(f"bare QApplication peak RSS: {base:7.1f} MiB")
    ratio = peak / base
    print(f"full GUI flow peak RSS:     {peak:7.1f} MiB   ({ratio:.2f}x the floor)")
    print("target: under 400 MB")


if __name__ == "__main__":
    main()
