"""The meeting end to end through the core API: attendance and quorum, one blind-signed
token per present member, ballots cast and counted, and every refusal the scheme
promises (a duplicate, a foreign token, an absent, withdrawn or repeated member)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import subprocess
from fractions import Fraction

import pyrage
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from reviewer.committee import ballot, ballot_token, member, paper_ballot, rounds
from reviewer.committee.ballot import BallotError
from reviewer.committee.count import count_electronic, count_paper, count_round
from reviewer.committee.meeting import (
    MeetingError,
    attendance,
    load_secrets,
    open_round,
    parse_fraction,
    read_round_file,
    record_attendance,
)
from reviewer.committee.tally import Choice, TallyError, tally
from reviewer.people.enrolment import parse_request, parse_response
from reviewer.people.identity import create_identity, load_identity
from reviewer.people.session import create_session, enroll, open_session, withdraw

PASS = "correct horse battery staple 16"
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "赵磊")
CANDIDATES = ("C01", "C02", "C03")
YES, NO, ABSTAIN = Choice.YES, Choice.NO, Choice.ABSTAIN


@pytest.fixture(scope="module")
def round_key():
    """One RSA-3072 key for the module: the product's size, generated once."""
    return ballot_token.new_round_key()


@pytest.fixture(scope="module")
def committee(tmp_path_factory):
    """A session with six enrolled members; the last one is withdrawn."""
    base = tmp_path_factory.mktemp("committee")
    session = create_session(base / "session", "职称评审委员会", PASS)
    ca_key = session.load_ca_key(PASS)
    unlocked = {}
    for i, name in enumerate(NAMES):
        home = base / "homes" / str(i)
        identity = create_identity(home, name, PASS)
        _entry, response, _ = enroll(
            session, parse_request(identity.enrolment_request()), None, ca_key=ca_key
        )
        load_identity(home).accept(parse_response(response))
        unlocked[name] = load_identity(home).unlock(PASS)
    withdraw(session, NAMES[-1], "回避")
    return open_session(session.folder), unlocked


_counter = iter(range(1000))


def _open(committee, round_key, **kw):
    session, _ = committee
    return open_round(
        session, f"r{next(_counter)}", kw.pop("candidates", CANDIDATES), PASS,
        testing_key=round_key, **kw,
    )  # fmt: skip


def _attend(committee, rnd, names, **kw):
    session, people = committee
    requests = [member.request_token(people[n], rnd) for n in names]
    responses = record_attendance(session, rnd, PASS, requests, **kw)
    for n in names:
        member.accept_token(people[n], rnd, responses[n])
    return responses


def test_blind_signature_verifies_as_standard_rsa_pss(round_key):
    token = ballot_token.new_token()
    blinded = ballot_token.blind(round_key.public_key(), token)
    assert token not in blinded.blinded_message
    signature = ballot_token.finalize(
        round_key.public_key(), blinded, ballot_token.blind_sign(round_key, blinded.blinded_message)
    )
    # cryptography's own verifier, nothing of ours: proof the unblinded signature is PSS.
    round_key.public_key().verify(
        signature, token, padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
        hashes.SHA384(),
    )  # fmt: skip
    with pytest.raises(ballot_token.TokenError):
        ballot_token.verify(round_key.public_key(), ballot_token.new_token(), signature)


def test_a_round_votes_and_counts(committee, round_key, tmp_path):
    session, people = committee
    rnd = _open(committee, round_key, places=2)
    present = NAMES[:5]
    _attend(committee, rnd, present)
    marks = {
        "张伟": {"C01": YES, "C02": YES, "C03": NO},
        "王芳": {"C01": YES, "C02": NO, "C03": YES},
        "李娜": {"C01": YES, "C02": ABSTAIN, "C03": NO},
        "刘洋": {"C01": YES, "C02": YES, "C03": ABSTAIN},
        "陈静": {"C01": NO, "C02": YES, "C03": YES},
    }
    for name, choice in marks.items():
        member.cast(people[name], rnd, choice, tmp_path / "box")
    names = [p.name for p in (tmp_path / "box").iterdir()]
    assert all(len(n) == 64 + len(".ballot") for n in names)  # named by hash, nothing else
    result = count_electronic(rnd, PASS, tmp_path / "box")
    # Independent recount from the raw marks: ⅔ of 5 present is 4 (3·yes ≥ 2·5).
    for row in result.candidates:
        yes = sum(1 for m in marks.values() if m[row.candidate] is YES)
        no = sum(1 for m in marks.values() if m[row.candidate] is NO)
        assert (row.yes, row.no, row.abstain) == (yes, no, 5 - yes - no)
        assert row.passed == (3 * yes >= 2 * 5)
    assert result.passed == ("C01",)
    assert member.my_token_hash(people["张伟"], rnd) in result.bulletin
    assert (rnd.folder / "result.json").is_file() and (rnd.folder / "bulletin.json").is_file()
    with pytest.raises(MeetingError):
        count_electronic(rnd, PASS, tmp_path / "box")  # counted once


