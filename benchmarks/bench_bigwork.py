"""A long 1080p work played from an encrypted pack, against the same file from plaintext.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_bigwork [--gb 2]

Needs ffmpeg (Debian's package) to make the work: a 10-second 1080p H.264/AAC clip at
about 16 Mbit/s, repeated (stream copy) to ``--gb`` GB, so the file is real video that
Qt's FFmpeg decodes. It is built into a pack (one recipient), then each measurement runs
in a fresh process so that its peak RSS is its own:

1. time from ``play_stream`` to the first frame (target <= 1 s);
2. seeking to 9 points spread over the work: time to the first frame there (median
   target <= 300 ms);
3. 10 s of playback: process CPU time, encrypted stream against the same player reading
   the plaintext file through the same device (target ratio <= 1.3), and peak RSS while
   playing (target <= 400 MB).

The decrypt throughput against ``age -d`` is ``benchmarks.bench_stream``'s. Everything is
made in a temporary folder and removed afterwards (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GB = 1000**3
PLAY_S = 10


def _make_video(folder: Path, size: int) -> Path:
    clip, work = folder / "clip.mp4", folder / "materials" / "work.mp4"
    work.parent.mkdir(parents=True)
    ff = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run(
        [
            *ff,
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=10:sample_rate=48000",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "16M", "-maxrate", "16M",
            "-bufsize", "8M", "-g", "60", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", str(clip),
        ],
        check=True,
    )  # fmt: skip
    loops = max(0, size // clip.stat().st_size - 1)
    subprocess.run(
        [*ff, "-stream_loop", str(loops), "-i", str(clip), "-c", "copy",
         "-movflags", "+faststart", str(work)],
        check=True,
    )  # fmt: skip
    clip.unlink()
    return work


def _build(folder: Path, work: Path) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization

    from reviewer.pack.build import build_pack
    from tests.pack_fixtures import candidate, make_session, material

    session = make_session(1)
    rows = [
        candidate(2, "C1", "张三", [("作品", "纪录片", 2024, material(work.parent, "work.mp4"))])
    ]
    started = time.perf_counter()
    build_pack(
        folder / "p.rvpack",
        session_id="S",
        session_name="bench",
        candidates=rows,
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
    )
    print(f"  pack built in {time.perf_counter() - started:.0f} s")
    ca = session.ca.cert.public_bytes(serialization.Encoding.PEM).decode()
    return {"pack": str(folder / "p.rvpack"), "identity": str(session.reviewers[0]), "ca": ca}


class _FileStream:
    """The plaintext file through the same device: what the stream adds is decryption
    and block checks, nothing else."""

    def __init__(self, path: Path):
        self.size = path.stat().st_size
        self.media_type = "video/mp4"
        self.name = path.name
        self._fd = os.open(path, os.O_RDONLY)
        self.closed = False

    def read_at(self, offset: int, n: int) -> bytes:
        return os.pread(self._fd, n, offset)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
            self.closed = True


def _child(spec: dict[str, str], mode: str) -> dict[str, float]:
    """One measurement in this (fresh) process."""
    import pyrage
    from cryptography import x509
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from reviewer.pack.reader import open_pack
    from ui.reviewer.media_player import MediaPlayer

    app = QApplication.instance() or QApplication([])
    player = MediaPlayer("张明华 · 2026-12-02 · 保密")
    player.resize(1280, 760)
    player.show()
    sink = player.view.video.videoSink()

    def wait_frame(near_ms: int | None, timeout_ms: int = 15_000) -> None:
        loop = QEventLoop()

        def frame(f: object) -> None:
            start = f.startTime()  # type: ignore[attr-defined]
            if f.isValid() and (near_ms is None or abs(start / 1000 - near_ms) < 1500):  # type: ignore[attr-defined]
                loop.quit()

        sink.videoFrameChanged.connect(frame)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        sink.videoFrameChanged.disconnect(frame)

    pack = None
    if mode == "plain":
        stream: object = _FileStream(Path(spec["plain"]))
    else:
        identity = pyrage.x25519.Identity.from_str(spec["identity"])
        pack = open_pack(
            Path(spec["pack"]), identity, x509.load_pem_x509_certificate(spec["ca"].encode())
        )
        stream = pack.open_attachment_stream(pack.manifest.attachments[0].sha256)
    out: dict[str, float] = {}
    started = time.perf_counter()
    player.play_stream(stream)  # type: ignore[arg-type]
    wait_frame(None)
    out["first_frame_ms"] = (time.perf_counter() - started) * 1000
    duration = player.duration_ms
    seeks = []
    for k in range(1, 10):
        target = duration * k // 10
        started = time.perf_counter()
        player.seek(target)
        wait_frame(target)
        seeks.append((time.perf_counter() - started) * 1000)
    out["seek_median_ms"] = statistics.median(seeks)
    out["seek_max_ms"] = max(seeks)
    player.seek(duration // 3)
    wait_frame(duration // 3)
    before = resource.getrusage(resource.RUSAGE_SELF)
    loop = QEventLoop()
    QTimer.singleShot(PLAY_S * 1000, loop.quit)
    loop.exec()
    after = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out["peak_rss_mb"] = after.ru_maxrss / 1024
    out["duration_s"] = duration / 1000
    player.drop()
    if pack is not None:
        pack.close()
    app.processEvents()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(Path(args.child).read_text())
        print(json.dumps(_child(spec, spec["mode"])), flush=True)
        # Skip interpreter finalisation: PySide6 can abort while garbage-collecting the
        # multimedia objects at exit, after the figures are out.
        os._exit(0)
    if shutil.which("ffmpeg") is None:
        print("bench_bigwork needs ffmpeg (apt-get install ffmpeg)")
        return 1
    folder = Path(tempfile.mkdtemp(prefix="bench-bigwork-"))
    try:
        size = int(args.gb * GB)
        if shutil.disk_usage(folder).free < 2.5 * size:
            print("not enough free disk for the work and its pack")
            return 1
        print(f"== a {args.gb:g} GB 1080p H.264/AAC work ==")
        work = _make_video(folder, size)
        print(f"  video: {work.stat().st_size / GB:.2f} GB")
        spec = _build(folder, work)
        spec["plain"] = str(work)
        results = {}
        for mode in ("encrypted", "plain"):
            spec["mode"] = mode
            (folder / "spec.json").write_text(json.dumps(spec))
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_bigwork",
                    "--child",
                    str(folder / "spec.json"),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                # The child's own words (Qt's or FFmpeg's) say why it stopped.
                print(f"  the {mode} run failed ({done.returncode}):\n{done.stderr[-3000:]}")
                return 1
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        e, p = results["encrypted"], results["plain"]
        print(f"  length {e['duration_s']:.0f} s")
        print(f"{'':28}{'encrypted':>12}{'plaintext':>12}{'ratio':>8}  target")
        rows = [
            ("first frame (ms)", "first_frame_ms", "<= 1000 ms"),
            ("seek, median (ms)", "seek_median_ms", "<= 300 ms"),
            ("seek, max (ms)", "seek_max_ms", ""),
            (f"CPU over {PLAY_S} s played (s)", "cpu_s", "ratio <= 1.3"),
            ("peak RSS (MB)", "peak_rss_mb", "<= 400 MB"),
        ]
        for label, key, target in rows:
            ratio = e[key] / p[key] if p[key] else float("nan")
            print(f"{label:<28}{e[key]:>12.1f}{p[key]:>12.1f}{ratio:>8.2f}  {target}")
        return 0
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
