"""A crash between writing a sheet and recording it never leads to a second, different
sheet of the same version: the next export writes (or finds) the reserved bytes and
records them, and only then signs anything new."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.station.export import ExportError, export_sheet
from reviewer.station.workstation import Workstation
from reviewer.workspace.model import Status
from reviewer.workspace.store import Workspace
from tests.test_sheet_export import complete

pytestmark = pytest.mark.usefixtures("english")
ROOT = Path(__file__).resolve().parent.parent


class Killed(BaseException):
    """Stands for SIGKILL in-process: nothing after it runs, not even ``except``."""


def open_station(home, demo):
    station = Workstation(home)
    station.unlock(DEMO_PASSPHRASE)
    station.pack_id = station.open_pack(demo.pack).pack_id
    return station


def die(station):
    """What the OS does to a killed process: its files closed, its lock gone."""
    station.workspace._db.conn.close()
    if getattr(station.workspace, "_instance", None) is not None:
        station.workspace._instance.release()


def sheets_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.pdf"))}


def test_a_sheet_written_but_not_recorded_is_recorded_as_it_is(
    reviewer_home, demo, tmp_path, monkeypatch
):
    station = open_station(reviewer_home, demo)
    complete(station, "C001")

    def killed(*_args, **_kwargs):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(Workspace, "mark_signed", killed)
        with pytest.raises(Killed):
            export_sheet(station, station.pack_id, "C001", tmp_path)
    written = sheets_in(tmp_path)
    assert list(written) == ["C001_张明华_v01.pdf"]
    die(station)

    again = open_station(reviewer_home, demo)
    sheet = export_sheet(again, again.pack_id, "C001", tmp_path)
    assert sheet.version == 1 and sheets_in(tmp_path) == written  # the same bytes
    assert sheet.sha256 == hashlib.sha256(written["C001_张明华_v01.pdf"]).hexdigest()
    assert [s.sha256 for s in again.workspace.signed_sheets(again.pack_id, "C001")] == [
        sheet.sha256
    ]
    assert again.workspace.reserved_sheet(again.pack_id, "C001") is None
    assert again.workspace.candidates(again.pack_id)[0].status is Status.SIGNED
    with pytest.raises(ExportError, match="already signed"):
        export_sheet(again, again.pack_id, "C001", tmp_path)
    again.close()


def test_a_reserved_sheet_whose_file_is_missing_is_written_from_the_stored_copy(
    reviewer_home, demo, tmp_path, monkeypatch
):
    """Killed before the file was renamed into place, or exported again elsewhere: the
    reserved bytes are written, not a new signature."""
    station = open_station(reviewer_home, demo)
    review = complete(station, "C002")
    first = tmp_path / "first"
    with monkeypatch.context() as patch:
        patch.setattr(Workspace, "mark_signed", lambda *a, **k: (_ for _ in ()).throw(Killed))
        with pytest.raises(Killed):
            export_sheet(station, station.pack_id, "C002", first)
    reserved = station.workspace.reserved_sheet(station.pack_id, "C002")
    # An edit meanwhile makes version 2; version 1 stays the sheet that was signed.
    station.workspace.save_review(station.pack_id, review.with_opinion("补充意见"))
    assert station.workspace.sheet_version(station.pack_id, "C002") == 2
    other = tmp_path / "other"
    v2 = export_sheet(station, station.pack_id, "C002", other)
    assert v2.version == 2
    files = sheets_in(other)
    assert files["C002_张明华_v01.pdf"] == reserved.data == sheets_in(first)["C002_张明华_v01.pdf"]
    signed = station.workspace.signed_sheets(station.pack_id, "C002")
    assert [(s.version, s.sha256) for s in signed] == [(1, reserved.sha256), (2, v2.sha256)]
    station.close()


def test_a_different_file_under_the_reserved_name_is_not_overwritten(
    reviewer_home, demo, tmp_path, monkeypatch
):
    station = open_station(reviewer_home, demo)
    complete(station, "C004")
    with monkeypatch.context() as patch:
        patch.setattr(Workspace, "mark_signed", lambda *a, **k: (_ for _ in ()).throw(Killed))
        with pytest.raises(Killed):
            export_sheet(station, station.pack_id, "C004", tmp_path)
    path = tmp_path / "C004_张明华_v01.pdf"
    path.write_bytes(b"something else")
    with pytest.raises(ExportError, match="move it away"):
        export_sheet(station, station.pack_id, "C004", tmp_path)
    assert path.read_bytes() == b"something else"
    path.unlink()
    assert export_sheet(station, station.pack_id, "C004", tmp_path).version == 1
    station.close()


def child(home: Path, demo, out: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_exporter", str(home), str(demo.pack), str(out),
         *flags],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_a_process_killed_right_after_writing_a_sheet(reviewer_home, demo, tmp_path):
    out = tmp_path / "out"
    proc = child(reviewer_home, demo, out, "--die-before-recording")
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL and "READY" in stdout and "ACK" not in stdout
    written = sheets_in(out)
    assert list(written) == ["C001_张明华_v01.pdf"]
    station = open_station(reviewer_home, demo)  # the dead process's lock is taken over
    sheet = export_sheet(station, station.pack_id, "C001", out)
    assert sheet.version == 1 and sheets_in(out) == written
    station.close()


@pytest.mark.slow
def test_killing_an_exporting_process_at_random_moments(reviewer_home, demo, tmp_path):
    """Whatever the moment: a file once written is never replaced by another signature
    of its version, and after the next export every file is recorded as it is."""
    out = tmp_path / "out"
    rng = random.Random()
    seen: dict[str, bytes] = {}
    for _round in range(3):
        proc = child(reviewer_home, demo, out)
        assert proc.stdout is not None
        acks = 0
        wanted = rng.randint(0, 2)
        for line in proc.stdout:
            if line.startswith("ACK"):
                acks += 1
            if line.startswith("READY") and wanted == 0 or acks >= wanted:
                break
        time.sleep(rng.uniform(0, 0.6))
        proc.kill()
        proc.wait(timeout=60)
        now = sheets_in(out)
        for name, data in seen.items():
            assert now[name] == data, f"{name} was replaced by a different sheet"
        seen = now
    station = open_station(reviewer_home, demo)
    if station.workspace.reserved_sheet(station.pack_id, "C001") is not None:
        export_sheet(station, station.pack_id, "C001", out)
    signed = station.workspace.signed_sheets(station.pack_id, "C001")
    final = sheets_in(out)
    for name, data in seen.items():
        assert final[name] == data
    assert [s.version for s in signed] == list(range(1, len(signed) + 1))
    assert {s.file: s.sha256 for s in signed} == {
        name: hashlib.sha256(data).hexdigest() for name, data in final.items()
    }
    station.close()
