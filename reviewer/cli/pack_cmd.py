"""``reviewer pack template|build|inspect``: the dossier pack from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyrage
from cryptography import x509

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_identity_options, add_passphrase_option, unlock_from_args
from reviewer.cli.panel_cmd import add_assignment_options, plan_packs
from reviewer.cli.session_cmd import session_passphrase_from_args
from reviewer.crypto.passphrase import WrongPassphrase
from reviewer.pack.build import BuildProgress
from reviewer.pack.candidates import (
    CandidatesError,
    write_template,
)
from reviewer.pack.errors import PackError
from reviewer.pack.reader import open_pack, read_header
from reviewer.people import ca
from reviewer.people.session import (
    SessionError,
    open_session,
)
from reviewer.secretariat import setup


def register(sub: argparse._SubParsersAction) -> None:
    pack = sub.add_parser("pack", help=_("build and inspect dossier packs"))
    actions = pack.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    template = actions.add_parser(
        "template", help=_("write an empty candidates file (.csv or .xlsx) with its headers")
    )
    template.add_argument("--out", type=Path, required=True, metavar=_("FILE"))
    template.set_defaults(func=cmd_template)

    build = actions.add_parser(
        "build", help=_("build a signed, encrypted pack for the enrolled reviewers")
    )
    build.add_argument("session", type=Path, metavar=_("DIR"), help=_("the session folder"))
    build.add_argument("--candidates", type=Path, required=True, metavar=_("FILE"))
    build.add_argument("--materials", type=Path, required=True, metavar=_("FOLDER"))
    build.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=_("PACK"),
        help=_(
            "the pack; where reviewers get different candidates (an assignment or a "
            "confirmed conflict), a new folder for one pack per reviewer"
        ),
    )
    build.add_argument(
        "--for",
        dest="names",
        action="append",
        metavar=_("NAME"),
        help=_("encrypt to this reviewer only (repeatable; default: the whole roster)"),
    )
    build.add_argument(
        "--min-watched",
        type=_percent,
        metavar=_("PERCENT"),
        help=_(
            "reviewers must watch this share (1-100) of each audio or video work before "
            "scoring a criterion on representative works (default: no such rule)"
        ),
    )
    add_assignment_options(build)
    add_passphrase_option(build)
    build.set_defaults(func=cmd_build)

    inspect = actions.add_parser(
        "inspect",
        help=_(
            "verify a pack and list its candidates (a reviewer's, or with --session the "
            "secretariat's own, with its escrow identity)"
        ),
    )
    inspect.add_argument("pack", type=Path, metavar=_("PACK"))
    inspect.add_argument(
        "--session",
        type=Path,
        metavar=_("DIR"),
        help=_("open the pack as the secretariat of this session folder"),
    )
    add_identity_options(inspect)
    inspect.set_defaults(func=cmd_inspect)


def _percent(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a whole percentage from 1 to 100").format(value=text)
        )
    return value


def cmd_template(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(_("the template must be a .csv or .xlsx file"))
    try:
        path = write_template(args.out)
    except OSError as exc:
        raise CommandError(
            _("cannot write {file}: {error}").format(file=args.out, error=exc.strerror)
        ) from None
    print(_("Wrote {file}").format(file=path))
    return 0


def _progress(p: BuildProgress) -> None:
    if p.total:
        percent = int(100 * p.done / p.total)
        print(f"\r{_(p.stage)} {percent:3d}%", end="", file=sys.stderr, flush=True)
        if p.done >= p.total:
            print(file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    try:
        session = open_session(args.session)
    except SessionError as exc:
        raise CommandError(str(exc)) from None
    try:
        rows = setup.read_pack_candidates(session, args.candidates, args.materials)
    except CandidatesError as exc:
        raise CommandError(exc.report()) from None
    roster = setup.pack_roster(session, args.names)
    plan = plan_packs(args, session, rows, roster)
    passphrase = session_passphrase_from_args(args)
    try:
        built = setup.build_packs(
            session,
            passphrase,
            rows,
            roster,
            plan,
            args.out,
            min_watched_percent=args.min_watched,
            progress=_progress,
        )
    except PackError as exc:
        raise CommandError(exc.message, problems=exc.problems) from None
    except (SessionError, WrongPassphrase) as exc:
        raise CommandError(str(exc)) from None
    if built.escrow_added:
        print(_("Added the secretariat's escrow identity to the session (ca/escrow.key)."))
    for outcome in built.outcomes:
        if outcome.built is None:
            print(_("{name}: no candidate assigned, no pack").format(name=outcome.reviewer))
            continue
        pack = outcome.built
        wrote = _("Wrote {file}: pack {id}, {n} candidates, {a} attachments, for {r} reviewer(s)")
        print(
            wrote.format(
                file=pack.path,
                id=pack.pack_id,
                n=pack.candidates,
                a=pack.attachments,
                r=pack.recipients,
            )
        )
    return 0


def _as_secretariat(
    args: argparse.Namespace, pack_session: str
) -> tuple[pyrage.x25519.Identity, x509.Certificate, str]:
    """The escrow identity, trust anchor and pinned signer of the session folder."""
    try:
        session = open_session(args.session)
    except SessionError as exc:
        raise CommandError(str(exc)) from None
    if session.id != pack_session:
        raise CommandError(
            _("this pack is for session {pack}, not for {session} ({id})").format(
                pack=pack_session, session=session.name, id=session.id
            )
        )
    passphrase = session_passphrase_from_args(args)
    try:
        identity = session.load_escrow_identity(passphrase)
    except (SessionError, WrongPassphrase) as exc:
        raise CommandError(str(exc)) from None
    return (
        identity,
        session.ca_certificate,
        ca.certificate_fingerprint(session.secretariat_certificate),
    )


def cmd_inspect(args: argparse.Namespace) -> int:
    try:
        header = read_header(args.pack)
    except PackError as exc:
        raise CommandError(exc.message, problems=exc.problems) from None
    pinned: str | None
    if args.session is not None:
        identity, anchor, pinned = _as_secretariat(args, header.session_id)
    else:
        me = unlock_from_args(args)
        enrolment = me.enrolments.get(header.session_id)
        if enrolment is None:
            raise CommandError(
                _(
                    "this pack is for session {session}, in which you are not enrolled; "
                    "import the enrolment response from the secretariat first"
                ).format(session=header.session_id)
            )
        identity, anchor = me.age_identity, enrolment.ca_certificate
        pinned = enrolment.secretariat_sha256
    try:
        with open_pack(
            args.pack,
            identity,
            anchor,
            expected_session_id=header.session_id,
            secretariat_sha256=pinned,
        ) as opened:
            manifest = opened.manifest
            print(_("Pack {id}").format(id=opened.pack_id))
            print(
                _("Session: {name} ({id})").format(name=manifest.session_name, id=opened.session_id)
            )
            print(_("Signed by: {name}").format(name=opened.signer_name))
            print(_("Manifest SHA-256: {sha}").format(sha=opened.manifest_sha256))
            print(
                _("{n} candidates, {a} attachments").format(
                    n=len(manifest.candidates), a=len(manifest.attachments)
                )
            )
            for c in manifest.candidates:
                rubric = manifest.rubric(c.category)
                category = c.category if rubric is None else rubric.canonical["category"]["zh"]
                print(f"  {c.id}  {c.name}  {category}  " + _("{n} works").format(n=len(c.works)))
    except PackError as exc:
        raise CommandError(exc.message, problems=exc.problems) from None
    return 0
