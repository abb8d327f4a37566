"""Streaming benchmarks: seekable decryption of one long attachment.

    .venv/bin/python -m benchmarks.bench_stream             # a 256 MiB attachment
    .venv/bin/python -m benchmarks.bench_stream --size-mb 1024

1. Chunked-decrypt throughput of ``crypto.age_stream`` over the attachment, against
   ``age -d`` on the same bytes (target: at least 0.8x), and of ``AttachmentStream``
   (which also checks every 4 MiB block's SHA-256 against the manifest).
2. Time to the first 1 MiB at a random offset, from a freshly opened stream.
3. Peak RSS of a fresh process streaming the whole file in 1 MiB reads, beside one
   that reads it whole with ``read_attachment``.

Everything is generated in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from reviewer.crypto.age_stream import AgeFile, AgeIdentity
from reviewer.pack.build import build_pack
from reviewer.pack.container import PackReader, attachment_member
from reviewer.pack.manifest import BLOCK_SIZE
from reviewer.pack.reader import open_pack
from tests.pack_fixtures import candidate, make_session, material, write_materials

MiB = 1024 * 1024
CHUNKS_PER_BLOCK = BLOCK_SIZE // (64 * 1024)


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _build(folder: Path, size: int):
    session = make_session(3)
    materials = folder / "materials"
    write_materials(materials, {"video.mp4": size})
    rows = [
        candidate(2, "C1", "张三", [("作品", "纪录片", 2024, material(materials, "video.mp4"))])
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
    print(
        f"  built a pack of one {size / MiB:.0f} MiB video in {time.perf_counter() - start:.1f} s"
    )
    shutil.rmtree(materials)
    with open_pack(folder / "p.rvpack", session.reviewers[0], session.ca.cert) as pack:
        sha = pack.manifest.attachments[0].sha256
    return folder / "p.rvpack", session, sha


def throughput(folder: Path, path: Path, session, sha: str, size: int) -> None:
    print(f"\n== 1. Decrypt {size / MiB:.0f} MiB, output discarded ==")
    identity = session.reviewers[0]
    member = attachment_member(sha)
    results: dict[str, float] = {}
    if shutil.which("age"):
        # The age CLI gets the very same ciphertext, as a file of its own.
        sealed = folder / "video.age"
        with PackReader(path) as reader, sealed.open("wb") as out:
            for offset in range(0, reader.size(member), 16 * MiB):
                out.write(reader.read_member_range(member, offset, 16 * MiB))
        key = folder / "identity.txt"
        key.write_text(f"{identity}\n")
        cmd = ["age", "-d", "-i", str(key), "-o", "/dev/null", str(sealed)]
        results["age -d (CLI)"] = _best(lambda: subprocess.run(cmd, check=True))
        if shutil.which("sha256sum"):
            # Like for like with AttachmentStream, which also hashes every byte.
            piped = f"age -d -i '{key}' '{sealed}' | sha256sum > /dev/null"
            results["age -d | sha256sum (CLI)"] = _best(
                lambda: subprocess.run(piped, shell=True, check=True)
            )
        sealed.unlink()
    else:
        print("  (the age CLI is not installed: no ratio)")

    ours = [AgeIdentity.from_str(str(identity))]

    def age_stream_blocks() -> None:
        with PackReader(path) as reader:
            stored = reader.size(member)
            age = AgeFile.open(lambda o, n: reader.read_member_range(member, o, n), stored, ours)
            for first in range(0, age.chunk_count, CHUNKS_PER_BLOCK):
                age.decrypt_chunks(first, min(CHUNKS_PER_BLOCK, age.chunk_count - first))

    results["age_stream.AgeFile, 4 MiB blocks"] = _best(age_stream_blocks)

    def stream(step: int) -> Callable[[], None]:
        def run() -> None:
            with (
                open_pack(path, identity, session.ca.cert) as pack,
                pack.open_attachment_stream(sha) as s,
            ):
                for offset in range(0, size, step):
                    s.read_at(offset, step)

        return run

    results["AttachmentStream.read_at, 4 MiB reads (+ SHA-256)"] = _best(stream(4 * MiB))
    results["AttachmentStream.read_at, 1 MiB reads (+ SHA-256)"] = _best(stream(MiB))

    base = results.get("age -d (CLI)")
    for name, seconds in results.items():
        ratio = f"{base / seconds:5.2f}x age" if base else ""
        print(f"  {name:<52} {seconds:6.3f} s {size / MiB / seconds:7.0f} MiB/s  {ratio}")


def first_mib(path: Path, session, sha: str, size: int, rounds: int = 20) -> None:
    print(f"\n== 2. Time to the first 1 MiB at a random offset ({rounds} offsets) ==")
    rng = random.Random(1)
    with open_pack(path, session.reviewers[1], session.ca.cert) as pack:
        times = []
        for _ in range(rounds):
            offset = rng.randrange(0, size - MiB)
            start = time.perf_counter()
            with pack.open_attachment_stream(sha) as stream:
                assert len(stream.read_at(offset, MiB)) == MiB
            times.append(time.perf_counter() - start)
    print(
        f"  open the stream + read 1 MiB: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms"
    )


def _rss_child(path: str, identity: str, ca_pem: bytes, sha: str, whole: bool) -> tuple:
    import pyrage

    ca = x509.load_pem_x509_certificate(ca_pem)
    key = pyrage.x25519.Identity.from_str(identity)
    with open_pack(Path(path), key, ca) as pack:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if whole:
            assert len(pack.read_attachment(sha)) > 0
        else:
            with pack.open_attachment_stream(sha) as stream:
                offset = 0
                while chunk := stream.read_at(offset, MiB):
                    offset += len(chunk)
    return before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory(path: Path, session, sha: str, size: int) -> None:
    print(f"\n== 3. Peak RSS of a fresh process reading the {size / MiB:.0f} MiB video ==")
    ca_pem = session.ca.cert.public_bytes(serialization.Encoding.PEM)
    spawn = multiprocessing.get_context("spawn")
    rows = {}
    for label, whole in (("streamed, 1 MiB reads", False), ("read_attachment (whole)", True)):
        with spawn.Pool(1) as pool:
            args = (str(path), str(session.reviewers[0]), ca_pem, sha, whole)
            before, after = pool.apply(_rss_child, args)
        rows[label] = after / 1024
        print(
            f"  {label:<26} peak {after / 1024:6.0f} MiB "
            f"(+{(after - before) / 1024:.0f} MiB over the opened pack's {before / 1024:.0f})"
        )
    ratio = rows["read_attachment (whole)"] / rows["streamed, 1 MiB reads"]
    print(f"  ratio whole/streamed: {ratio:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256, help="the attachment's size (MiB)")
    args = parser.parse_args()
    size = args.size_mb * MiB + 12345  # a short final block and chunk
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        folder = Path(tmp)
        path, session, sha = _build(folder, size)
        throughput(folder, path, session, sha, size)
        first_mib(path, session, sha, size)
        memory(path, session, sha, size)


if __name__ == "__main__":
    main()
