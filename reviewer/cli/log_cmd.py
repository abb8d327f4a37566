"""``reviewer log verify|show``: the reviewer's tamper-evident audit log."""

from __future__ import annotations

import argparse

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_identity_options
from reviewer.crypto.passphrase import PassphraseError, obtain_passphrase
from reviewer.people.home import resolve_home
from reviewer.station.workstation import Workstation, WorkstationError
from reviewer.workspace.store import WorkspaceError


def register(sub: argparse._SubParsersAction) -> None:
    log = sub.add_parser("log", help=_("the reviewer's audit log"))
    actions = log.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    verify = actions.add_parser(
        "verify", help=_("check the hash chain; report the first broken link (exit 1)")
    )
    add_identity_options(verify)
    verify.set_defaults(func=cmd_verify)
    show = actions.add_parser("show", help=_("print the log readably"))
    add_identity_options(show)
    show.set_defaults(func=cmd_show)


def _open(args: argparse.Namespace) -> Workstation:
    try:
        station = Workstation(resolve_home(args.home))
        if not station.workspace.initialised:
            station.close()
            raise CommandError(_("there is no workspace here yet: nothing has been recorded"))
        station.unlock(
            obtain_passphrase(
                file=args.passphrase_file,
                prompt=_("Passphrase for {name}: ").format(name=station.name),
            )
        )
    except (WorkstationError, PassphraseError) as exc:
        raise CommandError(str(exc)) from None
    return station


def cmd_verify(args: argparse.Namespace) -> int:
    station = _open(args)
    try:
        report = station.workspace.verify_log()
    except WorkspaceError as exc:
        raise CommandError(str(exc)) from None
    finally:
        station.close()
    if report.ok:
        print(_("the audit log is intact: {n} events").format(n=report.checked))
        return 0
    raise CommandError(
        _(
            "the audit log is broken at event {seq}: {reason} ({n} events before it are intact)"
        ).format(seq=report.broken_at, reason=report.reason, n=report.checked)
    )


def cmd_show(args: argparse.Namespace) -> int:
    station = _open(args)
    try:
        events = station.workspace.events()
        report = station.workspace.verify_log()
    except WorkspaceError as exc:
        raise CommandError(str(exc)) from None
    finally:
        station.close()
    for event in events:
        print(f"{event.seq:6d}  {event.at}  {event.describe()}")
    if not report.ok:
        print(
            _("warning: the audit log is broken at event {seq}: {reason}").format(
                seq=report.broken_at, reason=report.reason
            )
        )
        return 1
    return 0
