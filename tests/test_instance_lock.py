"""One program at a time on a reviewer's home: a second process (the app, or a CLI
command that opens the workspace) is refused with a clear message while the first
holds it; the lock of a killed process is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.station.workstation import WORKSPACE_DIR, Workstation, WorkstationError
from reviewer.workspace.instance_lock import LOCK_FILE
from reviewer.workspace.store import Workspace, WorkspaceInUse

pytestmark = pytest.mark.usefixtures("english")
ROOT = Path(__file__).resolve().parent.parent
HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from reviewer.station.workstation import Workstation\n"
    "station = Workstation(Path(sys.argv[1]))\n"
    "print('READY', flush=True)\n"
    "time.sleep(600)\n"
)


@pytest.fixture
def holder(reviewer_home):
    """Another process with this home's workstation open."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(reviewer_home)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    yield proc
    proc.kill()
    proc.wait(timeout=30)


def test_a_second_process_is_refused_and_a_killed_ones_lock_is_taken_over(holder, reviewer_home):
    with pytest.raises(WorkstationError, match="already open") as info:
        Workstation(reviewer_home)
    assert f"process {holder.pid}" in str(info.value)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert (reviewer_home / WORKSPACE_DIR / LOCK_FILE).exists()  # left behind: stale
    station = Workstation(reviewer_home)  # taken over
    station.unlock(DEMO_PASSPHRASE)
    station.close()
    Workstation(reviewer_home).close()  # and released on close


def test_the_cli_refuses_while_the_app_holds_the_workspace(
    holder, reviewer_home, demo, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", DEMO_PASSPHRASE)
    out = tmp_path / "sheets"
    args = ["--lang", "en", "sheet", "export", "--pack", str(demo.pack), "--all"]
    assert main([*args, "--out", str(out), "--home", str(reviewer_home)]) == 1
    assert "already open in another Reviewer Workstation" in capsys.readouterr().err
    assert not out.exists()


def test_two_workspaces_in_one_process_are_refused_too(tmp_path):
    first = Workspace.open(tmp_path)
    with pytest.raises(WorkspaceInUse):
        Workspace.open(tmp_path)
    first.close()
    Workspace.open(tmp_path).close()


@pytest.mark.usefixtures("synchronous_worker")
def test_the_app_says_already_open_and_exits(holder, qtbot, reviewer_home, messages):
    from tests.test_ui_review import open_window, unlock

    window = open_window(qtbot, reviewer_home, None)
    unlock(window)  # starts loading (synchronous here), which finds the lock
    assert window.station is None and not window.isVisible()
    assert "已在另一个评审工作站窗口或命令中打开" in window.load_error  # exits with 1
    assert messages and messages[-1].startswith("critical:")
