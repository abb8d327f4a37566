"""Sniffing benchmark: identifying 2 GiB media files from their headers, and a full list.

    .venv/bin/python -m benchmarks.bench_sniff

Each 2 GiB file is sparse (the test clip's headers around a hole), so the benchmark needs
no disk space; the figures are the time to identify it and the bytes read doing so,
against the file's size. Then 9,000 small files (a full pack's worth) one after another.
"""

from __future__ import annotations

import io
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reviewer.pack.sniff import identify, sniff
from tests.material_fixtures import MEDIA, pdf

GIB = 1024**3


class _Counting(io.RawIOBase):
    def __init__(self, fh: io.BufferedReader):
        self.fh, self.read_bytes = fh, 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.fh.seek(offset, whence)

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.read_bytes += len(data)
        return data


def _sparse(path: Path, head: bytes, tail: bytes, size: int = 2 * GIB) -> Path:
    with path.open("wb") as fh:
        fh.write(head)
        fh.seek(size - len(tail))
        fh.write(tail)
    return path


def _mov(folder: Path) -> Path:
    """QuickTime with the media first: ftyp, a 2 GiB mdat, the movie header at the end."""
    mov = (MEDIA / "h264_aac.mov").read_bytes()
    moov = mov[mov.find(b"moov") - 4 :]
    mdat = 2 * GIB - 20 - len(moov)
    return _sparse(folder / "long.mov", mov[:20] + struct.pack(">I4sQ", 1, b"mdat", mdat), moov)


def _mp4(folder: Path) -> Path:
    """Fast-start MP4: the movie header first, then 2 GiB of media."""
    mp4 = (MEDIA / "h264_aac.mp4").read_bytes()
    at = mp4.find(b"mdat") - 4
    head = mp4[:at] + struct.pack(">I4sQ", 1, b"mdat", 2 * GIB - at)
    return _sparse(folder / "long.mp4", head, b"\0")


def _tail_kept(name: str, suffix: str, folder: Path, keep: int) -> Path:
    data = (MEDIA / name).read_bytes()
    return _sparse(folder / f"long{suffix}", data[:keep], data[keep:])


def _wav(folder: Path) -> Path:
    data = bytearray((MEDIA / "tone.wav").read_bytes())
    at = data.find(b"data") + 4
    data[at : at + 4] = struct.pack("<I", 2 * GIB - at - 4)
    return _sparse(folder / "long.wav", bytes(data[: at + 4]), b"\0")


def _measure(path: Path, repeat: int = 5) -> tuple[float, int, str]:
    best, read, what = float("inf"), 0, ""
    for _ in range(repeat):
        with path.open("rb") as fh:
            counting = _Counting(fh)
            start = time.perf_counter()
            found = sniff(counting, path.stat().st_size)
            best = min(best, time.perf_counter() - start)
            read, what = counting.read_bytes, f"{found.media_type}, {found.duration_ms} ms"
    return best, read, what


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        makers: dict[str, Callable[[Path], Path]] = {
            "MOV, moov at the end": _mov,
            "MP4, moov first": _mp4,
            "MKV": lambda f: _tail_kept("h264_aac.mkv", ".mkv", f, 4096),
            "MPEG-TS": lambda f: _tail_kept("h264_aac.ts", ".ts", f, 188 * 100),
            "MP3 (Info header)": lambda f: _tail_kept("tone.mp3", ".mp3", f, 4096),
            "WAV": _wav,
        }
        print("2 GiB files (sparse):")
        for label, make in makers.items():
            path = make(folder)
            seconds, read, what = _measure(path)
            print(
                f"  {label:22s} {seconds * 1000:7.2f} ms  read {read / 1024:7.1f} KiB "
                f"({read / path.stat().st_size:.1e} of the file)  -> {what}"
            )
            path.unlink()

        count = 9_000
        many = folder / "many"
        many.mkdir()
        body = pdf()
        for i in range(count):
            (many / f"{i}.pdf").write_bytes(body)
        start = time.perf_counter()
        for i in range(count):
            identify(many / f"{i}.pdf")
        seconds = time.perf_counter() - start
        print(f"{count} PDFs identified in {seconds:.2f} s ({seconds / count * 1e6:.0f} µs a file)")


if __name__ == "__main__":
    main()
