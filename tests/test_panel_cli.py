"""Panels through the command line: conflicts decided and signed before packs are built,
one pack per reviewer holding only their candidates, missing sheets following the
assignment, and the expert draw recorded in the session."""

from __future__ import annotations

import json
import shutil

import pytest

from reviewer.cli import main
from reviewer.pack.errors import NotAddressedToYouError
from reviewer.pack.reader import open_pack
from reviewer.people.identity import load_identity
from reviewer.people.session import open_session
from reviewer.secretariat.service import Secretariat

pytestmark = pytest.mark.usefixtures("english")


def run(capsys, *argv):
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def planned(tmp_path, demo, monkeypatch, capsys):
    """A copy of the demo session where 张明华 works at C001's 工作单位 and C003 asked
    that 阿依古丽·买买提 not review them."""
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    folder = tmp_path / "session"
    shutil.copytree(demo.session, folder)
    code, _out, err = run(
        capsys, "session", "affiliation", str(folder), "张明华", "新疆 广播电视台有限公司"
    )
    assert code == 0, err
    relations = tmp_path / "relations.csv"
    relations.write_text(
        "编号,评审专家,类型,说明\nC003,阿依古丽·买买提,申请回避,曾有合作纠纷\n", encoding="utf-8"
    )
    return folder, relations


def build(capsys, demo, folder, out, *extra):
    return run(
        capsys,
        "pack",
        "build",
        str(folder),
        "--candidates",
        str(demo.folder / "candidates.csv"),
        "--materials",
        str(demo.folder / "materials"),
        "--out",
        str(out),
        *extra,
    )


def test_conflicts_are_decided_signed_and_kept_out_of_each_reviewers_pack(
    tmp_path, capsys, demo, planned
):
    folder, relations = planned
    candidates = str(demo.folder / "candidates.csv")
    packs = tmp_path / "packs"
    code, _out, err = build(capsys, demo, folder, packs, "--per-candidate", "1")
    assert code == 1 and "C001" in err and "session conflicts" in err and not packs.exists()

    argv = (
        "session",
        "conflicts",
        str(folder),
        "--candidates",
        candidates,
        "--relations",
        str(relations),
    )
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "2 flagged" in out and "same affiliation" in out and "excluded by the candidate" in out
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("编号,评审专家,决定,理由\nC001,张明华,确认,同一单位\n", encoding="utf-8")
    code, _out, err = run(capsys, *argv, "--decisions", str(decisions))
    assert code == 1 and "C003, 阿依古丽·买买提" in err and "not decided" in err
    decisions.write_text(
        "编号,评审专家,决定,理由\nC001,张明华,确认,同一单位\nC003,阿依古丽·买买提,确认,候选人申请\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, *argv, "--decisions", str(decisions))
    assert code == 0, err
    assert "2 confirmed" in out and (folder / "conflicts.json.sig").is_file()

    code, out, err = build(capsys, demo, folder, packs, "--per-candidate", "1")
    assert code == 0, err
    session = open_session(folder)
    mine, theirs = sorted(packs.glob("*.rvpack"))
    zhang = load_identity(demo.reviewers[0]).unlock("demo")
    enrolment = zhang.enrolments[session.id]
    with open_pack(
        mine, zhang.age_identity, enrolment.ca_certificate, expected_session_id=session.id
    ) as opened:
        held = [c.id for c in opened.manifest.candidates]
    assert len(held) == 3 and "C001" not in held
    # The other reviewer's pack is not encrypted to 张明华 at all.
    with pytest.raises(NotAddressedToYouError):
        open_pack(
            theirs, zhang.age_identity, enrolment.ca_certificate, expected_session_id=session.id
        )
    escrow = session.load_escrow_identity("demo")
    with open_pack(
        theirs, escrow, session.ca_certificate, expected_session_id=session.id
    ) as opened:
        theirs_held = [c.id for c in opened.manifest.candidates]
    assert (
        sorted(held + theirs_held) == [f"C00{i}" for i in range(1, 7)] and "C003" not in theirs_held
    )

    # Missing sheets follow the assignment: with no sheet at all, one a candidate.
    secretariat = Secretariat(session)
    read = secretariat.read_packs([mine, theirs])
    empty = tmp_path / "sheets"
    empty.mkdir()
    secretariat.import_sheets(
        empty, packs=read, candidates=secretariat.read_candidates(demo.folder / "candidates.csv")
    )
    missing = {(m.reviewer, m.candidate_id) for m in secretariat.aggregate().missing}
    assert len(missing) == 6
    assert ("张明华", "C001") not in missing and ("阿依古丽·买买提", "C003") not in missing

    # A conflicts file changed after signing is refused, and so is the build.
    doc = json.loads((folder / "conflicts.json").read_text(encoding="utf-8"))
    doc["flags"][0]["decision"] = "overridden"
    (folder / "conflicts.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, _out, err = build(capsys, demo, folder, tmp_path / "again", "--per-candidate", "1")
    assert code == 1 and "cannot be trusted" in err


def test_a_hand_made_assignment_naming_a_confirmed_conflict_is_refused(
    tmp_path, capsys, demo, planned
):
    folder, relations = planned
    candidates = str(demo.folder / "candidates.csv")
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "编号,评审专家,决定,理由\nC001,张明华,确认,同一单位\nC003,阿依古丽·买买提,不回避,仅为同行\n",
        encoding="utf-8",
    )
    argv = (
        "session",
        "conflicts",
        str(folder),
        "--candidates",
        candidates,
        "--relations",
        str(relations),
    )
    assert run(capsys, *argv, "--decisions", str(decisions))[0] == 0
    by_hand = tmp_path / "assignment.csv"
    by_hand.write_text("类别,评审专家\nnews,张明华\n", encoding="utf-8")
    code, _out, err = build(capsys, demo, folder, tmp_path / "packs", "--assignment", str(by_hand))
    assert code == 1 and "confirmed conflict" in err and "C001" in err


def test_the_draw_is_recorded_with_pool_hash_and_seed(tmp_path, capsys, demo):
    folder = tmp_path / "session"
    shutil.copytree(demo.session, folder)
    pool = tmp_path / "pool.csv"
    rows = [f"专家{i},news,单位{i}" for i in range(8)] + [f"专家{i},arts," for i in range(4, 12)]
    pool.write_text("姓名,类别,工作单位\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(
        capsys,
        "session",
        "draw",
        str(folder),
        "--pool",
        str(pool),
        "--per-category",
        "3",
        "--seed",
        "20261203",
    )
    assert code == 0, err
    (record,) = (folder / "draws").glob("*.json")
    doc = json.loads(record.read_text(encoding="utf-8"))
    assert doc["seed"] == "20261203" and doc["pool_sha256"] in out
    assert [c["category"] for c in doc["categories"]] == ["arts", "news"]
    code, _out, err = run(
        capsys,
        "session",
        "draw",
        str(folder),
        "--pool",
        str(pool),
        "--per-category",
        "3",
        "--seed",
        "20261203",
    )
    assert code == 0, err
    first, second = sorted((folder / "draws").glob("*.json"))
    assert json.loads(second.read_text(encoding="utf-8"))["categories"] == doc["categories"]
    pool.write_text("姓名,类别\n专家1,sports\n", encoding="utf-8")
    code, _out, err = run(
        capsys, "session", "draw", str(folder), "--pool", str(pool), "--per-category", "1"
    )
    assert code == 1 and "line 2" in err and "sports" in err
