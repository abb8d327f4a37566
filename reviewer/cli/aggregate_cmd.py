"""``reviewer aggregate SESSION_DIR SHEETS_DIR --out DIR``: verify, aggregate, report.

Exit 0 when the reports were written; 3 when they were written but some candidates are
held (two different sheets claim one version, or one candidate's sheets use different
rubrics: those candidates are listed in ``conflicts.csv`` without a result, every other
result stands); 1 when no sheet was counted or on any error, with a message on stderr.
Progress goes to stderr.

The pipeline is ``reviewer.secretariat.service.Secretariat``'s, as in the secretariat
window; this module is the arguments, the messages and the exit code.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.crypto.passphrase import PassphraseError, WrongPassphrase, obtain_passphrase
from reviewer.pack.candidates import CandidatesError
from reviewer.people.session import SessionError
from reviewer.secretariat.aggregate import AggregateOptions, Method
from reviewer.secretariat.intake import AggregateError, ImportProgress
from reviewer.secretariat.report import ReportError
from reviewer.secretariat.service import Secretariat, counts_line
from reviewer.secretariat.tables import conflict_lines
from reviewer.sheet.sign import SheetSigningError

# Reports written, but some candidates' results wait for a conflict to be resolved: not
# a failure (1), yet a script must be able to tell it from a complete result (0).
HELD_EXIT = 3


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a whole number")) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("expected at least 1"))
    return value


def _points(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(_("expected a number")) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(_("expected a number from 0 to 100"))
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "aggregate",
        help=_("verify a folder of sheets, aggregate the scores and write the reports"),
    )
    p.add_argument("session", type=Path, metavar=_("SESSION_DIR"))
    p.add_argument("sheets", type=Path, metavar=_("SHEETS_DIR"))
    p.add_argument("--out", type=Path, required=True, metavar=_("DIR"))
    p.add_argument(
        "--method",
        choices=[m.value for m in Method],
        default=Method.TRIMMED.value,
        help=_("ranking method (default: trimmed)"),
    )
    p.add_argument(
        "--pack",
        type=Path,
        action="append",
        default=[],
        metavar=_("PACK"),
        help=_(
            "a pack built for this session (repeat for several); sheets from others are refused"
        ),
    )
    p.add_argument(
        "--candidates",
        type=Path,
        metavar=_("FILE"),
        help=_("the candidate list (CSV or XLSX) the packs were built from"),
    )
    p.add_argument(
        "--quorum",
        type=_positive,
        default=AggregateOptions.quorum,
        metavar="N",
        help=_("minimum valid sheets per candidate (default: 3)"),
    )
    p.add_argument(
        "--trim-min",
        type=_positive,
        default=AggregateOptions.trim_min,
        metavar="N",
        help=_("trim the highest and lowest score from this many scores on (default: 5)"),
    )
    p.add_argument(
        "--disagreement",
        type=_points,
        default=AggregateOptions.disagreement,
        metavar="X",
        help=_("flag candidates whose scores span more than X points (default: 20)"),
    )
    p.add_argument(
        "--calibrate", action="store_true", help=_("also rank on calibrated (z-score) scores")
    )
    p.add_argument(
        "--calibration-min",
        type=_positive,
        default=AggregateOptions.calibration_min,
        metavar="N",
        help=_("calibrate only reviewers with at least N scores (default: 5)"),
    )
    p.add_argument(
        "--workers", type=_positive, default=2, metavar="N", help=_("verifying processes")
    )
    p.add_argument(
        "--no-cache", action="store_true", help=_("verify every sheet again, ignoring the cache")
    )
    p.add_argument("--passphrase-file", type=Path, metavar=_("FILE"))
    p.set_defaults(func=cmd_aggregate)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _Progress:
    """One line on stderr, redrawn on a terminal, every 10% otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, p: ImportProgress) -> None:
        if p.total == 0:
            return
        step = p.done * 10 // p.total
        if not self.tty and step == self.last and p.done != p.total:
            return
        self.last = step
        text = _("verified {done}/{total} sheets ({cached} from the cache)").format(
            done=p.done, total=p.total, cached=p.from_cache
        )
        if self.tty:
            print("\r" + text, end="\n" if p.done == p.total else "", file=sys.stderr, flush=True)
        else:
            _say(text)


def cmd_aggregate(args: argparse.Namespace) -> int:
    try:
        secretariat = Secretariat.open(args.session)
    except SessionError as exc:
        raise CommandError(str(exc)) from None

    packs = None
    if args.pack:
        try:
            packs = secretariat.read_packs(args.pack)
        except AggregateError as exc:
            raise CommandError(str(exc)) from None

    candidates = None
    if args.candidates:
        try:
            candidates = secretariat.read_candidates(args.candidates)
        except CandidatesError as exc:
            raise CommandError(exc.report()) from None

    # Ask for the passphrase before the long part, so a wrong one fails at once.
    try:
        passphrase = obtain_passphrase(
            file=args.passphrase_file,
            prompt=_("Session passphrase (to sign the summary): "),
        )
        secretariat.unlock(passphrase)
    except (PassphraseError, SessionError, SheetSigningError, WrongPassphrase) as exc:
        raise CommandError(str(exc)) from None

    _say(_("verifying the sheets in {folder}").format(folder=args.sheets))
    try:
        imported = secretariat.import_sheets(
            args.sheets,
            packs=packs,
            candidates=candidates,
            workers=args.workers,
            use_cache=not args.no_cache,
            progress=_Progress(),
        )
    except AggregateError as exc:
        raise CommandError(str(exc)) from None
    if imported.cache_note:
        _say(imported.cache_note)

    options = AggregateOptions(
        method=Method(args.method),
        quorum=args.quorum,
        trim_min=args.trim_min,
        disagreement=args.disagreement,
        calibrate=args.calibrate,
        calibration_min=args.calibration_min,
    )
    result = secretariat.aggregate(options)
    try:
        written = secretariat.write_reports(args.out, result, progress=_say)
    except (ReportError, SheetSigningError) as exc:
        raise CommandError(str(exc)) from None

    _say(counts_line(result))
    if not imported.packs_checked:
        _say(_("warning: no --pack given; the pack each sheet was made from was not checked"))
    if not imported.counted:
        # Reports of nothing are no result: a wrong folder, or every sheet refused.
        raise CommandError(
            _(
                "no sheet was counted ({refused} refused): check the folder and refused.csv "
                "in {folder}"
            ).format(refused=len(imported.refused), folder=written.folder)
        )
    _say(
        _("wrote {files} to {folder}").format(files=", ".join(written.files), folder=written.folder)
    )
    if result.has_conflicts:
        for line in conflict_lines(result):
            _say(line)
        _say(
            _(
                "held until the conflicts are resolved (remove the wrong sheets and run "
                "again): {ids}; every other result was written"
            ).format(ids=", ".join(result.held))
        )
        return HELD_EXIT
    return 0