def test_duplicate_and_foreign_ballots_are_refused(committee, round_key, tmp_path):
    session, people = committee
    rnd = _open(committee, round_key)
    _attend(committee, rnd, NAMES[:4])
    box = tmp_path / "box"
    first = member.cast(people["张伟"], rnd, dict.fromkeys(CANDIDATES, YES), box)
    with pytest.raises(member.MemberBallotError):
        member.cast(people["张伟"], rnd, dict.fromkeys(CANDIDATES, YES), box)
    # The same ballot copied (re-encrypted, another file name) is refused at the count.
    secrets_ = load_secrets(rnd, PASS)
    plain = pyrage.decrypt(first.read_bytes(), [secrets_.ballot_identity])
    ballot.write_ballot(box, rnd, plain)
    with pytest.raises(BallotError) as err:
        count_electronic(rnd, PASS, box)
    assert "同一" in err.value.report() or "same token" in err.value.report()
    # A token signed with another round's key, in a ballot that claims this round.
    other_key = ballot_token.new_round_key(testing_bits=2048)
    token = ballot_token.new_token()
    blinded = ballot_token.blind(other_key.public_key(), token)
    sig = ballot_token.finalize(
        other_key.public_key(), blinded, ballot_token.blind_sign(other_key, blinded.blinded_message)
    )
    shutil.rmtree(box)
    member.cast(people["王芳"], rnd, dict.fromkeys(CANDIDATES, NO), box)
    ballot.write_ballot(
        box, rnd, ballot.ballot_bytes(rnd, token, sig, dict.fromkeys(CANDIDATES, YES))
    )
    with pytest.raises(BallotError) as err:
        count_electronic(rnd, PASS, box)
    assert len(err.value.problems) == 1
    # A well-signed ballot whose content names another round, sent to this one.
    shutil.rmtree(box)
    elsewhere = dataclasses.replace(rnd, round_id="other")
    ballot.write_ballot(
        box, rnd, ballot.ballot_bytes(elsewhere, token, sig, dict.fromkeys(CANDIDATES, YES))
    )
    with pytest.raises(BallotError, match="无法计票"):
        count_electronic(rnd, PASS, box)


def test_absent_withdrawn_unknown_and_repeated_members_get_no_token(committee, round_key):
    session, people = committee
    rnd = _open(committee, round_key)
    _attend(committee, rnd, NAMES[:4])
    # Absent from the meeting: 陈静 never handed in a request, so has no token to vote with.
    with pytest.raises(member.MemberBallotError):
        member.cast(people["陈静"], rnd, dict.fromkeys(CANDIDATES, YES), rnd.folder / "x")
    # Withdrawn: the request verifies, but the member is refused.
    with pytest.raises(MeetingError) as err:
        record_attendance(session, rnd, PASS, [member.request_token(people["赵磊"], rnd)])
    assert err.value.problems[0].where == "赵磊"
    # A second request by the same member (a new wallet, e.g. from another laptop).
    again = _open(committee, round_key)
    first = member.request_token(people["张伟"], again)
    (member._wallet_path(people["张伟"], again)).unlink()
    second = member.request_token(people["张伟"], again)
    with pytest.raises(MeetingError) as err:
        record_attendance(
            session,
            again,
            PASS,
            [first, second] + [member.request_token(people[n], again) for n in NAMES[1:4]],
        )
    assert any("已" in p.what or "already" in p.what for p in err.value.problems)
    # Unknown: a paper member not on the roster.
    with pytest.raises(MeetingError):
        record_attendance(session, rnd, PASS, paper_members=["无名氏"])


