"""Edit-to-durable latency of the workspace against a plain sqlite-utils upsert.

Each workspace edit is validated by the scoring core, sealed with AES-GCM, and
committed together with its audit event, with synchronous=FULL. The floor is a
plain sqlite-utils upsert of a row of similar size on the same disk, with the same
durability settings. Prints median and p99 of each and their ratio (target < 3x).

    .venv/bin/python -m benchmarks.bench_workspace [--edits 2000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlite_utils

from reviewer.workspace.store import Workspace
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_workspace(folder: Path, edits: int) -> list[float]:
    ws = Workspace.open(folder / "ws")
    ws.initialise(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    review = complete_review(pack, "C001")
    first = pack.rubric(pack.candidate("C001").rubric_id).criteria[0].id
    times = []
    for i in range(edits):
        changed = review.with_score(first, Decimal(7 + i % 2)).with_opinion(f"意见 {i}")
        start = time.perf_counter()
        ws.save_review(pack.pack_id, changed)
        times.append(time.perf_counter() - start)
    ws.close()
    return times


def bench_plain(folder: Path, edits: int) -> list[float]:
    db = sqlite_utils.Database(folder / "plain.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    table = db["reviews"]
    times = []
    for i in range(edits):
        row = {"id": "C001", "status": "complete", "payload": f"意见 {i}" * 20}
        start = time.perf_counter()
        table.upsert(row, pk="id")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        ours = bench_workspace(folder, args.edits)
        plain = bench_plain(folder, args.edits)
    for name, values in (("workspace edit", ours), ("plain upsert", plain)):
        print(
            f"{name:15s} median {statistics.median(values) * 1000:7.3f} ms"
            f"   p99 {percentile(values, 99) * 1000:7.3f} ms   (n={len(values)})"
        )
    print(
        f"ratio (median) {statistics.median(ours) / statistics.median(plain):.2f}x"
        f"   ratio (p99) {percentile(ours, 99) / percentile(plain, 99):.2f}x   target < 3x"
    )


if __name__ == "__main__":
    main()
