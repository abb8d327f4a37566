"""Withdrawn reviewers: no more packs for them, their certificate listed in the signed
manifest, their sheets refused, and missing sheets expected from the packs' recipients."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from reviewer.cli import main
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.pack.build import build_pack
from reviewer.pack.candidates import read_candidates
from reviewer.people import ca
from reviewer.people.enrolment import parse_request, parse_response
from reviewer.people.identity import create_identity, load_identity
from reviewer.people.session import (
    SessionError,
    enroll,
    open_session,
    pack_record,
    withdraw,
)
from reviewer.secretariat.aggregate import aggregate
from reviewer.secretariat.candidates import ListedCandidate
from reviewer.secretariat.intake import ImportResult, pack_reviewers
from reviewer.station.workstation import Workstation, WorkstationError

pytestmark = pytest.mark.usefixtures("english")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def copy(demo, tmp_path):
    """A private copy of the whole practice session: session, homes, materials."""
    folder = tmp_path / "demo"
    shutil.copytree(demo.folder, folder)
    (tmp_path / "pass.txt").write_text(DEMO_PASSPHRASE + "\n", encoding="utf-8")
    return folder


def _names(folder):
    return [load_identity(folder / "reviewers" / str(n)).name for n in (1, 2)]


def test_withdraw_then_build_leaves_the_withdrawn_reviewer_out(copy, tmp_path, capsys):
    first, second = _names(copy)
    session_dir = str(copy / "session")
    code, out, err = run(capsys, "session", "withdraw", session_dir, second, "--reason", "离任")
    assert code == 0 and "Withdrew" in out, err
    session = open_session(copy / "session")
    gone = next(e for e in session.roster if e.name == second)
    assert gone.withdrawn is not None and gone.withdrawn.reason == "离任"
    assert [e.name for e in session.active] == [first]
    assert session.withdrawn_certificates == (gone.certificate_fingerprint,)
    code, out, _ = run(capsys, "session", "roster", session_dir)
    assert "离任" in out
    # Withdrawing twice: nobody active by that name any more.
    code, _, err = run(capsys, "session", "withdraw", session_dir, second, "--reason", "x")
    assert code == 1 and "no enrolled reviewer" in err

    pack = tmp_path / "new.rvpack"
    code, out, err = run(
        capsys,
        "pack",
        "build",
        session_dir,
        "--candidates",
        str(copy / "candidates.csv"),
        "--materials",
        str(copy / "materials"),
        "--out",
        str(pack),
        "--passphrase-file",
        str(tmp_path / "pass.txt"),
    )
    assert code == 0 and "for 1 reviewer(s)" in out, err
    station = Workstation(copy / "reviewers" / "1")
    station.unlock(DEMO_PASSPHRASE)
    try:
        pack_id = station.open_pack(pack).pack_id
        # The withdrawn list travels signed, inside the manifest.
        assert station.manifest(pack_id).withdrawn == (gone.certificate_fingerprint,)
    finally:
        station.close()
    outsider = Workstation(copy / "reviewers" / "2")
    outsider.unlock(DEMO_PASSPHRASE)
    try:
        with pytest.raises(WorkstationError, match="not addressed to you"):
            outsider.open_pack(pack)
    finally:
        outsider.close()
    # The secretariat's own record of whom the pack was built for.
    record = pack_record(open_session(copy / "session"), pack_id)
    assert record is not None and record.names == (first,)
    assert pack_reviewers(open_session(copy / "session"), [pack_id]) == (first,)


def test_rekey_is_withdraw_then_enrol_the_new_request(copy, tmp_path):
    _first, second = _names(copy)
    session = open_session(copy / "session")
    old = session.reviewer(second)
    withdraw(session, second, "lost laptop")
    # The old key cannot come back.
    old_request = parse_request(
        load_identity(copy / "reviewers" / "2").unlock(DEMO_PASSPHRASE).enrolment_request()
    )
    with pytest.raises(SessionError, match="withdrawn"):
        enroll(session, old_request, DEMO_PASSPHRASE)
    # A new identity under the same name is the re-keyed reviewer.
    fresh = create_identity(tmp_path / "new-home", second, DEMO_PASSPHRASE)
    entry, response, _ = enroll(session, parse_request(fresh.enrolment_request()), DEMO_PASSPHRASE)
    load_identity(tmp_path / "new-home").accept(parse_response(response))
    session = open_session(copy / "session")
    assert session.reviewer(second) == entry and entry != old
    assert [e.name for e in session.roster].count(second) == 2
    assert session.withdrawn_certificates == (old.certificate_fingerprint,)


def test_a_reviewer_whose_certificate_is_withdrawn_is_told_so(copy, tmp_path):
    session = open_session(copy / "session")
    (me,) = load_identity(copy / "reviewers" / "1").enrolments.values()
    built = build_pack(
        tmp_path / "p.rvpack",
        session_id=session.id,
        session_name=session.name,
        candidates=read_candidates(copy / "candidates.csv", copy / "materials"),
        recipients=[e.age_recipient for e in session.roster],
        signer_key=session.load_secretariat_key(DEMO_PASSPHRASE),
        signer_cert=session.secretariat_certificate,
        withdrawn=[me.certificate_fingerprint],
    )
    station = Workstation(copy / "reviewers" / "1")
    station.unlock(DEMO_PASSPHRASE)
    try:
        with pytest.raises(WorkstationError, match="withdrawn your certificate"):
            station.open_pack(built.path)
    finally:
        station.close()


def test_roster_version_1_is_still_read(copy):
    path = copy / "session" / "roster.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["format_version"] = 1
    for r in doc["reviewers"]:
        del r["withdrawn"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    session = open_session(copy / "session")
    assert len(session.active) == 2 and not session.withdrawn_certificates


def test_missing_sheets_come_from_the_packs_recipients(copy):
    first, second = _names(copy)
    session = open_session(copy / "session")
    listed = [ListedCandidate("C001", "某某", "news"), ListedCandidate("C002", "某某某", "arts")]

    def imported(reviewers):
        return ImportResult(
            session_id=session.id,
            sheets_dir=copy,
            records=(),
            conflicts=(),
            packs_checked=True,
            pack_ids=(),
            candidates_checked=True,
            verified=0,
            from_cache=0,
            reviewers=reviewers,
        )

    # Built for the first reviewer only: the second owes no sheet.
    result = aggregate(session, imported((first,)), None, listed)
    assert {(m.reviewer, m.candidate_id) for m in result.missing} == {
        (first, "C001"),
        (first, "C002"),
    }
    # Not known (no pack record): everyone active on the roster.
    result = aggregate(session, imported(None), None, listed)
    assert {m.reviewer for m in result.missing} == {first, second}
    withdraw(session, second, "离任")
    result = aggregate(open_session(copy / "session"), imported(None), None, listed)
    assert {m.reviewer for m in result.missing} == {first}


def test_a_pack_without_a_record_falls_back_to_the_roster(copy):
    session = open_session(copy / "session")
    assert pack_reviewers(session, ["00000000-0000-4000-8000-000000000000"]) is None
    # The demo's own pack was recorded when it was built.
    header_id = json.loads(__import__("zipfile").ZipFile(copy / "pack.rvpack").read("pack.json"))[
        "pack_id"
    ]
    assert pack_reviewers(session, [header_id]) == tuple(e.name for e in session.roster)


def test_withdrawal_times_are_kept(copy):
    _first, second = _names(copy)
    moment = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    withdraw(open_session(copy / "session"), second, "回避", now=moment)
    entry = next(e for e in open_session(copy / "session").roster if e.name == second)
    assert entry.withdrawn is not None and entry.withdrawn.at == moment
    assert ca.certificate_fingerprint(entry.certificate) == entry.certificate_fingerprint
