"""The ``reviewer`` command line.

Exit codes: 0 success; 1 refused or invalid input (a clear message on stderr, never a
traceback; a bug is written to the log file, see ``reviewer.base.crash_log``, and named
on stderr as an internal error); 2 usage error. ``--lang zh|en`` picks the language (zh
by default).
Each command group lives in its own module with a ``register(subparsers)`` function.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from reviewer import __version__
from reviewer.base import crash_log
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _, set_language
from reviewer.cli import (
    aggregate_cmd,
    demo_cmd,
    identity_cmd,
    log_cmd,
    meeting_cmd,
    pack_cmd,
    rubric_cmd,
    session_cmd,
    sheet_cmd,
)

COMMAND_GROUPS = (
    rubric_cmd,
    session_cmd,
    identity_cmd,
    pack_cmd,
    sheet_cmd,
    aggregate_cmd,
    meeting_cmd,
    log_cmd,
    demo_cmd,
)


def _early_language(argv: Sequence[str]) -> None:
    # Help texts are translated when the parser is built, so --lang must be known first.
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value:
            # A bad value is left for argparse to report with the usage text.
            with contextlib.suppress(ValueError):
                set_language(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewer",
        description=_("Reviewer Workstation: rubrics, packs, review sheets and aggregation."),
    )
    parser.add_argument("--version", action="version", version=f"reviewer {__version__}")
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        help=_("language of messages and output (default: zh)"),
    )
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    _early_language(args_list)
    crash_log.install()
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args) or 0)
    except ReviewerError as exc:  # a CommandError, or a refusal a command let through
        print(exc.report(), file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as Unix tools do.
        sys.stderr.close()
        return 1
    except Exception as exc:  # a bug: logged, named, never a traceback on the terminal
        print(crash_log.internal_error_message(crash_log.record_crash(exc)), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
