"""``reviewer log verify|show`` on a real reviewer home."""

from __future__ import annotations

import sqlite3

import pytest

from reviewer.cli import main
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.review.scoring import Conflict
from reviewer.station.workstation import WORKSPACE_DIR, Workstation
from reviewer.workspace.db import DB_NAME

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def worked_home(reviewer_home, demo):
    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    pack_id = station.open_pack(demo.pack).pack_id
    review = station.workspace.review(pack_id, "C001").with_conflict(Conflict.NONE)
    station.workspace.save_review(pack_id, review)
    station.workspace.save_review(pack_id, review.with_opinion("意见"))
    station.close()
    return reviewer_home


def run(capsys, monkeypatch, *argv):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", DEMO_PASSPHRASE)
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_show_and_verify_an_intact_log(worked_home, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "log", "show", "--home", str(worked_home))
    assert code == 0, err
    assert "pack" in out and "imported" in out
    assert "no conflict of interest declared for C001" in out
    assert "opinion for C001 edited (2 characters)" in out
    code, out, err = run(capsys, monkeypatch, "log", "verify", "--home", str(worked_home))
    assert code == 0 and "intact" in out


def test_verify_reports_the_first_broken_link(worked_home, capsys, monkeypatch):
    conn = sqlite3.connect(worked_home / WORKSPACE_DIR / DB_NAME)
    conn.execute("DELETE FROM events WHERE seq = 3")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, monkeypatch, "log", "verify", "--home", str(worked_home))
    assert code == 1
    assert "broken at event 3" in err and "Traceback" not in err


def test_no_workspace_yet(reviewer_home, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "log", "verify", "--home", str(reviewer_home))
    assert code == 1 and "no workspace" in err
