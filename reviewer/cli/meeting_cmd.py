"""``reviewer meeting ...`` (the secretariat) and ``reviewer ballot ...`` (a member):
the committee's secret ballot, round by round. See docs/secretariat-guide.md.

    meeting open SESSION --round NAME --candidates ID... [--places N] [--quorum 4/5]
                 [--after ROUND]                    -- a later round: from its shortlist
    meeting attend SESSION ROUND [REQUEST...] [--paper NAME...] --out DIR
    meeting print-ballots SESSION ROUND --out ballots.pdf
    meeting count SESSION ROUND [BALLOT_DIR] [--marks MARKS.csv [--scans IMAGE...]]
    meeting count-paper SESSION ROUND MARKS.csv [--scans IMAGE...]
    meeting minutes SESSION ROUND --opinion TEXT_FILE [--candidates LIST] [--out PDF]
    meeting publicity SESSION ROUND --candidates LIST --start DATE [--end DATE] [--out DIR]
    ballot request ROUND_JSON --out REQUEST
    ballot accept ROUND_JSON RESPONSE
    ballot cast ROUND_JSON --yes ID... --no ID... --out DIR   (the rest: 弃权)
    ballot check ROUND_JSON BULLETIN
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_identity_options, add_passphrase_option, unlock_from_args
from reviewer.committee import count, member, minutes, paper_ballot, publicity, rounds
from reviewer.committee.meeting import (
    Round,
    load_round,
    load_secrets,
    open_round,
    read_input_file,
    read_round_file,
    record_attendance,
    write_responses,
)
from reviewer.committee.tally import RoundResult
from reviewer.crypto.passphrase import obtain_passphrase
from reviewer.people.quorum import parse_quorum, quorum_text
from reviewer.people.session import Session, open_session
from reviewer.secretariat.candidates import listed_by_id

MAX_INPUT_BYTES = 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    meeting = sub.add_parser(
        "meeting", help=_("the committee's meeting: attendance, secret ballot, count")
    )
    actions = meeting.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    op = actions.add_parser("open", help=_("open a voting round"))
    op.add_argument("session", type=Path, metavar=_("SESSION"))
    op.add_argument("--round", required=True, metavar=_("NAME"), help=_("the round's name"))
    op.add_argument("--candidates", nargs="+", required=True, metavar=_("ID"))
    op.add_argument("--places", type=int, help=_("at most this many 同意 on one ballot"))
    op.add_argument(
        "--quorum",
        help=_("share of members who must attend, instead of the session's rule (e.g. 4/5)"),
    )
    op.add_argument(
        "--after", metavar=_("ROUND"), help=_("the previous round: candidates must have passed it")
    )
    add_passphrase_option(op)
    op.set_defaults(func=cmd_open)

    at = actions.add_parser(
        "attend", help=_("record the members present and sign their token requests")
    )
    at.add_argument("session", type=Path, metavar=_("SESSION"))
    at.add_argument("round", metavar=_("ROUND"))
    at.add_argument("requests", type=Path, nargs="*", metavar=_("REQUEST"))
    at.add_argument(
        "--paper",
        nargs="+",
        default=[],
        metavar=_("NAME"),
        help=_("members present who vote on paper"),
    )
    at.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=_("DIR"),
        help=_("where the responses for the members are written"),
    )
    add_passphrase_option(at)
    at.set_defaults(func=cmd_attend)

    pr = actions.add_parser("print-ballots", help=_("print one paper ballot per member present"))
    pr.add_argument("session", type=Path, metavar=_("SESSION"))
    pr.add_argument("round", metavar=_("ROUND"))
    pr.add_argument("--out", type=Path, required=True, metavar=_("PDF"))
    add_passphrase_option(pr)
    pr.set_defaults(func=cmd_print)

    co = actions.add_parser("count", help=_("count the electronic ballots of a round"))
    co.add_argument("session", type=Path, metavar=_("SESSION"))
    co.add_argument("round", metavar=_("ROUND"))
    co.add_argument("ballots", type=Path, nargs="?", metavar=_("BALLOT_DIR"))
    co.add_argument(
        "--marks", type=Path, metavar=_("MARKS_CSV"), help=_("the entered marks of paper ballots")
    )
    co.add_argument(
        "--scans",
        type=Path,
        nargs="+",
        metavar=_("IMAGE"),
        help=_("scanned ballots: their serials must match the entered ones"),
    )
    add_passphrase_option(co)
    co.set_defaults(func=cmd_count)

    cp = actions.add_parser("count-paper", help=_("count paper ballots from the entered marks"))
    cp.add_argument("session", type=Path, metavar=_("SESSION"))
    cp.add_argument("round", metavar=_("ROUND"))
    cp.add_argument("marks", type=Path, metavar=_("MARKS_CSV"))
    cp.add_argument(
        "--scans",
        type=Path,
        nargs="+",
        metavar=_("IMAGE"),
        help=_("scanned ballots: their serials must match the entered ones"),
    )
    add_passphrase_option(cp)
    cp.set_defaults(func=cmd_count_paper)

    mi = actions.add_parser("minutes", help=_("write the signed minutes of a counted round"))
    mi.add_argument("session", type=Path, metavar=_("SESSION"))
    mi.add_argument("round", metavar=_("ROUND"))
    mi.add_argument(
        "--opinion",
        type=Path,
        required=True,
        metavar=_("TEXT_FILE"),
        help=_("the committee's opinion, a UTF-8 text file"),
    )
    mi.add_argument(
        "--candidates",
        type=Path,
        metavar=_("LIST"),
        help=_("the candidate list (CSV or XLSX), for names and categories"),
    )
    mi.add_argument(
        "--out", type=Path, metavar=_("PDF"), help=_("default: minutes.pdf in the round folder")
    )
    add_passphrase_option(mi)
    mi.set_defaults(func=cmd_minutes)

    pu = actions.add_parser(
        "publicity", help=_("write the 公示 list of those who passed (PDF, CSV, XLSX)")
    )
    pu.add_argument("session", type=Path, metavar=_("SESSION"))
    pu.add_argument("round", metavar=_("ROUND"))
    pu.add_argument(
        "--candidates",
        type=Path,
        required=True,
        metavar=_("LIST"),
        help=_("the candidate list (CSV or XLSX): names, affiliations, categories"),
    )
    pu.add_argument("--start", required=True, metavar=_("DATE"), help=_("first day, YYYY-MM-DD"))
    pu.add_argument(
        "--end",
        metavar=_("DATE"),
        help=_("last day; default and earliest: the fifth working day (Mon–Fri)"),
    )
    pu.add_argument("--out", type=Path, metavar=_("DIR"), help=_("default: the round folder"))
    add_passphrase_option(pu)
    pu.set_defaults(func=cmd_publicity)

    bal = sub.add_parser("ballot", help=_("a member's secret ballot: token, cast, check"))
    bacts = bal.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    rq = bacts.add_parser("request", help=_("ask for this round's voting token"))
    rq.add_argument("round_file", type=Path, metavar=_("ROUND_JSON"))
    rq.add_argument("--out", type=Path, required=True, metavar=_("REQUEST"))
    add_identity_options(rq)
    rq.set_defaults(func=cmd_request)
    ac = bacts.add_parser("accept", help=_("take the secretariat's signed token"))
    ac.add_argument("round_file", type=Path, metavar=_("ROUND_JSON"))
    ac.add_argument("response", type=Path, metavar=_("RESPONSE"))
    add_identity_options(ac)
    ac.set_defaults(func=cmd_accept)
    ca = bacts.add_parser("cast", help=_("cast the ballot (candidates not named: 弃权)"))
    ca.add_argument("round_file", type=Path, metavar=_("ROUND_JSON"))
    ca.add_argument("--yes", nargs="+", default=[], metavar=_("ID"), help=_("同意"))
    ca.add_argument("--no", nargs="+", default=[], metavar=_("ID"), help=_("不同意"))
    ca.add_argument("--out", type=Path, required=True, metavar=_("DIR"))
    add_identity_options(ca)
    ca.set_defaults(func=cmd_cast)
    ch = bacts.add_parser("check", help=_("check that your ballot was counted"))
    ch.add_argument("round_file", type=Path, metavar=_("ROUND_JSON"))
    ch.add_argument("bulletin", type=Path, metavar=_("BULLETIN"))
    add_identity_options(ch)
    ch.set_defaults(func=cmd_check)


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise CommandError(
            _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from None
    if len(data) > MAX_INPUT_BYTES:
        raise CommandError(_("{file} is too large").format(file=path))
    return data


def _passphrase(args: argparse.Namespace) -> str:
    return obtain_passphrase(file=args.passphrase_file, prompt=_("Session passphrase: "))


def _round(args: argparse.Namespace) -> tuple[Session, Round]:
    session = open_session(args.session)
    return session, load_round(session, args.round)


def cmd_open(args: argparse.Namespace) -> int:
    session = open_session(args.session)
    quorum = session.quorum if args.quorum is None else parse_quorum(args.quorum)
    previous, shortlist = rounds.carried_from(session, args.after) if args.after else (None, None)
    rnd = open_round(
        session,
        args.round,
        args.candidates,
        _passphrase(args),
        places=args.places,
        quorum=quorum,
        previous=previous,
        shortlist=shortlist,
    )
    assert rnd.folder is not None
    print(
        _("Round {name} is open: give {file} to every member.").format(
            name=rnd.round_id, file=rnd.folder / "round.json"
        )
    )
    print(
        _("Quorum: {needed} of {members} members.").format(
            needed=rnd.quorum_needed(), members=rnd.members
        )
    )
    if args.quorum is not None and rnd.quorum != session.quorum:
        print(
            _("The quorum {given} given with --quorum replaces the session's rule {rule}.").format(
                given=quorum_text(rnd.quorum), rule=quorum_text(session.quorum)
            )
        )
    else:
        print(_("The session's quorum rule: {rule}.").format(rule=quorum_text(session.quorum)))
    return 0


def cmd_attend(args: argparse.Namespace) -> int:
    session, rnd = _round(args)
    requests = [read_input_file(p) for p in args.requests]
    responses = record_attendance(session, rnd, _passphrase(args), requests, args.paper)
    write_responses(args.out, responses)
    print(_("{n} tokens signed; responses in {folder}.").format(n=len(responses), folder=args.out))
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    session, rnd = _round(args)
    serials = paper_ballot.print_ballots(
        rnd, load_secrets(rnd, _passphrase(args)), session.name, args.out
    )
    print(_("{n} ballots printed to {file}.").format(n=len(serials), file=args.out))
    return 0


def _show(result: RoundResult) -> None:
    print(
        _("{ballots} ballots counted; {present} present; {threshold} 同意 needed to pass.").format(
            ballots=result.ballots, present=result.present, threshold=result.threshold
        )
    )
    for row in result.candidates:
        verdict = _("passed") if row.passed else _("not passed")
        print(f"{row.candidate}\t{row.yes}\t{row.no}\t{row.abstain}\t{verdict}")


def cmd_count(args: argparse.Namespace) -> int:
    _session, rnd = _round(args)
    scanned = paper_ballot.scanned_serials(rnd, args.scans) if args.scans else None
    marks = read_input_file(args.marks) if args.marks else None
    _show(
        count.count_round(
            rnd, _passphrase(args), ballot_dir=args.ballots, marks_csv=marks, scanned=scanned
        )
    )
    return 0


def cmd_count_paper(args: argparse.Namespace) -> int:
    _session, rnd = _round(args)
    scanned = paper_ballot.scanned_serials(rnd, args.scans) if args.scans else None
    _show(count.count_paper(rnd, _passphrase(args), read_input_file(args.marks), scanned))
    return 0


def cmd_minutes(args: argparse.Namespace) -> int:
    session, rnd = _round(args)
    opinion = minutes.read_opinion(args.opinion)
    count.load_result(rnd)  # an uncounted round is refused before the passphrase is asked
    listed = listed_by_id(session, args.candidates) if args.candidates else None
    path = minutes.write_minutes(
        session, rnd, opinion, _passphrase(args), listed=listed, out=args.out
    )
    print(_("Minutes signed and written to {file}.").format(file=path))
    return 0


def cmd_publicity(args: argparse.Namespace) -> int:
    session, rnd = _round(args)
    start = publicity.parse_date(args.start)
    when = publicity.period(start, publicity.parse_date(args.end) if args.end else None)
    listed = listed_by_id(session, args.candidates)
    publicity.entries(count.load_result(rnd), listed)  # refused before the passphrase
    files = publicity.write_publicity(session, rnd, listed, when, _passphrase(args), args.out)
    print(
        _("Publication period: {start} to {end}, {days} working days.").format(
            start=when.start, end=when.end, days=when.working_days
        )
    )
    print(
        _("Public holidays are not known offline: if the period includes one, give a later --end.")
    )
    for path in files:
        print(path)
    return 0


def _member_round(args: argparse.Namespace) -> Round:
    return read_round_file(args.round_file)


def cmd_request(args: argparse.Namespace) -> int:
    rnd = _member_round(args)
    data = member.request_token(unlock_from_args(args), rnd)
    args.out.write_bytes(data)
    print(_("Hand {file} to the secretariat.").format(file=args.out))
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    rnd = _member_round(args)
    digest = member.accept_token(unlock_from_args(args), rnd, _read(args.response))
    print(_("Your token is signed. It will appear on the bulletin as {hash}.").format(hash=digest))
    return 0


def cmd_cast(args: argparse.Namespace) -> int:
    rnd = _member_round(args)
    choices = member.choices_from_marks(rnd, args.yes, args.no)
    path = member.cast(unlock_from_args(args), rnd, choices, args.out)
    print(_("Ballot written: {file}").format(file=path))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    rnd = _member_round(args)
    if not member.check_bulletin(unlock_from_args(args), rnd, _read(args.bulletin)):
        raise CommandError(_("your ballot is NOT on the bulletin"))
    print(_("Your ballot was counted."))
    return 0
