"""Crash safety (SIGKILL mid-edit) and nothing readable at rest."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.review.scoring import Conflict
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.workspace.store import Workspace
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack

ROOT = Path(__file__).resolve().parent.parent
KILLS = 40


def _spawn(home: Path, start: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_editor", str(home), str(start)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@pytest.mark.slow
def test_every_acknowledged_edit_survives_sigkill(tmp_path):
    rng = random.Random(20261126)
    home = tmp_path / "home"
    last_ack = -1
    next_edit = 0
    for _ in range(KILLS):
        child = _spawn(home, next_edit)
        assert child.stdout.readline().strip() == "READY"
        deadline = time.monotonic() + rng.uniform(0.0, 0.25)
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if line.startswith("ACK "):
                last_ack = int(line.split()[1])
        os.kill(child.pid, signal.SIGKILL)
        # Acks already written to the pipe before the kill still count.
        for line in child.stdout.read().splitlines():
            if line.startswith("ACK "):
                last_ack = int(line.split()[1])
        child.wait()

        ws = Workspace.open(home)  # runs PRAGMA integrity_check; raises if damaged
        ws.unlock(PASSPHRASE)
        pack = make_pack()
        opinion = ws.review(pack.pack_id, "C001").opinion
        saved = int(opinion.split("-")[1]) if opinion else -1
        # Every acknowledged edit is there; at most the one in flight is extra.
        assert saved in (last_ack, last_ack + 1), (saved, last_ack)
        assert ws.verify_log().ok
        ws.close()
        next_edit = saved + 1
    assert last_ack > KILLS  # the children really did work between kills


MARKERS = ["MARKER-名字-7f3a", "MARKER-意见-91bc", "MARKER-回避-55d1", "MARKER-说明-c0de"]


def _run_confidential_session(home: Path) -> None:
    ws = Workspace.open(home)
    ws.initialise(PASSPHRASE)
    pack = make_pack(names={"C001": MARKERS[0], "C002": "王𠮷"})
    ws.import_pack(pack)
    review = complete_review(pack, "C001", opinion=MARKERS[1])
    ws.save_review(pack.pack_id, review)
    ws.save_review(
        pack.pack_id, review.with_check(CheckKind.ETHICS, CheckResult.CONCERN, MARKERS[3])
    )
    ws.save_review(pack.pack_id, review.with_opinion(""))  # a deletion
    ws.save_review(
        pack.pack_id, complete_review(pack, "C002").with_conflict(Conflict.RECUSED, MARKERS[2])
    )
    ws.lock()
    ws.unlock(PASSPHRASE)
    ws.save_review(pack.pack_id, review.with_opinion(MARKERS[1] + "再次"))
    ws.close()


def test_nothing_readable_at_rest(tmp_path):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    tmp.mkdir()
    code = (
        "import sys; from pathlib import Path; "
        "from tests.test_workspace_durability import _run_confidential_session as r; "
        "r(Path(sys.argv[1]))"
    )
    env = dict(os.environ, TMPDIR=str(tmp), SQLITE_TMPDIR=str(tmp))
    subprocess.run([sys.executable, "-c", code, str(home)], cwd=ROOT, env=env, check=True)
    files = [p for root in (home, tmp) for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "workspace.db" for p in files)
    needles = []
    for marker in MARKERS + ['"scores"', '"opinion"']:
        needles += [marker.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    hits = [(p.name, n) for p in files for n in needles if n in p.read_bytes()]
    assert hits == []
