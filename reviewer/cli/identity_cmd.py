"""``reviewer identity ...``: the reviewer's keys on their own laptop (new, show, accept,
request, export-age-key).

Helpers for other command groups that need the reviewer's keys (e.g. ``pack inspect``):
    add_identity_options(parser)            -- --home DIR and --passphrase-file FILE
    unlock_from_args(args, store=None) -> UnlockedIdentity
    add_export_options(parser); export_age_key(identity, args, whose)  -- export-age-key
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyrage import x25519

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.crypto.age_export import KeyExportError, export_identity
from reviewer.crypto.passphrase import ENV_VAR, PassphraseError, WrongPassphrase, obtain_passphrase
from reviewer.crypto.passphrase_strength import WeakPassphrase, require_strong
from reviewer.crypto.secret_store import SecretStore, default_store
from reviewer.people import ca
from reviewer.people.enrolment import (
    MAX_RESPONSE_BYTES,
    EnrolmentError,
    parse_response,
    read_capped,
)
from reviewer.people.home import identity_exists, resolve_home
from reviewer.people.identity import (
    AcceptOutcome,
    Identity,
    IdentityError,
    UnlockedIdentity,
    create_identity,
    load_identity,
    write_request,
)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except (IdentityError, EnrolmentError, PassphraseError, WrongPassphrase) as exc:
        raise CommandError(str(exc)) from None


def add_home_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        type=Path,
        metavar=_("DIR"),
        help=_("the reviewer's home folder (default: $REVIEWER_HOME, else the user data folder)"),
    )


def add_passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar=_("FILE"),
        help=_(
            "read the passphrase from FILE (or set REVIEWER_PASSPHRASE); for scripts only: "
            "anyone who can read the file can use your keys"
        ),
    )


def add_identity_options(parser: argparse.ArgumentParser) -> None:
    add_home_option(parser)
    add_passphrase_option(parser)


def register(sub: argparse._SubParsersAction) -> None:
    identity = sub.add_parser("identity", help=_("the reviewer's keys and enrolments"))
    actions = identity.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    new = actions.add_parser(
        "new", help=_("create your keys and write an enrolment request for the secretariat")
    )
    new.add_argument("--name", required=True, help=_("your name as it will appear on sheets"))
    new.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar=_("REQUEST"),
        help=_("where to write the enrolment request"),
    )
    new.add_argument(
        "--remember",
        action="store_true",
        help=_("remember the passphrase in the OS keyring, if there is one"),
    )
    add_identity_options(new)
    new.set_defaults(func=cmd_new)

    show = actions.add_parser("show", help=_("show your name, fingerprints and enrolments"))
    add_home_option(show)
    show.set_defaults(func=cmd_show)

    accept = actions.add_parser(
        "accept", help=_("install an enrolment response from the secretariat")
    )
    accept.add_argument("response", type=Path, metavar=_("RESPONSE"))
    add_home_option(accept)
    accept.set_defaults(func=cmd_accept)

    request = actions.add_parser(
        "request", help=_("write your enrolment request again (e.g. for another session)")
    )
    request.add_argument("--out", required=True, type=Path, metavar=_("REQUEST"))
    add_identity_options(request)
    request.set_defaults(func=cmd_request)

    export = actions.add_parser(
        "export-age-key",
        help=_(
            "write your age identity, passphrase-protected in age's own format, to decrypt "
            "packs with the standard age tool"
        ),
    )
    add_export_options(export)
    export.add_argument(
        "--session",
        type=Path,
        metavar=_("DIR"),
        help=_("export the secretariat's escrow identity of this session folder instead"),
    )
    add_identity_options(export)
    export.set_defaults(func=cmd_export_age_key)


def add_export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, metavar=_("FILE"))
    parser.add_argument(
        "--export-passphrase-file",
        type=Path,
        metavar=_("FILE"),
        help=_("read the new passphrase of the exported file from FILE (default: ask twice)"),
    )


def export_age_key(identity: x25519.Identity, args: argparse.Namespace, whose: str) -> None:
    """Write ``identity`` to ``args.out`` under a new passphrase, warning first."""
    print(
        _(
            "WARNING: whoever holds {file} and its passphrase can read every pack sent to "
            "{whose}. Keep it offline and delete it when the audit is done."
        ).format(file=args.out, whose=whose),
        file=sys.stderr,
    )
    if args.out.exists():
        raise CommandError(
            _("{file} exists; the key is never written over another file").format(file=args.out)
        )
    with _refusals():
        # Never REVIEWER_PASSPHRASE: the export must not share the keys' passphrase.
        passphrase = obtain_passphrase(
            file=args.export_passphrase_file,
            prompt=_("New passphrase for the exported key: "),
            confirm=True,
            environ={},
        )
    try:
        require_strong(passphrase)
        export_identity(identity, args.out, passphrase)
    except (WeakPassphrase, KeyExportError) as exc:
        raise CommandError(str(exc)) from None
    print(_("Wrote {file}. To use it with age:").format(file=args.out))
    print(f"  age -d -o key.txt {args.out}")
    print("  age -d -i key.txt manifest.json.age")


def _load(args: argparse.Namespace) -> Identity:
    with _refusals():
        return load_identity(resolve_home(args.home))


def unlock_from_args(
    args: argparse.Namespace, store: SecretStore | None = None
) -> UnlockedIdentity:
    """Unlock with --passphrase-file, REVIEWER_PASSPHRASE, the remembered passphrase, or a
    prompt, in that order. A remembered passphrase that no longer works is skipped."""
    identity = _load(args)
    explicit = args.passphrase_file is not None or bool(os.environ.get(ENV_VAR))
    if not explicit:
        remembered = (store or default_store()).get(identity.key_fingerprint)
        if remembered:
            try:
                return identity.unlock(remembered)
            except WrongPassphrase:
                pass  # changed since it was remembered: ask instead
    with _refusals():
        passphrase = obtain_passphrase(
            file=args.passphrase_file,
            prompt=_("Passphrase for {name}: ").format(name=identity.name),
        )
        return identity.unlock(passphrase)


def cmd_new(args: argparse.Namespace) -> int:
    home = resolve_home(args.home)
    out: Path = args.out
    if not out.parent.is_dir():
        raise CommandError(_("the folder {folder} does not exist").format(folder=out.parent))
    with _refusals():
        try:
            name = ca.check_person_name(args.name)
        except ca.CertificateError as exc:
            raise IdentityError(str(exc)) from None
        if identity_exists(home):  # checked before asking for a passphrase in vain
            raise IdentityError(
                _("an identity already exists in {home}; use another --home").format(home=home)
            )
        passphrase = obtain_passphrase(
            file=args.passphrase_file,
            prompt=_("New passphrase for your keys: "),
            confirm=True,
        )
        try:
            require_strong(passphrase)
        except WeakPassphrase as exc:
            raise CommandError(str(exc)) from None
        unlocked = create_identity(home, name, passphrase)
        write_request(out, unlocked.enrolment_request())
    print(_("Created the identity of {name} in {home}").format(name=unlocked.name, home=home))
    print(_("Enrolment request written to {file}; give it to the secretariat.").format(file=out))
    if args.remember:
        if default_store().set(unlocked.key_fingerprint, passphrase):
            print(_("The passphrase is remembered in the OS keyring."))
        else:
            print(
                _(
                    "No usable OS keyring here: the passphrase was not remembered; "
                    "you will be asked for it."
                ),
                file=sys.stderr,
            )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    identity = _load(args)
    print(_("Name: {name}").format(name=identity.name))
    print(_("Home: {home}").format(home=identity.home))
    print(_("Signing key (SHA-256): {fp}").format(fp=identity.key_fingerprint))
    print(_("age recipient: {r}").format(r=identity.age_recipient))
    store = default_store()
    if store.available:
        remembered = store.get(identity.key_fingerprint) is not None
        print(
            _("Passphrase in OS keyring: {state}").format(state=_("yes") if remembered else _("no"))
        )
    else:
        print(_("Passphrase in OS keyring: no keyring available"))
    enrolments = identity.enrolments
    if not enrolments:
        print(
            _(
                "Enrolments: none yet (give your request to the secretariat, then use "
                "`reviewer identity accept`)"
            )
        )
    else:
        print(_("Enrolments:"))
        for e in sorted(enrolments.values(), key=lambda e: e.accepted):
            print(f"  {e.session_name} ({e.session_id})")
            print("    " + _("certificate SHA-256: {fp}").format(fp=e.certificate_fingerprint))
            print("    " + _("session CA SHA-256: {fp}").format(fp=e.ca_fingerprint))
            print("    " + _("valid until: {date}").format(date=e.valid_until.date().isoformat()))
    for problem in identity.enrolment_problems:
        print(_("unreadable enrolment ignored: {problem}").format(problem=problem), file=sys.stderr)
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    identity = _load(args)
    with _refusals():
        response = parse_response(read_capped(args.response, MAX_RESPONSE_BYTES))
        enrolment, outcome = identity.accept(response)
    messages = {
        AcceptOutcome.INSTALLED: _("Enrolled in session {name} ({id})."),
        AcceptOutcome.REPLACED: _("Enrolment in session {name} ({id}) replaced by the new one."),
        AcceptOutcome.UNCHANGED: _("Already enrolled in session {name} ({id}); nothing changed."),
    }
    print(messages[outcome].format(name=enrolment.session_name, id=enrolment.session_id))
    print(
        _("Session CA SHA-256: {fp}; compare it with the secretariat's.").format(
            fp=enrolment.ca_fingerprint
        )
    )
    return 0


def cmd_export_age_key(args: argparse.Namespace) -> int:
    if args.session is not None:
        from reviewer.cli.session_cmd import cmd_export_escrow_key  # it imports this module

        args.dir = args.session
        return cmd_export_escrow_key(args)
    unlocked = unlock_from_args(args)
    export_age_key(unlocked.age_identity, args, _("you"))
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    unlocked = unlock_from_args(args)
    with _refusals():
        write_request(args.out, unlocked.enrolment_request())
    print(_("Enrolment request written to {file}.").format(file=args.out))
    return 0