def test_quorum_is_refused_below_the_configured_share(committee, round_key):
    session, people = committee
    assert parse_fraction("4/5") == Fraction(4, 5)
    with pytest.raises(MeetingError):
        parse_fraction("0.8")
    rnd = _open(committee, round_key, quorum=Fraction(4, 5))  # 5 active: 4 needed
    with pytest.raises(MeetingError, match="3"):
        _attend(committee, rnd, NAMES[:3])
    assert not (rnd.folder / "attendance.json").exists()
    rnd2 = _open(committee, round_key, quorum=Fraction(4, 5))
    _attend(committee, rnd2, NAMES[:4])


def test_the_next_round_takes_only_the_shortlist(committee, round_key, tmp_path):
    session, people = committee
    first = _open(committee, round_key)
    assert read_round_file(first.folder / "round.json").candidates == CANDIDATES
    shortlist = rounds.top_of(["C02", "C01", "C03"], 2, among=first.candidates)
    assert shortlist == ("C02", "C01")
    with pytest.raises(MeetingError):
        _open(committee, round_key, candidates=("C02", "C03"), previous=first, shortlist=shortlist)
    second = _open(committee, round_key, candidates=shortlist, previous=first, shortlist=shortlist)
    assert second.previous == first.round_id


def test_paper_ballots_refuse_forged_and_duplicate_serials(committee, round_key, tmp_path):
    session, _ = committee
    rnd = _open(committee, round_key, places=1)
    record_attendance(session, rnd, PASS, paper_members=list(NAMES[:4]))
    secrets_ = load_secrets(rnd, PASS)
    serials = paper_ballot.print_ballots(rnd, secrets_, session.name, tmp_path / "b.pdf")
    assert len(serials) == 4 and (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(paper_ballot.PaperBallotError):
        paper_ballot.print_ballots(rnd, secrets_, session.name, tmp_path / "again.pdf")
    head = "serial,C01,C02,C03\n"
    rows = [f"{serials[0]},同意,不同意,", f"{serials[1]},同意,弃权,不同意", f"{serials[2]},×,○,×"]

    def count(lines, scanned=None):
        return paper_ballot.read_marks(rnd, secrets_, (head + "\n".join(lines)).encode(), scanned)

    forged = serials[3][:-1] + ("A" if serials[3][-1] != "A" else "B")
    for bad in (
        [*rows, forged + ",同意,,"],  # a serial the HMAC does not vouch for
        [*rows, "0009-" + serials[0][5:] + ",同意,,"],  # a real code on another number
        [*rows, rows[0]],  # the same ballot entered twice
        [f"{serials[0]},同意,同意,"],  # two 同意 with one place: refused at the tally
    ):
        with pytest.raises((paper_ballot.PaperBallotError, TallyError)):
            cast = count(bad)
            tally(
                session_id=rnd.session_id, round_id=rnd.round_id, candidates=rnd.candidates,
                present=4, issued=4, ballots=cast, places=1,
            )  # fmt: skip
    with pytest.raises(paper_ballot.PaperBallotError):
        count(rows, scanned=serials[:2])  # the third ballot was entered but never scanned
    # A forged serial slipped into paper.json is still refused: its HMAC does not check.
    paper = json.loads((rnd.folder / "paper.json").read_bytes())
    (rnd.folder / "paper.json").write_text(json.dumps({**paper, "serials": [*serials, forged]}))
    with pytest.raises(paper_ballot.PaperBallotError, match="无法计票"):
        count([*rows, forged + ",同意,,"])
    (rnd.folder / "paper.json").write_text(json.dumps(paper))
    if shutil.which("zbarimg") and shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(tmp_path / "b.pdf"),
             str(tmp_path / "p")], check=True,
        )  # fmt: skip
        scanned = paper_ballot.scanned_serials(rnd, sorted(tmp_path.glob("p*.png")))
        assert scanned == [serials[0]]
    result = count_paper(rnd, PASS, (head + "\n".join(rows)).encode())
    assert [(c.yes, c.no, c.abstain) for c in result.candidates] == [
        (2, 1, 0),
        (1, 1, 1),
        (0, 2, 1),
    ]
    # ⅔ of 4 present is 3: nobody passes with 2.
    assert result.passed == ()
    # A member arriving once the round is counted is not let in (nor given a ballot).
    with pytest.raises(MeetingError, match="counted|已计票"):
        record_attendance(session, rnd, PASS, paper_members=[NAMES[4]])
    assert NAMES[4] not in {a.name for a in attendance(rnd)}


