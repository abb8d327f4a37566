"""``reviewer demo``: build a practice session through the real pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewer.cli.errors import CommandError
from reviewer.demo import DEMO_PASSPHRASE, DemoError, build_demo
from reviewer.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo", help=_("build a practice session: session, reviewers, candidates and the pack")
    )
    demo.add_argument("--out", type=Path, required=True, metavar=_("DIR"))
    demo.add_argument("--reviewers", type=int, default=3, metavar="N")
    demo.add_argument("--candidates", type=int, default=12, metavar="M")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        result = build_demo(
            args.out,
            reviewers=args.reviewers,
            candidates=args.candidates,
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    except (DemoError, OSError) as exc:
        raise CommandError(str(exc)) from None
    print(
        _("Practice session in {folder}; every passphrase is “{pp}”. See README.txt there.").format(
            folder=result.folder, pp=DEMO_PASSPHRASE
        )
    )
    return 0
