"""Aggregation benchmark: verify + aggregate + write reports for a folder of sheets.

    .venv/bin/python -m benchmarks.bench_aggregate [--reviewers 12] [--candidates 250]
        [--cache DIR] [--workers 2] [--pdfsig-sample 500]

The practice session and its sheets are generated once into the cache folder (default
``/tmp/reviewer-bench-aggregate/<R>x<C>``; 3,000 sheets take a few minutes) and reused.
The demo has 12 reviewer names, so 3,000 sheets are 12 × 250 (the issue's 15 × 200 has
the same count). Measures:

* end to end (``reviewer aggregate`` in this process, cache emptied first): total time
  and its parts (verification, aggregation, reports);
* verification throughput, sheets/s, against ``pdfsig`` run one process per file on the
  same files, both one at a time and two at a time (``--workers`` processes): ratio;
* the same run again with the verification cache (a re-import);
* peak memory (max RSS) of this process and of the largest worker.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.demo.sheets import write_demo_sheets
from reviewer.people.session import open_session
from reviewer.secretariat.aggregate import AggregateOptions, aggregate
from reviewer.secretariat.intake import import_sheets
from reviewer.secretariat.report import write_reports
from reviewer.secretariat.verdict_cache import CACHE_FILE, cache_key
from reviewer.sheet.sign import SheetSigner


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def generate(folder: Path, reviewers: int, candidates: int) -> Path:
    done = folder / "demo" / ".complete"
    if done.exists():
        return folder / "demo"
    if (folder / "demo").exists():
        import shutil

        shutil.rmtree(folder / "demo")
    start = time.perf_counter()
    _say(f"generating {reviewers} x {candidates} sheets into {folder} (once)")
    demo = build_demo(folder / "demo", reviewers, candidates, progress=_say)
    write_demo_sheets(demo, say=lambda m: _say(f"  {m}  [{time.perf_counter() - start:.0f} s]"))
    done.write_text("ok")
    _say(f"generated in {time.perf_counter() - start:.0f} s")
    return folder / "demo"


def _pdfsig(path: Path) -> bool:
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    return "Signature is Valid" in out


def pdfsig_rate(files: list[Path], parallel: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        ok = sum(pool.map(_pdfsig, files))
    elapsed = time.perf_counter() - start
    assert ok == len(files), f"pdfsig found {len(files) - ok} invalid"
    return len(files) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviewers", type=int, default=12)
    parser.add_argument("--candidates", type=int, default=250)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pdfsig-sample", type=int, default=500)
    args = parser.parse_args()
    cache = args.cache or Path(f"/tmp/reviewer-bench-aggregate/{args.reviewers}x{args.candidates}")
    demo = generate(cache, args.reviewers, args.candidates)
    session = open_session(demo / "session")
    sheets = demo / "sheets"
    files = sorted(sheets.rglob("*.pdf"))
    out = cache / "out"
    (session.folder / CACHE_FILE).unlink(missing_ok=True)

    secretariat_key = session.load_secretariat_key(DEMO_PASSPHRASE)
    key = cache_key(secretariat_key, session.id)
    signer = SheetSigner(
        secretariat_key,
        session.secretariat_certificate,
        session.ca_certificate,
    )
    t0 = time.perf_counter()
    imported = import_sheets(session, sheets, pack_ids=None, workers=args.workers, cache_key=key)
    t1 = time.perf_counter()
    result = aggregate(session, imported, AggregateOptions(calibrate=True))
    t2 = time.perf_counter()
    write_reports(result, out, signer=signer)
    t3 = time.perf_counter()
    assert len(imported.counted) == len(files), (len(imported.counted), len(files))

    again0 = time.perf_counter()
    cached = import_sheets(session, sheets, workers=args.workers, cache_key=key)
    again = time.perf_counter() - again0
    assert cached.from_cache == len(files)

    ours = len(files) / (t1 - t0)
    sample = files[:: max(1, len(files) // args.pdfsig_sample)][: args.pdfsig_sample]
    one = pdfsig_rate(sample, 1)
    two = pdfsig_rate(sample, args.workers)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"sheets:                  {len(files)} ({args.reviewers} reviewers x {args.candidates})")
    print(f"end to end:              {t3 - t0:.1f} s")
    print(
        f"  verification:          {t1 - t0:.1f} s  ({ours:.1f} sheets/s, {args.workers} workers)"
    )
    print(f"  aggregation:           {t2 - t1:.2f} s")
    print(f"  reports (PDF signed):  {t3 - t2:.1f} s")
    print(f"re-import from cache:    {again:.1f} s")
    print(f"pdfsig, 1 at a time:     {one:.1f} files/s  -> ratio {ours / one:.2f}x")
    print(f"pdfsig, {args.workers} at a time:     {two:.1f} files/s  -> ratio {ours / two:.2f}x")
    print(f"  (pdfsig on {len(sample)} of the files)")
    print(
        f"peak memory:             {me:.0f} MiB (this process), {children:.0f} MiB (largest worker)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
