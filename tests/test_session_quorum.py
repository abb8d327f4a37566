"""The session's quorum rule (issues #16, #17): set by ``session init --quorum``, kept in
session.json (format 2), taken by ``meeting open`` unless ``--quorum`` overrides it."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.committee import ballot_token
from reviewer.committee.meeting import parse_fraction
from reviewer.people.quorum import QuorumError, parse_quorum, quorum_text
from reviewer.people.session import SessionError, open_session

PASS = "法定人数 评审会 secret"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def passfile(tmp_path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(PASS + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def four_fifths(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quorum") / "session"
    passfile = folder.parent / "pass.txt"
    passfile.write_text(PASS + "\n", encoding="utf-8")
    argv = ["--lang", "en", "session", "init", str(folder), "--name", "职称评审委员会"]
    assert main([*argv, "--quorum", "4/5", "--passphrase-file", str(passfile)]) == 0
    return folder


@pytest.fixture
def session_dir(tmp_path, four_fifths) -> Path:
    folder = tmp_path / "session"
    shutil.copytree(four_fifths, folder)
    return folder


def test_init_writes_the_quorum_into_session_json(session_dir, tmp_path, passfile, capsys):
    doc = json.loads((session_dir / "session.json").read_text(encoding="utf-8"))
    assert doc["format_version"] == 2 and doc["quorum"] == "4/5"
    assert open_session(session_dir).quorum == Fraction(4, 5)
    init = ("session", "init", "--name", "评审", "--passphrase-file", str(passfile))
    code, out, err = run(capsys, *init, str(tmp_path / "decimal"), "--quorum", "0.75")
    assert code == 0, err
    assert "Quorum: 3/4 of the members must attend" in out
    assert open_session(tmp_path / "decimal").quorum == Fraction(3, 4)


@pytest.mark.parametrize("bad", ["5/4", "0", "0/3", "2/0", "abc", "0.666", "1/3/4"])
def test_a_bad_quorum_is_refused_naming_it_before_anything_is_asked(tmp_path, capsys, bad):
    # No passphrase at hand: the quorum is refused before one would be asked for.
    code, _, err = run(capsys, "session", "init", str(tmp_path / "s"), "--name", "评审",
                       "--quorum", bad)  # fmt: skip
    assert code == 1 and f"'{bad}' is not a quorum" in err and "2/3 or 4/5" in err, err
    assert len(err.splitlines()) == 1 and not (tmp_path / "s").exists()


def test_every_accepted_quorum_is_one_round_json_can_hold():
    # round.json's reader takes three digits a side: what a session accepts must fit.
    for text in ("2/3", "999/999", "１／２", "⅔", " 4 / 5 ", ".5", "0.01", "1"):
        share = parse_quorum(text)
        assert parse_fraction(quorum_text(share)) == share
    with pytest.raises(QuorumError):
        parse_quorum("1000/1000")


def test_a_version_1_session_reads_as_two_thirds_and_an_unknown_version_is_refused(
    session_dir, english
):
    path = session_dir / "session.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["quorum"]
    path.write_text(json.dumps({**doc, "format_version": 1}), encoding="utf-8")
    assert open_session(session_dir).quorum == Fraction(2, 3)
    path.write_text(json.dumps({**doc, "format_version": 3}), encoding="utf-8")
    with pytest.raises(SessionError, match="unsupported format version 3"):
        open_session(session_dir)
    path.write_text(json.dumps({**doc, "format_version": 2, "quorum": "3/2"}), encoding="utf-8")
    with pytest.raises(SessionError, match="damaged"):
        open_session(session_dir)


def test_meeting_open_takes_the_sessions_rule_unless_overridden(
    session_dir, passfile, capsys, monkeypatch
):
    key = ballot_token.new_round_key(testing_bits=2048)
    monkeypatch.setattr(ballot_token, "new_round_key", lambda: key)  # spares RSA-3072
    meeting = ("meeting", "open", str(session_dir), "--candidates", "C01", "C02")
    code, out, err = run(capsys, *meeting, "--round", "r1", "--passphrase-file", str(passfile))
    assert code == 0, err
    assert "The session's quorum rule: 4/5." in out
    round_json = session_dir / "meetings" / "r1" / "round.json"
    assert json.loads(round_json.read_text(encoding="utf-8"))["quorum"] == "4/5"
    code, out, err = run(capsys, *meeting, "--round", "r2", "--quorum", "3/4",
                         "--passphrase-file", str(passfile))  # fmt: skip
    assert code == 0, err
    assert "The quorum 3/4 given with --quorum replaces the session's rule 4/5." in out
    round_json = session_dir / "meetings" / "r2" / "round.json"
    assert json.loads(round_json.read_text(encoding="utf-8"))["quorum"] == "3/4"
    code, _, err = run(capsys, *meeting, "--round", "r3", "--quorum", "7/5")
    assert code == 1 and "'7/5' is not a quorum" in err
