"""``reviewer archive build|verify``: the session's signed archive package. See
docs/secretariat-guide.md and docs/formats.md ("Archive package").

    archive build SESSION_DIR OUT [--sheets DIR...] [--ballots DIR...] [--reports PATH...]
                  [--logs PATH...] [--pack PACK...]     -- OUT ending in .zip: a ZIP
    archive verify ARCHIVE [--session SESSION_DIR | --ca CA_PEM] [--pack PACK...]
                                                        -- each pack against its hash
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cryptography import x509

from reviewer.archive.build import build_archive
from reviewer.archive.verify import verify_archive
from reviewer.base.i18n import _
from reviewer.cli.errors import CommandError
from reviewer.cli.identity_cmd import add_passphrase_option
from reviewer.crypto.passphrase import obtain_passphrase
from reviewer.people.session import open_session

MAX_CA_BYTES = 64 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    archive = sub.add_parser("archive", help=_("the session's signed archive package"))
    actions = archive.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    bu = actions.add_parser(
        "build", help=_("gather the session's records into one signed folder or ZIP")
    )
    bu.add_argument("session", type=Path, metavar=_("SESSION"))
    bu.add_argument(
        "out", type=Path, metavar=_("OUT"), help=_("a new folder, or a file ending in .zip")
    )
    for option, what in (
        ("--sheets", _("folders of signed review sheets")),
        ("--ballots", _("folders of the rounds' ballots")),
        ("--reports", _("report folders or files (aggregation, minutes, 公示)")),
        ("--logs", _("audit logs and other records, folders or files")),
    ):
        bu.add_argument(option, type=Path, nargs="+", default=[], metavar=_("PATH"), help=what)
    bu.add_argument(
        "--pack",
        type=Path,
        nargs="+",
        default=[],
        metavar=_("PACK"),
        help=_("dossier packs, recorded by their SHA-256 (not copied)"),
    )
    add_passphrase_option(bu)
    bu.set_defaults(func=cmd_build)

    ve = actions.add_parser("verify", help=_("check an archive's signature and every file"))
    ve.add_argument("archive", type=Path, metavar=_("ARCHIVE"))
    trust = ve.add_mutually_exclusive_group()
    trust.add_argument(
        "--session", type=Path, metavar=_("SESSION"), help=_("trust this session folder's CA")
    )
    trust.add_argument("--ca", type=Path, metavar=_("CA_PEM"), help=_("trust this CA certificate"))
    ve.add_argument(
        "--pack",
        type=Path,
        nargs="+",
        default=[],
        metavar=_("PACK"),
        help=_("pack files to compare with the SHA-256 of the packs the archive records"),
    )
    ve.set_defaults(func=cmd_verify)


def cmd_build(args: argparse.Namespace) -> int:
    session = open_session(args.session)
    passphrase = obtain_passphrase(file=args.passphrase_file, prompt=_("Session passphrase: "))
    built = build_archive(
        session,
        passphrase,
        args.out,
        sheets=args.sheets,
        ballots=args.ballots,
        reports=args.reports,
        logs=args.logs,
        packs=args.pack,
    )
    print(
        _(
            "Archive written to {path}: {files} files, {packs} packs by hash; manifest signed."
        ).format(path=built.path, files=len(built.manifest.files), packs=len(built.manifest.packs))
    )
    return 0


def _ca(path: Path) -> x509.Certificate:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_CA_BYTES + 1)
        if len(data) > MAX_CA_BYTES:
            raise ValueError
        return x509.load_pem_x509_certificate(data)
    except OSError as exc:
        raise CommandError(
            _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from None
    except ValueError:
        raise CommandError(_("{file} is not a PEM certificate").format(file=path)) from None


def cmd_verify(args: argparse.Namespace) -> int:
    anchor = session_id = None
    if args.session:
        session = open_session(args.session)
        anchor, session_id = session.ca_certificate, session.id
    elif args.ca:
        anchor = _ca(args.ca)
    result = verify_archive(args.archive, anchor, session_id=session_id, packs=args.pack)
    print(
        _(
            "Archive verified: all {files} files as signed by {name} for {session}; "
            "{packs} packs recorded by hash."
        ).format(
            files=len(result.manifest.files),
            name=result.signer.name,
            session=result.manifest.session_name,
            packs=len(result.manifest.packs),
        )
    )
    for pack in result.manifest.packs:
        print(f"{pack.sha256}  {pack.name}")
    for matched in result.packs:
        print(
            _("{file}: the recorded pack {name}, SHA-256 matches").format(
                file=matched.path, name=matched.recorded.name
            )
        )
    if result.ca_from_archive:
        print(
            _(
                "Note: the CA was taken from the archive itself (SHA-256 {fp}). Compare it with "
                "the session's on record, or verify with --session or --ca."
            ).format(fp=result.ca_fingerprint)
        )
    return 0