def test_the_meeting_through_the_command_line(committee, tmp_path, capsys, monkeypatch):
    from reviewer.cli import main

    session, people = committee
    monkeypatch.setenv("REVIEWER_PASSPHRASE", PASS)
    folder = str(session.folder)

    def run(*argv):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out + out.err

    code, out = run("meeting", "open", folder, "--round", "表决一", "--candidates", "C01", "C02",
                    "--places", "1", "--quorum", "3/5")  # fmt: skip
    assert code == 0, out
    round_json = str(session.folder / "meetings" / "表决一" / "round.json")
    voters = NAMES[:3]
    requests = []
    for i, name in enumerate(voters):
        home = str(people[name].identity.home)
        req = tmp_path / f"req{i}.json"
        assert run("ballot", "request", round_json, "--out", str(req), "--home", home)[0] == 0
        requests.append(str(req))
    code, out = run("meeting", "attend", folder, "表决一", *requests[:1], "--out", str(tmp_path))
    assert code == 1 and "法定人数" in out  # 1 of 5 is below 3/5
    code, out = run("meeting", "attend", folder, "表决一", *requests, "--out", str(tmp_path / "r"))
    assert code == 0, out
    responses = sorted((tmp_path / "r").iterdir())
    for name in voters:  # each member tries every response: only their own is accepted
        home = str(people[name].identity.home)
        ok = [run("ballot", "accept", round_json, str(r), "--home", home)[0] for r in responses]
        assert sorted(ok) == [0, 1, 1]
    box = str(tmp_path / "box")
    for name, yes in zip(voters, ("C01", "C01", "C02"), strict=True):
        home = str(people[name].identity.home)
        code, out = run("ballot", "cast", round_json, "--yes", yes, "--out", box, "--home", home)
        assert code == 0, out
    code, out = run("ballot", "cast", round_json, "--yes", "C01", "C02", "--out", box,
                    "--home", str(people[NAMES[3]].identity.home))  # fmt: skip
    assert code == 1  # over the cap (and no token either)
    code, out = run("meeting", "count", folder, "表决一", box)
    assert code == 0, out
    assert "C01\t2\t0\t1" in out  # ⅔ of 3 present is 2: C01 passes
    bulletin = str(session.folder / "meetings" / "表决一" / "bulletin.json")
    home0 = str(people[voters[0]].identity.home)
    assert run("ballot", "check", round_json, bulletin, "--home", home0)[0] == 0
    code, out = run("meeting", "open", folder, "--round", "表决二", "--candidates", "C02",
                    "--after", "表决一")  # fmt: skip
    assert code == 1 and "入围" in out


def test_a_round_with_tokens_and_paper_counts_both(committee, round_key, tmp_path):
    session, people = committee
    rnd = _open(committee, round_key)
    _attend(committee, rnd, NAMES[:3], paper_members=[NAMES[3]])
    secrets_ = load_secrets(rnd, PASS)
    # Only the member without a token gets a paper ballot: nobody holds two.
    (serial,) = paper_ballot.print_ballots(rnd, secrets_, session.name, tmp_path / "b.pdf")
    for name in NAMES[:3]:
        member.cast(people[name], rnd, dict.fromkeys(CANDIDATES, YES), tmp_path / "box")
    marks = f"serial,C01,C02,C03\n{serial},同意,不同意,弃权\n".encode()
    with pytest.raises(MeetingError):
        count_round(rnd, PASS, ballot_dir=tmp_path / "box")  # the paper ballot left out
    result = count_round(rnd, PASS, ballot_dir=tmp_path / "box", marks_csv=marks)
    assert [(c.yes, c.no, c.abstain) for c in result.candidates] == [
        (4, 0, 0),
        (3, 1, 0),
        (3, 0, 1),
    ]
    assert result.passed == CANDIDATES  # ⅔ of 4 present is 3


