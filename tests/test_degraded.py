"""Degraded environments of border-region bureaus: no OS keyring, packs on a read-only
USB stick, a home folder whose path has Chinese characters and spaces. (No CJK system
font: tests/test_self_test.py.)"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.review.scoring import Conflict
from reviewer.station.workstation import Workstation

ROOT = Path(__file__).resolve().parent.parent
NO_KEYRING = "keyring.backends.fail.Keyring"
KEYRING_MESSAGE = "No usable OS keyring here"


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "--lang", "en", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_without_a_keyring_the_cli_asks_and_says_once_why(tmp_path):
    """keyring's fail backend (what a bare Kylin/UOS has): --remember cannot remember, says
    so once, and the passphrase from the environment works for every later command."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=NO_KEYRING, REVIEWER_PASSPHRASE="正确 马 电池")
    env.pop("REVIEWER_TESTING", None)  # the product's store, not the test fake
    home = tmp_path / "home"
    new = cli(
        "identity", "new", "--name", "格桑卓玛", "--out", str(tmp_path / "req.json"),
        "--remember", "--home", str(home), env=env,
    )  # fmt: skip
    assert new.returncode == 0, new.stderr
    said = (new.stdout + new.stderr).count(KEYRING_MESSAGE)
    assert said == 1, new.stdout + new.stderr
    show = cli("identity", "show", "--home", str(home), env=env)
    assert show.returncode == 0 and "no keyring available" in show.stdout
    again = cli("identity", "request", "--out", str(tmp_path / "req2.json"), "--home", str(home),
                env=env)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "req2.json").stat().st_size > 0  # the keys were unlocked
    # Without the passphrase (and no keyring to remember it) it refuses clearly.
    del env["REVIEWER_PASSPHRASE"]
    refused = cli("identity", "request", "--out", str(tmp_path / "r3"), "--home", str(home),
                  env=env)  # fmt: skip
    assert refused.returncode == 1 and "REVIEWER_PASSPHRASE" in refused.stderr


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
    } | {".": (0, folder.stat().st_mtime_ns, folder.stat().st_mode)}


def test_a_pack_on_a_read_only_usb_folder_opens_and_nothing_is_written_there(
    demo, reviewer_home, tmp_path
):
    usb = tmp_path / "U盘" / "评审材料"
    usb.mkdir(parents=True)
    pack = usb / demo.pack.name
    shutil.copy2(demo.pack, pack)
    for path in (pack, usb):  # read-only as a write-protected stick (root ignores it)
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = _snapshot(usb)
    station = Workstation(reviewer_home)
    try:
        station.unlock(DEMO_PASSPHRASE)
        pack_id = station.open_pack(pack).pack_id
        review = station.workspace.review(pack_id, "C001").with_conflict(Conflict.NONE)
        station.workspace.save_review(pack_id, review)
        sha = station.candidate(pack_id, "C001").works[0].attachment
        data, _meta = station.attachment(pack_id, "C001", sha)
        assert data.startswith(b"%PDF")
    finally:
        station.close()
    assert _snapshot(usb) == before
    usb.chmod(0o755)


@pytest.mark.slow
def test_a_home_on_a_path_with_chinese_and_spaces(tmp_path, monkeypatch):
    """Identity, workspace and pack all under ``评审 专家/2026 年 资料``."""
    folder = tmp_path / "评审 专家" / "2026 年 资料"
    result = build_demo(folder, reviewers=1, candidates=2)
    home = result.reviewers[0]
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    station = Workstation(home)
    try:
        station.unlock(DEMO_PASSPHRASE)
        opened = station.open_pack(result.pack)
        assert opened.candidates == 2
        entries = station.workspace.candidates(opened.pack_id)
        review = station.workspace.review(opened.pack_id, entries[0].candidate_id)
        station.workspace.save_review(opened.pack_id, review.with_conflict(Conflict.NONE))
    finally:
        station.close()
    assert any(p.is_file() for p in (home / "workspace").rglob("*"))
    # And the CLI reads the same home through $REVIEWER_HOME.
    env = dict(os.environ, REVIEWER_HOME=str(home))
    show = cli("identity", "show", env=env)
    assert show.returncode == 0 and str(home) in show.stdout
