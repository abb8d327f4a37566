"""``reviewer demo``: build a practice session through the real pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.demo.practice import DEMO_PASSPHRASE, DemoError, build_demo
from reviewer.demo.sheets import write_demo_sheets
from reviewer.station.export import ExportError
from reviewer.station.workstation import WorkstationError


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo", help=_("build a practice session: session, reviewers, candidates and the pack")
    )
    demo.add_argument("--out", type=Path, required=True, metavar=_("DIR"))
    demo.add_argument("--reviewers", type=int, default=3, metavar="N")
    demo.add_argument("--candidates", type=int, default=12, metavar="M")
    demo.add_argument(
        "--sheets",
        action="store_true",
        help=_(
            "also let every reviewer score and sign sheets, into DIR/sheets/<n>/ (reviewer "
            "1's own workspace is left new, for practice)"
        ),
    )
    demo.add_argument(
        "--seal",
        action="store_true",
        help=_("a session whose sheets travel sealed to the secretariat (*.pdf.age)"),
    )
    demo.set_defaults(func=cmd_demo)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        result = build_demo(
            args.out,
            reviewers=args.reviewers,
            candidates=args.candidates,
            progress=say,
            seal=args.seal,
        )
        if args.sheets:
            # Reviewer 1's home stays new: the practice session opens on it.
            sheets = write_demo_sheets(result, say=say, practice=1)
            print(
                _("{n} signed sheets in {folder}").format(
                    n=len(sheets), folder=result.folder / "sheets"
                )
            )
    except (DemoError, OSError, ExportError, WorkstationError) as exc:
        raise CommandError(str(exc)) from None
    print(
        _("Practice session in {folder}; every passphrase is “{pp}”. See README.txt there.").format(
            folder=result.folder, pp=DEMO_PASSPHRASE
        )
    )
    return 0
