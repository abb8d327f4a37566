"""``reviewer rubric list|show|check``."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from reviewer.base.i18n import _, join_list
from reviewer.cli.errors import CommandError
from reviewer.rubric.file import RubricError, bundled_rubrics, find_rubric, load_rubric_file
from reviewer.rubric.model import Rubric, canonical_decimal


def register(sub: argparse._SubParsersAction) -> None:
    rubric = sub.add_parser("rubric", help=_("browse and check rubrics"))
    actions = rubric.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    listing = actions.add_parser("list", help=_("list the bundled rubrics with fingerprints"))
    listing.set_defaults(func=cmd_list)

    show = actions.add_parser("show", help=_("show one rubric in full"))
    show.add_argument("rubric_id", metavar="ID")
    show.set_defaults(func=cmd_show)

    check = actions.add_parser(
        "check", help=_("validate a rubric file; list every problem (exit 1 if any)")
    )
    check.add_argument("file", type=Path, metavar=_("FILE"))
    check.set_defaults(func=cmd_check)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _bundled() -> list[Rubric]:
    try:
        return bundled_rubrics()
    except RubricError as exc:
        raise CommandError(exc.report()) from None


def cmd_list(args: argparse.Namespace) -> int:
    rows = [(r.id, r.category.get(), str(len(r.criteria)), r.fingerprint) for r in _bundled()]
    header = (_("ID"), _("Category"), _("Criteria"), _("Fingerprint (SHA-256)"))
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    rubric = _find(args.rubric_id)
    print(describe_rubric(rubric))
    return 0


def _find(rubric_id: str) -> Rubric:
    try:
        rubric = find_rubric(rubric_id)
    except RubricError as exc:
        raise CommandError(exc.report()) from None
    if rubric is None:
        known = ", ".join(r.id for r in _bundled())
        raise CommandError(
            _("no rubric with id {id!r}; known ids: {known}").format(id=rubric_id, known=known)
        )
    return rubric


def describe_rubric(r: Rubric) -> str:
    """A plain-text rendering: the category, its checks, then each criterion with its
    plan quote (always in Chinese: it is the plan's own wording) and level bands."""
    lines = [
        f"{r.category.get()} ({r.id}, {_('version')} {r.version})",
        _("Fingerprint: {fp}").format(fp=r.fingerprint),
        _("Plan, section {section}: “{quote}”").format(
            section=r.source.section, quote=r.source.quote
        ),
        "",
        _("Checks before scoring (不通过 is a veto, 一票否决):"),
    ]
    for check in r.checks:
        aspects = join_list(a.get() for a in check.aspects)
        lines.append(f"  - {check.name.get()}: {aspects}")
        lines.append(
            "    "
            + _("Plan, section {section}: “{quote}”").format(
                section=check.source.section, quote=check.source.quote
            )
        )
        lines.append("    " + check.guidance.get())
    lines.append("")
    lines.append(_("Criteria:"))
    for i, c in enumerate(r.criteria, 1):
        marks = _(" [representative works]") if c.representative_works else ""
        lines.append(
            f"  {i}. {c.name.get()} ({c.id}){marks}: "
            + _("weight {w}%, 0–{max} in steps of {step}").format(
                w=canonical_decimal(c.weight),
                max=canonical_decimal(c.max_score),
                step=canonical_decimal(c.step),
            )
        )
        lines.append(
            "     "
            + _("Plan, section {section}: “{quote}”").format(
                section=c.source.section, quote=c.source.quote
            )
        )
        for band in reversed(c.bands):
            lines.append(
                f"     {band.level.label()} {canonical_decimal(band.low)}–"
                f"{canonical_decimal(band.high)}: {band.description.get()}"
            )
    lines.append("")
    lines.append(_("Total (100 points):"))
    for band in reversed(r.total_bands):
        lines.append(
            f"  {band.level.label()} {canonical_decimal(band.low)}–"
            f"{canonical_decimal(band.high)}: {band.description.get()}"
        )
    lines.append(
        _("Recommendations: {options}").format(
            options=" / ".join(x.name.get() for x in r.recommendations)
        )
    )
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    try:
        rubric = load_rubric_file(args.file)
    except RubricError as exc:
        raise CommandError(
            exc.report() + "\n" + _("{n} problem(s) found.").format(n=len(exc.problems))
        ) from None
    print(
        _("{file}: valid rubric {id} ({category}), {n} criteria, fingerprint {fp}").format(
            file=args.file,
            id=rubric.id,
            category=rubric.category.get(),
            n=len(rubric.criteria),
            fp=rubric.fingerprint,
        )
    )
    return 0
