"""Pack benchmarks: attachment decrypt throughput, open time, memory while opening.

    .venv/bin/python -m benchmarks.bench_pack            # 200 MB and the 2 GB pack
    .venv/bin/python -m benchmarks.bench_pack --small    # 50 MB and a 200 MB "large" pack

Everything is generated in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pyrage

from reviewer.pack.build import build_pack
from reviewer.pack.container import PackReader, attachment_member
from reviewer.pack.reader import _Sink, open_pack
from tests.pack_fixtures import candidate, make_session, material, write_materials

MB = 1024 * 1024


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return len(data)


def _timed(fn: Callable[[], object], repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _random_file(path: Path, size: int) -> Path:
    write_materials(path.parent, {path.name: size})
    return path


def throughput(folder: Path, size_mb: int) -> None:
    print(f"\n== 1. Attachment decrypt throughput ({size_mb} MB, output discarded) ==")
    session = make_session(1)
    identity = session.reviewers[0]
    plain = _random_file(folder / "materials" / "big.pdf", size_mb * MB)
    encrypted = folder / "big.pdf.age"
    with plain.open("rb") as src, encrypted.open("wb") as dst:
        pyrage.encrypt_io(src, dst, [identity.to_public()])
    identity_file = folder / "identity.txt"
    identity_file.write_text(f"{identity}\n")
    size = plain.stat().st_size
    results: dict[str, float] = {}

    if shutil.which("age"):
        cmd = ["age", "-d", "-i", str(identity_file), "-o", os.devnull, str(encrypted)]
        results["age -d (CLI)"] = _timed(lambda: subprocess.run(cmd, check=True), 3)

    def io_plain(buffering: int) -> Callable[[], None]:
        def run() -> None:
            with encrypted.open("rb", buffering=buffering) as fh:
                pyrage.decrypt_io(fh, _Discard(), [identity])

        return run

    results["pyrage.decrypt_io, file, default buffer"] = _timed(io_plain(-1), 3)
    results["pyrage.decrypt_io, file, 1 MiB buffer"] = _timed(io_plain(MB), 3)
    results["pyrage.decrypt_io, file, unbuffered"] = _timed(io_plain(0), 3)
    results["pyrage.decrypt(bytes) incl. reading"] = _timed(
        lambda: pyrage.decrypt(encrypted.read_bytes(), [identity]), 3
    )

    rows = [
        candidate(
            2, "C1", "张三", [("作品", "剧", 2020, material(folder / "materials", "big.pdf"))]
        )
    ]
    pack_path = folder / "one.rvpack"
    build_pack(
        pack_path,
        session_id="S",
        session_name="bench",
        candidates=rows,
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
    )
    digest = hashlib.sha256(plain.read_bytes()).hexdigest()
    member = attachment_member(digest)

    def member_stream(block: int) -> Callable[[], None]:
        def run() -> None:
            with PackReader(pack_path) as reader:
                pyrage.decrypt_io(reader.open_stream(member, block), _Discard(), [identity])

        return run

    results["pack member stream (64 KiB blocks) -> discard"] = _timed(member_stream(64 * 1024), 3)
    results["pack member stream (1 MiB blocks) -> discard"] = _timed(member_stream(MB), 3)
    results["pack member stream (4 MiB blocks) -> discard"] = _timed(member_stream(4 * MB), 3)

    def hashed_sink() -> None:
        with PackReader(pack_path) as reader:
            sink = _Sink(size)
            sink.buffer = _Discard()  # type: ignore[assignment]
            pyrage.decrypt_io(reader.open_stream(member), sink, [identity])

    results["pack member stream + SHA-256 + size cap -> discard"] = _timed(hashed_sink, 3)

    def read_attachment() -> None:
        with open_pack(pack_path, identity, session.ca.cert) as pack:
            assert len(pack.read_attachment(digest)) == size

    results["OpenedPack.read_attachment (kept in memory)"] = _timed(read_attachment, 3)

    base = results.get("age -d (CLI)")
    for name, seconds in results.items():
        ratio = f"{base / seconds:5.2f}x age" if base else ""
        print(f"  {name:<55} {seconds:6.3f} s {size / MB / seconds:8.0f} MB/s  {ratio}")


def _pack_with(folder: Path, total: int, candidates: int = 200) -> tuple[Path, object]:
    session = make_session(5)
    per = total // candidates
    materials = folder / "materials"
    write_materials(materials, {f"c{i:03}.pdf": per for i in range(candidates)})
    rows = [
        candidate(
            i + 2,
            f"C{i:03}",
            f"候选人{i}",
            [("作品", "纪录片", 2022, material(materials, f"c{i:03}.pdf"))],
        )
        for i in range(candidates)
    ]
    start = time.perf_counter()
    build_pack(
        folder / "p.rvpack",
        session_id="S",
        session_name="bench",
        candidates=rows,
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
    )
    build = time.perf_counter() - start
    shutil.rmtree(materials)
    print(f"  built {total / MB:.0f} MB pack of {candidates} candidates in {build:.1f} s")
    return folder / "p.rvpack", session


def _open_and_list(path: Path, session) -> int:
    with open_pack(path, session.reviewers[3], session.ca.cert) as pack:
        return len([c.name for c in pack.candidates])


def open_time(folder: Path, small_mb: int, large_mb: int) -> None:
    print(f"\n== 2. Open a pack and list 200 candidates: {small_mb} MB vs {large_mb} MB ==")
    timings = {}
    for label, size in (("small", small_mb), ("large", large_mb)):
        sub = folder / label
        sub.mkdir()
        path, session = _pack_with(sub, size * MB)
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            assert _open_and_list(path, session) == 200
            runs.append(time.perf_counter() - start)
        timings[label] = statistics.median(runs)
        print(f"  {size:>6} MB: median {timings[label] * 1000:7.1f} ms over 7 opens")
        if label == "large":
            memory(path, session)
        path.unlink()
    print(f"  ratio large/small: {timings['large'] / timings['small']:.2f}")


def memory(path: Path, session) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    _open_and_list(path, session)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"\n== 3. Memory while opening the {path.stat().st_size / MB:.0f} MB pack ==\n"
        f"  tracemalloc peak (Python allocations): {peak / MB:.2f} MB\n"
        f"  process max RSS: {after / 1024:.0f} MB (was {before / 1024:.0f} MB before opening)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="quick run with small sizes")
    parser.add_argument("--size-mb", type=int, help="attachment size for the throughput test")
    parser.add_argument("--large-mb", type=int, help="the large pack's total attachment size")
    parser.add_argument("--skip-open", action="store_true", help="only the throughput test")
    args = parser.parse_args()
    size_mb = args.size_mb or (50 if args.small else 200)
    large_mb = args.large_mb or (200 if args.small else 2048)
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
        folder = Path(tmp)
        (folder / "t").mkdir()
        throughput(folder / "t", size_mb)
        shutil.rmtree(folder / "t")
        if not args.skip_open:
            open_time(folder, 10, large_mb)


if __name__ == "__main__":
    main()
