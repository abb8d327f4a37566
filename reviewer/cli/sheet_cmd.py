"""``reviewer sheet export|verify``: signed review sheets."""

from __future__ import annotations

import argparse
from pathlib import Path

import pyrage

from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_identity_options
from reviewer.crypto.passphrase import PassphraseError, WrongPassphrase, obtain_passphrase
from reviewer.people.home import resolve_home
from reviewer.people.session import SessionError, open_session
from reviewer.sheet.data import MAX_SHEET_JSON_BYTES
from reviewer.sheet.verify import SheetTrustError, VerifiedSheet, verify_sheet
from reviewer.station.export import ExportError, export_again, export_all, export_sheet
from reviewer.station.workstation import Workstation, WorkstationError

MAX_SHEET_BYTES = 64 * 1024 * 1024 + MAX_SHEET_JSON_BYTES


def register(sub: argparse._SubParsersAction) -> None:
    sheet = sub.add_parser("sheet", help=_("export and verify signed review sheets"))
    actions = sheet.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    export = actions.add_parser(
        "export", help=_("sign and export sheets for one candidate or every finished one")
    )
    export.add_argument("--pack", type=Path, required=True, metavar=_("PACK"))
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--candidate", metavar=_("ID"))
    which.add_argument("--all", action="store_true", help=_("every complete or recused candidate"))
    export.add_argument("--out", type=Path, required=True, metavar=_("DIR"))
    export.add_argument(
        "--again",
        action="store_true",
        help=_(
            "with --candidate: write the last signed sheet again (its file was lost), "
            "the same version and content, signed anew"
        ),
    )
    add_identity_options(export)
    export.set_defaults(func=cmd_export)

    verify = actions.add_parser(
        "verify", help=_("verify sheets against the session CA (exit 0 only if all are valid)")
    )
    verify.add_argument("sheets", type=Path, nargs="+", metavar=_("SHEET"))
    anchor = verify.add_mutually_exclusive_group(required=True)
    anchor.add_argument("--session", type=Path, metavar=_("DIR"))
    anchor.add_argument("--ca", type=Path, metavar=_("CA.pem"))
    verify.add_argument(
        "--passphrase-file",
        type=Path,
        metavar=_("FILE"),
        help=_("the session passphrase, to open sealed sheets (*.pdf.age) with --session"),
    )
    verify.set_defaults(func=cmd_verify)


def _station(args: argparse.Namespace) -> Workstation:
    try:
        station = Workstation(resolve_home(args.home))
        passphrase = obtain_passphrase(
            file=args.passphrase_file,
            prompt=_("Passphrase for {name}: ").format(name=station.name),
        )
        station.unlock(passphrase)
    except (WorkstationError, PassphraseError) as exc:
        raise CommandError(str(exc)) from None
    return station


def cmd_export(args: argparse.Namespace) -> int:
    if args.again and not args.candidate:
        raise CommandError(_("--again exports one candidate's sheet: give --candidate"))
    station = _station(args)
    try:
        pack_id = station.open_pack(args.pack).pack_id
        refused: list[tuple[str, str]] = []
        if args.again:
            sheets = [export_again(station, pack_id, args.candidate, args.out)]
        elif args.candidate:
            sheets = [export_sheet(station, pack_id, args.candidate, args.out)]
        else:
            sheets, refused = export_all(station, pack_id, args.out)
    except (WorkstationError, ExportError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        station.close()
    for sheet in sheets:
        print(_("signed {file} (version {v})").format(file=sheet.path, v=sheet.version))
    for candidate_id, reason in refused:
        print(_("not exported {id}: {reason}").format(id=candidate_id, reason=reason))
    if not sheets and not refused:
        print(_("nothing to export: no complete review is waiting to be signed"))
    return 1 if refused else 0


def cmd_verify(args: argparse.Namespace) -> int:
    session_id = None
    sealing = None
    if args.session:
        try:
            session = open_session(args.session)
            if session.seal_recipient and any(p.name.endswith(".pdf.age") for p in args.sheets):
                sealing = session.load_sealing_identity(
                    obtain_passphrase(
                        file=args.passphrase_file,
                        prompt=_("Session passphrase (to open sealed sheets): "),
                    )
                )
        except (SessionError, PassphraseError, WrongPassphrase) as exc:
            raise CommandError(str(exc)) from None
        anchor, session_id = session.ca_certificate, session.id
    else:
        try:
            anchor = args.ca.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("cannot read {file}: {error}").format(file=args.ca, error=exc.strerror)
            ) from None
    all_valid = True
    for path in args.sheets:
        try:
            if path.stat().st_size > MAX_SHEET_BYTES:
                raise CommandError(_("{file}: too large to be a review sheet").format(file=path))
            data = path.read_bytes()
            if path.name.endswith(".pdf.age"):
                if sealing is None:
                    raise CommandError(
                        _(
                            "{file}: a sealed sheet; verify it with --session of a sealing session"
                        ).format(file=path)
                    )
                try:
                    data = pyrage.decrypt(data, [sealing])
                except pyrage.DecryptError:
                    print(
                        _("{file}: INVALID: the secretariat's key cannot open it").format(file=path)
                    )
                    all_valid = False
                    continue
            result = verify_sheet(data, anchor, session_id=session_id)
        except SheetTrustError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            print(_("{file}: INVALID: cannot read: {error}").format(file=path, error=exc.strerror))
            all_valid = False
            continue
        if isinstance(result, VerifiedSheet):
            sheet = result.data
            print(
                _("{file}: VALID, signed by {signer}").format(file=path, signer=result.signer_name)
            )
            print(
                "  "
                + _("session {s} · pack {p} · candidate {c} {name} · rubric {r} {fp}").format(
                    s=sheet.session_id,
                    p=sheet.pack_id,
                    c=sheet.candidate_id,
                    name=sheet.candidate_name,
                    r=sheet.rubric_id,
                    fp=sheet.rubric_fingerprint[:16],
                )
            )
            if sheet.recused:
                print("  " + _("recused (回避): {reason}").format(reason=sheet.recusal_reason))
            else:
                level = sheet.level.label() if sheet.level else "—"
                total = sheet.total if sheet.total is not None else _("not counted (veto)")
                print(
                    "  "
                    + _("total {total} · level {level} · version {v}").format(
                        total=total, level=level, v=sheet.version
                    )
                )
            for note in result.notes:
                print("  " + _("note: {note}").format(note=note))
        else:
            all_valid = False
            signer = result.signer_name or _("unknown signer")
            print(_("{file}: INVALID ({signer})").format(file=path, signer=signer))
            for reason in result.reasons:
                print("  - " + reason)
    return 0 if all_valid else 1