def _mutations(data: bytes, rng, n: int):
    """Byte flips, cuts and JSON values swapped for other types: hostile variants."""
    doc = None
    with contextlib.suppress(ValueError):
        doc = json.loads(data)
    odd = [None, True, -1, 2**70, 1.5, "", "x" * 300, [], {}, ["C01"], {"a": 1}]
    for i in range(n):
        if doc is not None and isinstance(doc, dict) and i % 2:
            changed = dict(doc)
            changed[rng.choice(list(changed))] = rng.choice(odd)
            yield json.dumps(changed).encode()
        else:
            b = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            yield bytes(b[: rng.randint(0, len(b))] if i % 5 == 0 else b)


def test_hostile_round_request_ballot_and_marks_are_refused_cleanly(committee, round_key):
    import random

    from reviewer.base.errors import ReviewerError
    from reviewer.committee import token_request
    from reviewer.committee.meeting import parse_round

    session, people = committee
    rnd = _open(committee, round_key)
    rng = random.Random(16)
    secrets_ = load_secrets(rnd, PASS)
    blinded = ballot_token.blind(rnd.public_key, ballot_token.new_token())
    request = member.request_token(people["张伟"], rnd)
    seeds = {
        parse_round: (rnd.folder / "round.json").read_bytes(),
        token_request.parse_request: request,
        token_request.parse_response: token_request.build_response("s", "r", "0" * 64, b"x"),
        ballot.parse_ballot: ballot.ballot_bytes(
            rnd, blinded.token, b"sig", dict.fromkeys(CANDIDATES, YES)
        ),
        lambda data: paper_ballot.read_marks(rnd, secrets_, data): (
            "serial,C01,C02,C03\n0001-AAAAAAAAAA,同意,,弃权\n".encode()
        ),
    }
    for reader, seed in seeds.items():
        for data in _mutations(seed, rng, 150):
            try:
                reader(data)
            except ReviewerError as exc:
                assert exc.message


def test_the_member_marks_checks_and_bulletin_check_are_the_core(committee, round_key, tmp_path):
    _session, people = committee
    rnd = _open(committee, round_key, places=1)
    me, other = people[NAMES[0]], people[NAMES[1]]
    assert member.stage(me, rnd) is member.Stage.NOT_REQUESTED
    with pytest.raises(member.MemberBallotError) as both:
        member.choices_from_marks(rnd, ["C01"], ["C01"])
    assert [p.where for p in both.value.problems] == ["C01"]
    with pytest.raises(member.MemberBallotError):
        member.choices_from_marks(rnd, ["C01", "C02"], [])  # over the cap of 1
    assert member.choices_from_marks(rnd, ["C02"], ["C03"]) == {
        "C01": ABSTAIN,
        "C02": YES,
        "C03": NO,
    }
    _attend(committee, rnd, NAMES[:4])
    assert member.stage(me, rnd) is member.Stage.SIGNED
    with pytest.raises(member.MemberBallotError):  # the cap holds in cast itself too
        member.cast(me, rnd, {"C01": YES, "C02": YES, "C03": NO}, tmp_path / "box")
    member.cast(me, rnd, {"C01": YES, "C02": NO, "C03": ABSTAIN}, tmp_path / "box")
    assert member.stage(me, rnd) is member.Stage.CAST
    count_electronic(rnd, PASS, tmp_path / "box")
    bulletin = (rnd.folder / "bulletin.json").read_bytes()
    assert member.check_bulletin(me, rnd, bulletin)
    assert not member.check_bulletin(other, rnd, bulletin)  # had a token, cast nothing
    foreign = json.loads(bulletin) | {"round": "elsewhere"}
    for bad in (b"\xff", b"[]", json.dumps(foreign).encode(), b" " * (2 << 20)):
        with pytest.raises(member.MemberBallotError):
            member.check_bulletin(me, rnd, bad)
