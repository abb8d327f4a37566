"""``reviewer session draw|affiliation|conflicts`` and the planning half of ``pack
build`` (who gets which candidates): forming the panels before packs are built.

Helpers for ``pack build``:
    add_assignment_options(parser)
    plan_packs(args, session, rows, roster) -> dict[reviewer, (candidate id, ...)] | None
        None: no assignment and no confirmed conflict, one pack for everyone
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_passphrase_option
from reviewer.cli.session_cmd import session_passphrase_from_args
from reviewer.pack.candidates import CandidateRow
from reviewer.panel import conflicts
from reviewer.people.session import RosterEntry, Session, open_session, set_affiliation
from reviewer.secretariat import planning, setup
from reviewer.secretariat.setup import flag_line


def register_actions(actions: argparse._SubParsersAction) -> None:
    draw = actions.add_parser(
        "draw",
        help=_("draw reviewers at random from an expert pool, with a published seed"),
    )
    draw.add_argument("dir", type=Path, metavar=_("DIR"))
    draw.add_argument(
        "--pool",
        required=True,
        type=Path,
        metavar=_("FILE"),
        help=_("the expert pool (CSV or XLSX: 姓名, 类别, 工作单位)"),
    )
    draw.add_argument(
        "--per-category", required=True, type=int, metavar="N", help=_("experts drawn a category")
    )
    draw.add_argument(
        "--category",
        action="append",
        dest="categories",
        metavar=_("ID"),
        help=_("a category to draw for (repeatable; default: every category in the pool)"),
    )
    draw.add_argument(
        "--seed", help=_("the seed announced beforehand (default: a new one, printed)")
    )
    draw.set_defaults(func=cmd_draw)

    unit = actions.add_parser(
        "affiliation", help=_("record a reviewer's 工作单位, for the conflict rules")
    )
    unit.add_argument("dir", type=Path, metavar=_("DIR"))
    unit.add_argument("name", metavar=_("NAME"))
    unit.add_argument("affiliation", metavar=_("AFFILIATION"), help=_("empty to clear it"))
    unit.set_defaults(func=cmd_affiliation)

    check = actions.add_parser(
        "conflicts",
        help=_(
            "flag conflicts of interest by rule; with --decisions, sign the secretariat's "
            "decisions into conflicts.json"
        ),
    )
    check.add_argument("dir", type=Path, metavar=_("DIR"))
    check.add_argument("--candidates", required=True, type=Path, metavar=_("FILE"))
    check.add_argument(
        "--relations",
        type=Path,
        metavar=_("FILE"),
        help=_("declared relations and candidates' exclusions (编号, 评审专家, 类型, 说明)"),
    )
    check.add_argument(
        "--decisions",
        type=Path,
        metavar=_("FILE"),
        help=_("one decision a flag (编号, 评审专家, 决定: 确认|不回避, 理由)"),
    )
    add_passphrase_option(check)
    check.set_defaults(func=cmd_conflicts)


def add_assignment_options(parser: argparse.ArgumentParser) -> None:
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--assignment",
        type=Path,
        metavar=_("FILE"),
        help=_("who reviews whom, by hand (rows of 编号 or 类别, and 评审专家)"),
    )
    how.add_argument(
        "--per-candidate",
        type=int,
        metavar="N",
        help=_("assign N reviewers to each candidate automatically, loads balanced"),
    )
    parser.add_argument(
        "--groups",
        type=Path,
        metavar=_("FILE"),
        help=_("with --per-candidate: each category's panel (rows of 类别, 评审专家)"),
    )


def cmd_draw(args: argparse.Namespace) -> int:
    session = open_session(args.dir)
    done = planning.draw_experts(session, args.pool, args.per_category, args.categories, args.seed)
    print(_("Seed: {seed} (publish it: anyone can re-run the draw)").format(seed=done.draw.seed))
    print(_("Pool: {file}, SHA-256 {sha}").format(file=args.pool, sha=done.draw.pool_sha256))
    for c in done.draw.categories:
        print(f"{c.category}: {', '.join(c.drawn)}")
    print(_("Recorded in {file}").format(file=done.record))
    return 0


def cmd_affiliation(args: argparse.Namespace) -> int:
    entry = set_affiliation(open_session(args.dir), args.name, args.affiliation)
    print(
        _("{name}: affiliation {affiliation}").format(
            name=entry.name, affiliation=entry.affiliation or "—"
        )
    )
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    session = open_session(args.dir)
    candidates = planning.planning_candidates(session, args.candidates)
    flags = planning.review_conflicts(session, candidates, args.relations).flags
    print(_("{n} flagged pair(s)").format(n=len(flags)))
    for flag in flags:
        print(flag_line(flag))
    if args.decisions is None:
        if flags:
            print(_("Decide each flag in a file and run again with --decisions FILE."))
        return 0
    names = [e.name for e in session.active]
    decisions = conflicts.read_decisions(args.decisions, [c.id for c in candidates], names)
    # The decisions are checked before the passphrase is asked for nothing.
    conflicts.decide(session.id, flags, decisions)
    signed = planning.sign_conflicts(session, session_passphrase_from_args(args), flags, decisions)
    print(
        _("Wrote {file}: {c} confirmed, {o} overridden").format(
            file=signed.path, c=signed.confirmed, o=signed.overridden
        )
    )
    return 0


def plan_packs(
    args: argparse.Namespace,
    session: Session,
    rows: Sequence[CandidateRow],
    roster: Sequence[RosterEntry],
) -> dict[str, tuple[str, ...]] | None:
    """``setup.plan_packs`` with the command's options."""
    if args.groups is not None and args.per_candidate is None:
        raise CommandError(_("--groups goes with --per-candidate"))
    return setup.plan_packs(
        session,
        rows,
        roster,
        assignment_file=args.assignment,
        per_candidate=args.per_candidate,
        groups_file=args.groups,
    )
