"""The secretariat's review session (评审会): a folder with the session's description, its
CA, the secretariat's signing certificate and the roster of enrolled reviewers.

API:
    class SessionError(ReviewerError)                  -- message is user-facing
    class EnrolOutcome(Enum): NEW, EXISTING
    @dataclass RubricRef(id, fingerprint)
    @dataclass Withdrawal(at, reason)
    @dataclass RosterEntry(name, certificate, age_recipient, enrolled, withdrawn=None,
                           affiliation=None)
        .certificate_fingerprint .key_fingerprint .serial
    @dataclass PackRecord(pack_id, created, recipients: ((name, certificate_sha256), ...),
                          candidates: (id, ...) | None, escrow_recipient: str | None)
    @dataclass Session(folder, id, name, programme, rubrics, created, ca_certificate,
                       secretariat_certificate, roster, seal_recipient, escrow_recipient,
                       quorum: Fraction)
        .active -> the roster without withdrawn entries
        .withdrawn_certificates -> tuple of certificate SHA-256s (sorted)
        .load_ca_key(passphrase) -> EllipticCurvePrivateKey          # WrongPassphrase
        .load_secretariat_key(passphrase) -> EllipticCurvePrivateKey # WrongPassphrase
        .reviewer(name) -> RosterEntry | None            # the active entry of that name
        .existing_entry(request) -> RosterEntry | None   # SessionError on a conflict
    create_session(folder, name, passphrase, *, programme=None, rubric_ids=None,
                   seal_sheets=False, short_name=None, quorum=DEFAULT_QUORUM,
                   now=None) -> Session
        .seal_recipient -> str | None        # sheets must be sealed to this age recipient
        .load_sealing_identity(passphrase) -> pyrage x25519 Identity
        .escrow_recipient -> str | None      # every pack is also encrypted to this
        .load_escrow_identity(passphrase) -> pyrage x25519 Identity
    add_escrow(session, passphrase) -> Session   # for sessions made before escrow
    open_session(folder) -> Session
    enroll(session, request: EnrolmentRequest, passphrase: str | None, now=None)
        -> tuple[RosterEntry, bytes (the response file), EnrolOutcome]
    write_response(path, data) -> None
    withdraw(session, name, reason, now=None) -> RosterEntry   # SessionError
    set_affiliation(session, name, affiliation) -> RosterEntry # SessionError
    record_pack(session, pack_id, created, recipients, *, candidates) -> None
    pack_record(session, pack_id) -> PackRecord | None         # SessionError if damaged
    name_key(name) -> str                 # names equal under it are one name (NFKC)

Folder layout:
    DIR/session.json              id, name, programme, rubrics (id + fingerprint), created,
                                  the meeting's quorum rule
    DIR/roster.json               enrolled reviewers, with their certificates; a
                                  withdrawn one stays, marked, with the reason
    DIR/packs/<pack-id>.json      who each pack was built for (missing-sheet lists)
    DIR/ca/ca.crt.pem             session CA certificate (the reviewers' trust anchor)
    DIR/ca/ca.key                 its key, PKCS#8 PEM sealed under the passphrase (Argon2id)
    DIR/ca/secretariat.crt.pem    secretariat signing certificate (packs, reports)
    DIR/ca/secretariat.key        its key, sealed the same way
    DIR/ca/sealing.key            where the session seals sheets: the secretariat's age
                                  X25519 identity, sealed the same way
DIR/ca/escrow.key             the secretariat's own age identity for reading its packs,
                                  sealed the same way; only where there is no sealing.key
                                  (the sealing identity is then the escrow identity too)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyrage
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pyrage import x25519

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto import secret_file
from reviewer.people import ca, enrolment
from reviewer.people.enrolment import EnrolmentRequest
from reviewer.people.quorum import (
    DEFAULT_QUORUM,
    QuorumError,
    check_quorum,
    parse_quorum,
    quorum_text,
)
from reviewer.rubric.file import RubricError, bundled_rubrics

SESSION_FORMAT = "reviewer-session"
ROSTER_FORMAT = "reviewer-roster"
PACK_RECORD_FORMAT = "reviewer-pack-record"
# 2: the pack's candidate ids (its recipients review those only) and its escrow
# recipient; a version 1 record (every candidate, no escrow) is still read.
PACK_RECORD_VERSION = 2
FORMAT_VERSION = 1
# session.json: 2 adds the meeting's quorum rule; a version 1 file is read as ⅔.
SESSION_VERSION = 2
SESSION_VERSIONS = (1, SESSION_VERSION)
# 2: an entry may be withdrawn ({at, reason}); 3: an entry may carry the reviewer's
# 工作单位 (affiliation, for conflict checks). Versions 1 and 2 are still read.
ROSTER_VERSION = 3
PACKS_DIR = "packs"
SESSION_FILE = "session.json"
ROSTER_FILE = "roster.json"
CA_DIR = "ca"
CA_CERT = "ca.crt.pem"
CA_KEY = "ca.key"
SECRETARIAT_CERT = "secretariat.crt.pem"
SECRETARIAT_KEY = "secretariat.key"
SEALING_KEY = "sealing.key"
SEALING_ROLE = "secretariat sealing identity"
ESCROW_KEY = "escrow.key"
ESCROW_ROLE = "secretariat escrow identity"
MAX_TEXT_CHARS = 200
MAX_SESSION_FILE_BYTES = 256 * 1024
MAX_ROSTER_FILE_BYTES = 16 * 1024 * 1024


class SessionError(ReviewerError):
    """A session folder that cannot be created, read or changed."""


class EnrolOutcome(Enum):
    NEW = "new"
    EXISTING = "existing"


@dataclass(frozen=True)
class RubricRef:
    id: str
    fingerprint: str


@dataclass(frozen=True)
class Withdrawal:
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class PackRecord:
    """What the secretariat remembers of a pack it built: who it was encrypted to. The
    pack's own list is in its manifest, which only reviewers can decrypt, and its public
    header is not signed, so missing-sheet lists come from this record."""

    pack_id: str
    created: dt.datetime
    recipients: tuple[tuple[str, str], ...]  # (name, certificate SHA-256)
    # The candidates the pack holds, whom its recipients are expected to review; None
    # (a version 1 record): every candidate of the session.
    candidates: tuple[str, ...] | None = None
    escrow_recipient: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for name, _ in self.recipients))


@dataclass(frozen=True)
class RosterEntry:
    name: str
    certificate: x509.Certificate
    age_recipient: str
    enrolled: dt.datetime
    # Set when the secretariat withdrew the certificate (left the panel, lost laptop,
    # re-keyed): its sheets are refused, packs are no longer encrypted to it.
    withdrawn: Withdrawal | None = None
    # 工作单位, set by the secretariat (``set_affiliation``): conflicts by rule use it.
    affiliation: str | None = None

    @property
    def certificate_fingerprint(self) -> str:
        return ca.certificate_fingerprint(self.certificate)

    @property
    def key_fingerprint(self) -> str:
        return ca.key_fingerprint(self.certificate.public_key())

    @property
    def serial(self) -> str:
        return format(self.certificate.serial_number, "x")


@dataclass(frozen=True)
class Session:
    folder: Path
    id: str
    name: str
    programme: str | None
    rubrics: tuple[RubricRef, ...]
    created: dt.datetime
    ca_certificate: x509.Certificate
    secretariat_certificate: x509.Certificate
    roster: tuple[RosterEntry, ...]
    # Where sheets must travel sealed (age-encrypted to the secretariat only), the
    # recipient; it reaches reviewers inside the signed manifest of each pack.
    seal_recipient: str | None = None
    # The secretariat's own recipient on every pack, so it can audit what it sent; the
    # sealing recipient where the session has one. None: a session made before escrow.
    escrow_recipient: str | None = None
    # The share of active members who must attend a meeting (``meeting open`` takes it
    # unless told otherwise).
    quorum: Fraction = DEFAULT_QUORUM

    def load_sealing_identity(self, passphrase: str) -> x25519.Identity:
        if self.seal_recipient is None:
            raise SessionError(_("this session does not seal its sheets"))
        return self._age_identity(SEALING_KEY, SEALING_ROLE, self.seal_recipient, passphrase)

    def load_escrow_identity(self, passphrase: str) -> x25519.Identity:
        if self.escrow_recipient is None:
            raise SessionError(
                _(
                    "this session has no escrow identity yet: run `reviewer session "
                    "add-escrow DIR` (or build a pack, which adds it)"
                )
            )
        if self.escrow_recipient == self.seal_recipient:
            return self._age_identity(SEALING_KEY, SEALING_ROLE, self.escrow_recipient, passphrase)
        return self._age_identity(ESCROW_KEY, ESCROW_ROLE, self.escrow_recipient, passphrase)

    def _age_identity(
        self, filename: str, role: str, recipient: str, passphrase: str
    ) -> x25519.Identity:
        path = self.folder / CA_DIR / filename
        try:
            text = secret_file.open_sealed(_read(path, MAX_SESSION_FILE_BYTES), passphrase, role)
        except secret_file.DamagedSecret as exc:
            raise SessionError(f"{path}: {exc}") from None
        try:
            identity = x25519.Identity.from_str(text.decode("ascii").strip())
        except (UnicodeDecodeError, pyrage.IdentityError):
            raise SessionError(_("{file} is damaged").format(file=path)) from None
        if str(identity.to_public()) != recipient:
            raise SessionError(_("{file} does not match session.json").format(file=path))
        return identity

    def _key(self, filename: str, passphrase: str) -> ec.EllipticCurvePrivateKey:
        path = self.folder / CA_DIR / filename
        try:
            return ca.load_private_key(_read(path, MAX_SESSION_FILE_BYTES), passphrase)
        except ca.CertificateError as exc:
            raise SessionError(f"{path}: {exc}") from None

    def load_ca_key(self, passphrase: str) -> ec.EllipticCurvePrivateKey:
        key = self._key(CA_KEY, passphrase)
        if ca.key_fingerprint(key.public_key()) != ca.key_fingerprint(
            self.ca_certificate.public_key()
        ):
            raise SessionError(_("the CA key does not match the CA certificate"))
        return key

    def load_secretariat_key(self, passphrase: str) -> ec.EllipticCurvePrivateKey:
        key = self._key(SECRETARIAT_KEY, passphrase)
        if ca.key_fingerprint(key.public_key()) != ca.key_fingerprint(
            self.secretariat_certificate.public_key()
        ):
            raise SessionError(_("the secretariat key does not match its certificate"))
        return key

    @property
    def active(self) -> tuple[RosterEntry, ...]:
        return tuple(r for r in self.roster if r.withdrawn is None)

    @property
    def withdrawn_certificates(self) -> tuple[str, ...]:
        return tuple(sorted(r.certificate_fingerprint for r in self.roster if r.withdrawn))

    def reviewer(self, name: str) -> RosterEntry | None:
        return next((r for r in self.active if r.name == name), None)

    def existing_entry(self, request: EnrolmentRequest) -> RosterEntry | None:
        """The roster entry this request was already enrolled as, or None if it is new;
        ``SessionError`` when it collides with a different reviewer."""
        key_fp = request.key_fingerprint
        for entry in self.roster:
            if entry.key_fingerprint == key_fp and entry.withdrawn is not None:
                raise SessionError(
                    _(
                        "this key was withdrawn ({reason}); {name} needs a new identity "
                        "and a new enrolment request"
                    ).format(reason=entry.withdrawn.reason, name=entry.name)
                )
            if entry.key_fingerprint == key_fp:
                if entry.name != request.name or entry.age_recipient != request.age_recipient:
                    raise SessionError(
                        _("this key is already enrolled as {name} with other details").format(
                            name=entry.name
                        )
                    )
                return entry
        for entry in self.roster:
            if entry.age_recipient == request.age_recipient:
                raise SessionError(
                    _("this age recipient is already enrolled for {name}").format(name=entry.name)
                )
            if entry.withdrawn is not None:
                continue  # re-enrolling a withdrawn reviewer under their name is re-keying
            if entry.name == request.name:
                # Packs are addressed and sheets watermarked by name: two reviewers with
                # one name could not be told apart.
                raise SessionError(
                    _(
                        "a different reviewer named {name} is already enrolled; "
                        "ask for a distinguishing name, e.g. {name}（{hint}）"
                    ).format(name=entry.name, hint=_("affiliation"))
                )
            if name_key(entry.name) == name_key(request.name):
                # Nor could two that only differ in full-width letters or compatibility
                # ideographs, which look the same on a sheet and in the reports.
                raise SessionError(
                    _(
                        "{name} is the same name as {existing}, already enrolled, once "
                        "normalised (NFKC); ask for a distinguishing name"
                    ).format(name=request.name, existing=entry.name)
                )
        return None


def name_key(name: str) -> str:
    """What two reviewers' names must not share: NFKC (full-width and compatibility
    characters folded to their ordinary forms), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_response(path: Path, data: bytes) -> None:
    try:
        write_atomically(Path(path), data)
    except OSError as exc:
        raise SessionError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise SessionError(
            _("{file} is missing: not a session folder?").format(file=path)
        ) from None
    except OSError as exc:
        raise SessionError(
            _("cannot read {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    if len(data) > max_bytes:
        raise SessionError(_("{file} is too large").format(file=path))
    return data


def _clean_text(value: str, what: str) -> str:
    value = unicodedata.normalize("NFC", value.strip())
    if not value or len(value) > MAX_TEXT_CHARS:
        raise SessionError(
            _("the {what} must have 1 to {n} characters").format(what=what, n=MAX_TEXT_CHARS)
        )
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in value):
        raise SessionError(_("the {what} contains control characters").format(what=what))
    return value


def _pick_rubrics(rubric_ids: list[str] | None) -> tuple[RubricRef, ...]:
    try:
        rubrics = bundled_rubrics()
    except RubricError as exc:
        raise SessionError(exc.report()) from None
    by_id = {r.id: r for r in rubrics}
    wanted = list(dict.fromkeys(rubric_ids)) if rubric_ids else list(by_id)
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise SessionError(
            _("unknown rubric ids: {ids}; known ids: {known}").format(
                ids=", ".join(unknown), known=", ".join(by_id)
            )
        )
    return tuple(RubricRef(i, by_id[i].fingerprint) for i in wanted)


def create_session(
    folder: Path,
    name: str,
    passphrase: str,
    *,
    programme: str | None = None,
    rubric_ids: list[str] | None = None,
    seal_sheets: bool = False,
    short_name: str | None = None,
    quorum: Fraction = DEFAULT_QUORUM,
    now: dt.datetime | None = None,
) -> Session:
    """Create the session folder in one step: it appears complete or not at all.
    ``seal_sheets``: reviewers' sheets travel age-encrypted to the secretariat only.
    ``short_name``: what the certificates call the session (default: ``name``).
    ``quorum``: the share of members a meeting needs (``QuorumError`` outside (0, 1])."""
    folder = Path(folder)
    quorum = check_quorum(quorum)
    name = _clean_text(name, _("session name"))
    label = name if short_name is None else _clean_text(short_name, _("short name"))
    if not ca.fits_certificates(label):
        raise SessionError(
            _(
                "{name!r} is too long for the session's certificates (at most {n} bytes in "
                "UTF-8, about {c} Chinese characters); give a short name for them "
                "(--short-name)"
            ).format(name=label, n=ca.MAX_LABEL_BYTES, c=ca.MAX_LABEL_BYTES // 3)
        )
    if programme is not None:
        programme = _clean_text(programme, _("programme"))
    if not passphrase:
        raise SessionError(_("an empty passphrase is not allowed"))
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SessionError(_("{folder} exists and is not an empty folder").format(folder=folder))
    rubrics = _pick_rubrics(rubric_ids)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    session_id = str(uuid.uuid4())

    ca_key, ca_cert = ca.create_ca(session_id, label, now)
    sec_key = ca.new_signing_key()
    sec_cert = ca.issue_certificate(
        ca_key,
        ca_cert,
        sec_key.public_key(),
        ca.secretariat_name(label),
        session_id=session_id,
        secretariat=True,
        now=now,
    )
    session_doc = {
        "format": SESSION_FORMAT,
        "format_version": SESSION_VERSION,
        "id": session_id,
        "name": name,
        "programme": programme,
        "rubrics": [{"id": r.id, "fingerprint": r.fingerprint} for r in rubrics],
        "created": _iso(now),
        "ca_sha256": ca.certificate_fingerprint(ca_cert),
        "quorum": quorum_text(quorum),
    }
    sealing = x25519.Identity.generate() if seal_sheets else None
    escrow = x25519.Identity.generate() if sealing is None else None
    if sealing is not None:
        session_doc["seal_recipient"] = str(sealing.to_public())
        session_doc["escrow_recipient"] = str(sealing.to_public())
    if escrow is not None:
        session_doc["escrow_recipient"] = str(escrow.to_public())
    staging = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.tmp"
    try:
        (staging / CA_DIR).mkdir(parents=True, mode=0o700)
        write_atomically(staging / CA_DIR / CA_CERT, ca.certificate_pem(ca_cert).encode())
        write_atomically(
            staging / CA_DIR / CA_KEY, ca.encrypt_private_key(ca_key, passphrase), private=True
        )
        write_atomically(staging / CA_DIR / SECRETARIAT_CERT, ca.certificate_pem(sec_cert).encode())
        write_atomically(
            staging / CA_DIR / SECRETARIAT_KEY,
            ca.encrypt_private_key(sec_key, passphrase),
            private=True,
        )
        if sealing is not None:
            write_atomically(
                staging / CA_DIR / SEALING_KEY,
                secret_file.seal(str(sealing).encode("ascii"), passphrase, SEALING_ROLE),
                private=True,
            )
        if escrow is not None:
            write_atomically(
                staging / CA_DIR / ESCROW_KEY,
                secret_file.seal(str(escrow).encode("ascii"), passphrase, ESCROW_ROLE),
                private=True,
            )
        write_atomically(staging / ROSTER_FILE, _roster_bytes(session_id, ()))
        write_atomically(staging / SESSION_FILE, _json(session_doc))
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SessionError(
            _("cannot create {folder}: {error}").format(folder=folder, error=exc.strerror or exc)
        ) from None
    return open_session(folder)


def _roster_bytes(session_id: str, roster: tuple[RosterEntry, ...]) -> bytes:
    return _json(
        {
            "format": ROSTER_FORMAT,
            "format_version": ROSTER_VERSION,
            "session_id": session_id,
            "reviewers": [
                {
                    "name": r.name,
                    "certificate_sha256": r.certificate_fingerprint,
                    "key_sha256": r.key_fingerprint,
                    "serial": r.serial,
                    "age_recipient": r.age_recipient,
                    "enrolled": _iso(r.enrolled),
                    "certificate": ca.certificate_pem(r.certificate),
                    "withdrawn": None
                    if r.withdrawn is None
                    else {"at": _iso(r.withdrawn.at), "reason": r.withdrawn.reason},
                    "affiliation": r.affiliation,
                }
                for r in roster
            ],
        }
    )


def _load_doc(
    path: Path, max_bytes: int, fmt: str, versions: tuple[int, ...] = (FORMAT_VERSION,)
) -> dict[str, Any]:
    try:
        doc = json.loads(_read(path, max_bytes).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SessionError(_("{file} is not valid JSON").format(file=path)) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise SessionError(_("{file} is not a {fmt} file").format(file=path, fmt=fmt))
    if doc.get("format_version") not in versions:
        raise SessionError(
            _("{file}: unsupported format version {v!r}").format(
                file=path, v=doc.get("format_version")
            )
        )
    return doc


def _certificate(path: Path) -> x509.Certificate:
    try:
        return ca.load_certificate(_read(path, MAX_SESSION_FILE_BYTES))
    except ca.CertificateError as exc:
        raise SessionError(f"{path}: {exc}") from None


def _withdrawal(raw: Any) -> Withdrawal | None:
    if raw is None:
        return None
    if set(raw) != {"at", "reason"} or not isinstance(raw["reason"], str):
        raise ValueError("withdrawn")
    return Withdrawal(dt.datetime.fromisoformat(raw["at"]), raw["reason"])


def _roster_entry(raw: Any, ca_cert: x509.Certificate, version: int) -> RosterEntry:
    cert = ca.load_certificate(raw["certificate"])
    # Signature only: an expired roster is still a record of who was enrolled.
    ca.check_issued_by(cert, ca_cert, at=cert.not_valid_before_utc)
    entry = RosterEntry(
        name=raw["name"],
        certificate=cert,
        age_recipient=raw["age_recipient"],
        enrolled=dt.datetime.fromisoformat(raw["enrolled"]),
        withdrawn=_withdrawal(raw["withdrawn"]) if version >= 2 else None,
        affiliation=raw["affiliation"] if version >= 3 else None,
    )
    if entry.affiliation is not None and not isinstance(entry.affiliation, str):
        raise ValueError("affiliation")
    if (
        ca.common_name(cert.subject) != entry.name
        or ca.age_recipient_of(cert) != entry.age_recipient
        or raw["certificate_sha256"] != entry.certificate_fingerprint
        or raw["key_sha256"] != entry.key_fingerprint
    ):
        raise ValueError("inconsistent roster entry")
    return entry


def open_session(folder: Path) -> Session:
    folder = Path(folder)
    path = folder / SESSION_FILE
    doc = _load_doc(path, MAX_SESSION_FILE_BYTES, SESSION_FORMAT, SESSION_VERSIONS)
    ca_cert = _certificate(folder / CA_DIR / CA_CERT)
    sec_cert = _certificate(folder / CA_DIR / SECRETARIAT_CERT)
    try:
        session_id = str(uuid.UUID(doc["id"]))
        if session_id != doc["id"] or ca.session_id_of(ca_cert) != session_id:
            raise ValueError("session id")
        if doc["ca_sha256"] != ca.certificate_fingerprint(ca_cert):
            raise ValueError("CA fingerprint")
        ca.check_issued_by(sec_cert, ca_cert, at=sec_cert.not_valid_before_utc)
        rubrics = tuple(RubricRef(str(r["id"]), str(r["fingerprint"])) for r in doc["rubrics"])
        name = str(doc["name"])
        programme = doc["programme"]
        if programme is not None and not isinstance(programme, str):
            raise ValueError("programme")
        created = dt.datetime.fromisoformat(doc["created"])
        seal_recipient = doc.get("seal_recipient")
        if seal_recipient is not None:
            x25519.Recipient.from_str(seal_recipient)
        escrow_recipient = doc.get("escrow_recipient", seal_recipient)
        if escrow_recipient is not None:
            x25519.Recipient.from_str(escrow_recipient)
        quorum = DEFAULT_QUORUM if doc["format_version"] == 1 else parse_quorum(doc["quorum"])
    except (
        pyrage.RecipientError,
        KeyError,
        TypeError,
        ValueError,
        ca.CertificateError,
        QuorumError,
    ):
        raise SessionError(
            _("{folder} is damaged: session.json and the CA do not agree").format(folder=folder)
        ) from None
    roster_path = folder / ROSTER_FILE
    roster_doc = _load_doc(
        roster_path, MAX_ROSTER_FILE_BYTES, ROSTER_FORMAT, (1, 2, ROSTER_VERSION)
    )
    try:
        if roster_doc["session_id"] != session_id:
            raise ValueError("session id")
        version = roster_doc["format_version"]
        roster = tuple(_roster_entry(r, ca_cert, version) for r in roster_doc["reviewers"])
    except (KeyError, TypeError, ValueError, ca.CertificateError):
        raise SessionError(_("{file} is damaged").format(file=roster_path)) from None
    return Session(
        folder=folder,
        id=session_id,
        name=name,
        programme=programme,
        rubrics=rubrics,
        created=created,
        ca_certificate=ca_cert,
        secretariat_certificate=sec_cert,
        roster=roster,
        seal_recipient=seal_recipient,
        escrow_recipient=escrow_recipient,
        quorum=quorum,
    )


def add_escrow(session: Session, passphrase: str) -> Session:
    """Give a session made before escrow existed its escrow identity (``ca/escrow.key``,
    sealed under the session passphrase, which the secretariat key must confirm)."""
    session = open_session(session.folder)
    if session.escrow_recipient is not None:
        return session
    session.load_secretariat_key(passphrase)  # the passphrase is the session's
    path = session.folder / SESSION_FILE
    doc = _load_doc(path, MAX_SESSION_FILE_BYTES, SESSION_FORMAT, SESSION_VERSIONS)
    escrow = x25519.Identity.generate()
    doc["escrow_recipient"] = str(escrow.to_public())
    try:
        write_atomically(
            session.folder / CA_DIR / ESCROW_KEY,
            secret_file.seal(str(escrow).encode("ascii"), passphrase, ESCROW_ROLE),
            private=True,
        )
        write_atomically(path, _json(doc))
    except OSError as exc:
        raise SessionError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    return open_session(session.folder)


def enroll(
    session: Session,
    request: EnrolmentRequest,
    passphrase: str | None,
    now: dt.datetime | None = None,
    *,
    ca_key: ec.EllipticCurvePrivateKey | None = None,
) -> tuple[RosterEntry, bytes, EnrolOutcome]:
    """Issue the reviewer's certificate and add them to the roster; enrolling the same
    request again returns the certificate already issued (no passphrase needed).
    ``ca_key``, already unlocked, spares a batch the key derivation per reviewer."""
    session = open_session(session.folder)  # the roster may have changed since it was read
    existing = session.existing_entry(request)
    if existing is not None:
        response = enrolment.build_response(
            session.id,
            session.name,
            existing.certificate,
            session.ca_certificate,
            session.secretariat_certificate,
        )
        return existing, response, EnrolOutcome.EXISTING
    if ca_key is None:
        if passphrase is None:
            raise SessionError(_("the session passphrase is needed to enrol a new reviewer"))
        ca_key = session.load_ca_key(passphrase)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    try:
        cert = ca.issue_certificate(
            ca_key,
            session.ca_certificate,
            request.public_key,
            request.name,
            session_id=session.id,
            age_recipient=request.age_recipient,
            now=now,
        )
    except ca.CertificateError as exc:
        raise SessionError(str(exc)) from None
    entry = RosterEntry(request.name, cert, request.age_recipient, now)
    _write_roster(session, (*session.roster, entry))
    response = enrolment.build_response(
        session.id, session.name, cert, session.ca_certificate, session.secretariat_certificate
    )
    return entry, response, EnrolOutcome.NEW


def _write_roster(session: Session, roster: tuple[RosterEntry, ...]) -> None:
    try:
        write_atomically(session.folder / ROSTER_FILE, _roster_bytes(session.id, roster))
    except OSError as exc:
        raise SessionError(
            _("cannot update the roster: {error}").format(error=exc.strerror or exc)
        ) from None


def withdraw(
    session: Session, name: str, reason: str, now: dt.datetime | None = None
) -> RosterEntry:
    """Withdraw the active certificate of ``name``: packs are no longer built for it and
    its sheets are refused at aggregation (all of them: a signing time is the signer's
    own claim). To re-key, enrol the reviewer's new request under the same name."""
    session = open_session(session.folder)
    reason = _clean_text(reason, _("reason"))
    entry = session.reviewer(name)
    if entry is None:
        raise SessionError(_("no enrolled reviewer is named {name}").format(name=name))
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    withdrawn = replace(entry, withdrawn=Withdrawal(moment, reason))
    _write_roster(session, tuple(withdrawn if r is entry else r for r in session.roster))
    return withdrawn


def set_affiliation(session: Session, name: str, affiliation: str) -> RosterEntry:
    """Record the 工作单位 of the active reviewer ``name`` (an empty text clears it)."""
    session = open_session(session.folder)
    entry = session.reviewer(name)
    if entry is None:
        raise SessionError(_("no enrolled reviewer is named {name}").format(name=name))
    value = _clean_text(affiliation, _("affiliation")) if affiliation.strip() else None
    changed = replace(entry, affiliation=value)
    _write_roster(session, tuple(changed if r is entry else r for r in session.roster))
    return changed


def record_pack(
    session: Session,
    pack_id: str,
    created: dt.datetime,
    recipients: Iterable[RosterEntry],
    *,
    candidates: Iterable[str],
) -> None:
    """Remember who a pack was built for and which candidates it holds
    (``DIR/packs/<pack-id>.json``)."""
    doc = {
        "format": PACK_RECORD_FORMAT,
        "format_version": PACK_RECORD_VERSION,
        "pack_id": str(uuid.UUID(pack_id)),
        "created": _iso(created),
        "recipients": [
            {"name": r.name, "certificate_sha256": r.certificate_fingerprint} for r in recipients
        ],
        "candidates": list(dict.fromkeys(candidates)),
        "escrow_recipient": session.escrow_recipient,
    }
    folder = session.folder / PACKS_DIR
    try:
        folder.mkdir(exist_ok=True)
        write_atomically(folder / f"{doc['pack_id']}.json", _json(doc))
    except OSError as exc:
        raise SessionError(
            _("cannot write {file}: {error}").format(file=folder, error=exc.strerror or exc)
        ) from None


def pack_record(session: Session, pack_id: str) -> PackRecord | None:
    """Who the pack was built for, None if this session folder has no record of it."""
    try:
        pack_id = str(uuid.UUID(pack_id))
    except ValueError:
        return None
    path = session.folder / PACKS_DIR / f"{pack_id}.json"
    if not path.is_file():
        return None
    doc = _load_doc(
        path, MAX_SESSION_FILE_BYTES, PACK_RECORD_FORMAT, (FORMAT_VERSION, PACK_RECORD_VERSION)
    )
    try:
        if doc["pack_id"] != pack_id:
            raise ValueError("pack id")
        recipients = tuple(
            (str(r["name"]), str(r["certificate_sha256"])) for r in doc["recipients"]
        )
        candidates, escrow = None, None
        if doc["format_version"] >= 2:
            if not isinstance(doc["candidates"], list):
                raise ValueError("candidates")
            candidates = tuple(str(c) for c in doc["candidates"])
            escrow = doc["escrow_recipient"]
            if escrow is not None and not isinstance(escrow, str):
                raise ValueError("escrow")
        return PackRecord(
            pack_id, dt.datetime.fromisoformat(doc["created"]), recipients, candidates, escrow
        )
    except (KeyError, TypeError, ValueError):
        raise SessionError(_("{file} is damaged").format(file=path)) from None
