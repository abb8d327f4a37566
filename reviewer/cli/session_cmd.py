"""``reviewer session ...``: the secretariat's review session (init, roster, enroll, withdraw,
add-escrow, export-escrow-key, and the planning commands).

Helpers for other command groups that need the secretariat's keys (e.g. ``pack build``):
    session_passphrase_from_args(args) -> str
    secretariat_key(session, passphrase) -> EllipticCurvePrivateKey
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_export_options, add_passphrase_option, export_age_key
from reviewer.crypto.passphrase import PassphraseError, WrongPassphrase, obtain_passphrase
from reviewer.crypto.passphrase_strength import WeakPassphrase
from reviewer.people import ca
from reviewer.people.enrolment import EnrolmentError
from reviewer.people.quorum import quorum_text
from reviewer.people.session import (
    EnrolOutcome,
    Session,
    SessionError,
    add_escrow,
    open_session,
    withdraw,
)
from reviewer.secretariat import setup


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except (SessionError, EnrolmentError, PassphraseError, WrongPassphrase, WeakPassphrase) as exc:
        raise CommandError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    session = sub.add_parser("session", help=_("the secretariat's review session"))
    actions = session.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    init = actions.add_parser(
        "init", help=_("create a session folder with its CA and secretariat certificate")
    )
    init.add_argument("dir", type=Path, metavar=_("DIR"))
    init.add_argument("--name", required=True, help=_("the session's name"))
    init.add_argument(
        "--short-name",
        help=_("what the session's certificates call it, when the name is too long for them"),
    )
    init.add_argument("--programme", help=_("the talent programme the session serves"))
    init.add_argument(
        "--seal",
        action="store_true",
        help=_("require sheets to travel age-encrypted to the secretariat (*.pdf.age)"),
    )
    init.add_argument(
        "--rubric",
        action="append",
        dest="rubrics",
        metavar=_("ID"),
        help=_("a rubric used in the session (repeatable; default: all bundled rubrics)"),
    )
    init.add_argument(
        "--quorum",
        default="2/3",
        help=_(
            "the share of members who must attend the committee's meetings, e.g. 4/5 or "
            "0.75 (default: 2/3)"
        ),
    )
    add_passphrase_option(init)
    init.set_defaults(func=cmd_init)

    roster = actions.add_parser("roster", help=_("list the enrolled reviewers"))
    roster.add_argument("dir", type=Path, metavar=_("DIR"))
    roster.set_defaults(func=cmd_roster)

    enrol = actions.add_parser(
        "enroll", help=_("check an enrolment request, issue the certificate, write the response")
    )
    enrol.add_argument("dir", type=Path, metavar=_("DIR"))
    enrol.add_argument("request", type=Path, metavar=_("REQUEST"))
    enrol.add_argument(
        "--out",
        type=Path,
        metavar=_("RESPONSE"),
        help=_("where to write the response (default: beside the request, *.response.json)"),
    )
    add_passphrase_option(enrol)
    enrol.set_defaults(func=cmd_enroll)

    out = actions.add_parser(
        "withdraw",
        help=_(
            "withdraw a reviewer's certificate: no more packs for it, its sheets refused "
            "(to re-key, enrol their new request afterwards)"
        ),
    )
    out.add_argument("dir", type=Path, metavar=_("DIR"))
    out.add_argument("name", metavar=_("NAME"))
    out.add_argument("--reason", required=True, help=_("why (kept in the roster)"))
    out.set_defaults(func=cmd_withdraw)

    escrow = actions.add_parser(
        "add-escrow",
        help=_(
            "give a session made before escrow the secretariat's own pack recipient "
            "(building a pack adds it too)"
        ),
    )
    escrow.add_argument("dir", type=Path, metavar=_("DIR"))
    add_passphrase_option(escrow)
    escrow.set_defaults(func=cmd_add_escrow)

    export = actions.add_parser(
        "export-escrow-key",
        help=_(
            "write the secretariat's escrow age identity, passphrase-protected in age's "
            "own format, to open the session's packs with the standard age tool"
        ),
    )
    export.add_argument("dir", type=Path, metavar=_("DIR"))
    add_export_options(export)
    add_passphrase_option(export)
    export.set_defaults(func=cmd_export_escrow_key)

    # The panel commands live beside, importing this module's helpers.
    from reviewer.cli import panel_cmd

    panel_cmd.register_actions(actions)


def _open(folder: Path) -> Session:
    with _refusals():
        return open_session(folder)


def session_passphrase_from_args(args: argparse.Namespace) -> str:
    with _refusals():
        return obtain_passphrase(file=args.passphrase_file, prompt=_("Session passphrase: "))


def secretariat_key(session: Session, passphrase: str) -> ec.EllipticCurvePrivateKey:
    with _refusals():
        return session.load_secretariat_key(passphrase)


def cmd_init(args: argparse.Namespace) -> int:
    with _refusals():
        # Both before the passphrase is typed twice for nothing.
        setup.read_quorum(args.quorum)
        setup.check_new_folder(args.dir)
        passphrase = obtain_passphrase(
            file=args.passphrase_file,
            prompt=_("New session passphrase (protects the session CA): "),
            confirm=True,
        )
        session = setup.new_session(
            args.dir,
            args.name,
            passphrase,
            programme=args.programme,
            rubric_ids=args.rubrics,
            seal_sheets=args.seal,
            short_name=args.short_name,
            quorum=args.quorum,
        )
    print(
        _("Created session {name} ({id}) in {folder}").format(
            name=session.name, id=session.id, folder=session.folder
        )
    )
    print(_("Rubrics: {ids}").format(ids=", ".join(r.id for r in session.rubrics)))
    print(
        _("Quorum: {quorum} of the members must attend the committee's meetings").format(
            quorum=quorum_text(session.quorum)
        )
    )
    fingerprint = ca.certificate_fingerprint(session.ca_certificate)
    print(_("Session CA SHA-256: {fp}").format(fp=fingerprint))
    if session.seal_recipient:
        print(
            _("Sheets are sealed to the secretariat: {recipient}").format(
                recipient=session.seal_recipient
            )
        )
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    session = _open(args.dir)
    print(_("Session {name} ({id})").format(name=session.name, id=session.id))
    if not session.roster:
        print(_("No reviewers enrolled yet."))
        return 0
    print(
        "\t".join(
            (_("Name"), _("Certificate SHA-256"), _("age recipient"), _("Enrolled"), _("Withdrawn"))
        )
    )
    for entry in session.roster:
        withdrawn = ""
        if entry.withdrawn is not None:
            withdrawn = f"{_iso(entry.withdrawn.at)} {entry.withdrawn.reason}"
        print(
            f"{entry.name}\t{entry.certificate_fingerprint}\t{entry.age_recipient}\t"
            f"{_iso(entry.enrolled)}\t{withdrawn}"
        )
    return 0


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def cmd_withdraw(args: argparse.Namespace) -> int:
    session = _open(args.dir)
    with _refusals():
        entry = withdraw(session, args.name, args.reason)
    print(
        _(
            "Withdrew {name} (certificate SHA-256 {fp}): new packs are not encrypted to it and "
            "its sheets are refused."
        ).format(name=entry.name, fp=entry.certificate_fingerprint)
    )
    return 0


def cmd_add_escrow(args: argparse.Namespace) -> int:
    session = _open(args.dir)
    if session.escrow_recipient is not None:
        print(
            _("The session already has its escrow recipient: {r}").format(
                r=session.escrow_recipient
            )
        )
        return 0
    with _refusals():
        session = add_escrow(session, session_passphrase_from_args(args))
    print(
        _("Added the escrow identity; new packs are also encrypted to {r}").format(
            r=session.escrow_recipient
        )
    )
    return 0


def cmd_export_escrow_key(args: argparse.Namespace) -> int:
    session = _open(args.dir)
    with _refusals():
        identity = session.load_escrow_identity(session_passphrase_from_args(args))
    export_age_key(identity, args, _("the secretariat of this session"))
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    session = _open(args.dir)
    request_path: Path = args.request
    out: Path = args.out or setup.response_path(request_path)
    with _refusals():
        pending = setup.read_request(session, request_path)
        passphrase = None
        if not pending.already_enrolled:
            passphrase = obtain_passphrase(
                file=args.passphrase_file, prompt=_("Session passphrase: ")
            )
        enrolled = setup.enrol(session, pending, passphrase, out)
    entry, outcome = enrolled.entry, enrolled.outcome
    if outcome is EnrolOutcome.EXISTING:
        print(
            _("{name} was already enrolled; the response was written again.").format(
                name=entry.name
            )
        )
    else:
        print(
            _("Enrolled {name}; certificate SHA-256 {fp}").format(
                name=entry.name, fp=entry.certificate_fingerprint
            )
        )
    print(_("Response written to {file}; give it back to the reviewer.").format(file=out))
    return 0
