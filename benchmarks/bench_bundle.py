"""Offline bundle: size, and start-up time to the first painted window.

    .venv/bin/python -m benchmarks.bench_bundle [--bundle dist/reviewer-workstation] [--runs 5]

Size: the bundle folder on disk and its .tar.gz (target: under 170 MiB on disk).
Start-up: from process launch to the first paint of the first window, for the bundled
app, the app from the virtualenv, and a bare PySide6 QMainWindow (the floor), in the same
run and offscreen. The app reports its first paint through
``REVIEWER_QUIT_AFTER_FIRST_PAINT=1`` (see ui/startup_probe.py) and quits. The app opens
the review window of an enrolled demo home (locked), as a reviewer would see it.

"Cold" is the first launch after dropping the page cache (needs root and a writable
/proc/sys/vm/drop_caches; otherwise it is the first launch in this run, said so);
"warm" is the median of the following launches. Target: at most 2x the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

FLOOR = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class F(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint:
            o.removeEventFilter(self)
            print(f"first-paint {time.time():.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1024, 700); f = F(w); w.installEventFilter(f); w.show()
sys.exit(app.exec())
"""


def disk_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def compressed_size(folder: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "b.tar.gz"
        with tarfile.open(out, "w:gz") as tar:
            tar.add(folder, arcname=folder.name)
        return out.stat().st_size


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def first_paint(cmd: list[str], env: dict[str, str]) -> float:
    started = time.time()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"{cmd[0]}: no first paint\n{done.stdout}\n{done.stderr}")


def measure(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, bool]:
    cold_is_real = drop_caches()
    cold = first_paint(cmd, env)
    warm = statistics.median(first_paint(cmd, env) for _ in range(runs))
    return cold, warm, cold_is_real


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "reviewer-workstation")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from reviewer.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        demo = build_demo(Path(tmp) / "demo", reviewers=1, candidates=1)
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            REVIEWER_QUIT_AFTER_FIRST_PAINT="1",
            REVIEWER_HOME=str(demo.reviewers[0]),
            HOME=tmp,
        )
        targets: dict[str, list[str]] = {
            "floor (bare QMainWindow)": [sys.executable, "-c", FLOOR],
            "app from the virtualenv": [sys.executable, "-m", "ui.app"],
        }
        if (args.bundle / "reviewer-app").exists():
            size, packed = disk_size(args.bundle), compressed_size(args.bundle)
            print(f"bundle size on disk: {size / MIB:.1f} MiB (target < 170 MiB)")
            print(f"bundle size compressed (.tar.gz): {packed / MIB:.1f} MiB")
            targets["bundled app"] = [str(args.bundle / "reviewer-app")]
        else:
            print(f"no bundle at {args.bundle}: run `make bundle` first; measuring the venv only")
        results = {}
        for name, cmd in targets.items():
            first_paint(cmd, env)  # compiles .pyc files, so "cold" measures the disk only
            results[name] = measure(cmd, env, args.runs)
        floor_cold, floor_warm, _real = results["floor (bare QMainWindow)"]
        for name, (cold, warm, real) in results.items():
            kind = "cold" if real else "first (page cache not dropped)"
            print(
                f"{name:28s} {kind}: {cold:6.3f} s ({cold / floor_cold:4.2f}x floor)   "
                f"warm median: {warm:6.3f} s ({warm / floor_warm:4.2f}x floor; target <= 2x)"
            )


if __name__ == "__main__":
    main()
