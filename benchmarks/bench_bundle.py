"""Offline bundle: size, and start-up time to the first painted window.

    .venv/bin/python -m benchmarks.bench_bundle [--bundle dist/reviewer-workstation] [--runs 5]

Size: the bundle folder on disk and its .tar.gz (target: under 215 MiB on disk; the
player of audiovisual works, Qt Multimedia with FFmpeg, takes about 40 of them).
Start-up: from process launch to the first paint of the first window, for the bundled
app, the app from the virtualenv, and a bare PySide6 QMainWindow (the floor), in the same
run and offscreen. The app reports its first paint through
``REVIEWER_QUIT_AFTER_FIRST_PAINT=1`` (see ui/startup_probe.py) and quits. The app opens
the review window of an enrolled demo home (locked), as a reviewer would see it. That
window paints first and then loads the core on the worker; "ready to unlock" is when
that is done (a passphrase typed earlier waits until then), reported beside the paint.

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
from dataclasses import dataclass
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


def launch(cmd: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """Seconds from launch to the first paint, and to ``ready`` if the window has one."""
    started = time.time()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    marks = dict(line.split()[:2] for line in done.stdout.splitlines() if line.count(" ") == 1)
    if "first-paint" not in marks:
        raise RuntimeError(f"{cmd[0]}: no first paint\n{done.stdout}\n{done.stderr}")
    ready = float(marks["ready"]) - started if "ready" in marks else None
    return float(marks["first-paint"]) - started, ready


@dataclass
class Figures:
    cold: tuple[float, float | None]
    warm_paint: float
    warm_ready: float | None
    cold_is_real: bool


def _median_or_none(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def measure(
    targets: dict[str, list[str]], env: dict[str, str], runs: int, cold_runs: int
) -> dict[str, Figures]:
    """Launches interleaved (floor, app, bundle, floor, …) so that every target sees the
    same machine: this VM's speed drifts by a third from one minute to the next."""
    for cmd in targets.values():
        launch(cmd, env)  # compiles .pyc files, so "cold" measures the disk only
    cold: dict[str, list] = {name: [] for name in targets}
    warm: dict[str, list] = {name: [] for name in targets}
    cold_is_real = True
    for _ in range(cold_runs):  # one cold launch varies a lot with the disk: take a median
        for name, cmd in targets.items():
            cold_is_real = drop_caches() and cold_is_real
            cold[name].append(launch(cmd, env))
    for _ in range(runs):
        for name, cmd in targets.items():
            warm[name].append(launch(cmd, env))
    return {
        name: Figures(
            (
                statistics.median(p for p, _r in cold[name]),
                _median_or_none([r for _p, r in cold[name]]),
            ),
            statistics.median(p for p, _r in warm[name]),
            _median_or_none([r for _p, r in warm[name]]),
            cold_is_real,
        )
        for name in targets
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "reviewer-workstation")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()

    from reviewer.demo.practice import build_demo

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
            print(f"bundle size on disk: {size / MIB:.1f} MiB (target < 215 MiB)")
            print(f"bundle size compressed (.tar.gz): {packed / MIB:.1f} MiB")
            targets["bundled app"] = [str(args.bundle / "reviewer-app")]
        else:
            print(f"no bundle at {args.bundle}: run `make bundle` first; measuring the venv only")
        results = measure(targets, env, args.runs, args.cold_runs)
        floor = results["floor (bare QMainWindow)"]
        for name, fig in results.items():
            kind = "cold median" if fig.cold_is_real else "first (page cache not dropped)"
            cold_paint, cold_ready = fig.cold
            print(
                f"{name:28s} first paint: {kind} {cold_paint:6.3f} s "
                f"({cold_paint / floor.cold[0]:4.2f}x floor), warm median "
                f"{fig.warm_paint:6.3f} s ({fig.warm_paint / floor.warm_paint:4.2f}x floor; "
                "target <= 2x)"
            )
            if fig.warm_ready is not None and cold_ready is not None:
                print(
                    f"{'':28s} ready to unlock: {kind} {cold_ready:6.3f} s, warm median "
                    f"{fig.warm_ready:6.3f} s ({fig.warm_ready / floor.warm_paint:4.2f}x floor)"
                )


if __name__ == "__main__":
    main()
