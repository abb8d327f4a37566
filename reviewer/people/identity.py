"""A reviewer's identity: an age X25519 key for opening packs and an ECDSA P-256 key for
signing sheets, kept on the reviewer's own laptop and encrypted at rest.

API:
    class IdentityError(ReviewerError)       -- message is user-facing
    class NoIdentity(IdentityError)
    class AcceptOutcome(Enum): INSTALLED, REPLACED, UNCHANGED
    create_identity(home, name, passphrase, now=None) -> UnlockedIdentity
    load_identity(home) -> Identity
    write_request(path, data: bytes) -> None
    Identity: .home .name .age_recipient .signing_public_key .created .key_fingerprint
              .enrolments -> dict[session_id, Enrolment]
              .enrolment_problems -> list[str]    (unreadable enrolment files)
              .unlock(passphrase) -> UnlockedIdentity        # raises WrongPassphrase
              .accept(response: EnrolmentResponse) -> tuple[Enrolment, AcceptOutcome]
    UnlockedIdentity: .identity .age_identity (pyrage x25519.Identity) .signing_key
              .name .age_recipient .key_fingerprint .enrolments
              .enrolment_request() -> bytes

Home layout (where the home is: ``reviewer.people.home.resolve_home``):
    HOME/identity/identity.json           public: name, age recipient, signing public key
    HOME/identity/identity.key            both private keys, sealed under the passphrase
    HOME/identity/enrolments/<session-id>.json   one per session (public)
Only public data is readable without the passphrase. The private keys are sealed with
``secret_file`` (Argon2id, 64 MiB, then AES-GCM), so a collected laptop reveals nothing
without it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pyrage
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyrage import x25519

from reviewer.base import strict
from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.base.private_paths import make_private_dir, repair_private_file
from reviewer.crypto import secret_file
from reviewer.people import ca, enrolment
from reviewer.people.enrolment import Enrolment, EnrolmentError, EnrolmentResponse
from reviewer.people.home import PUBLIC_FILE, identity_exists
from reviewer.people.home import identity_folder as _folder

IDENTITY_FORMAT = "reviewer-identity"
SECRET_FORMAT = "reviewer-identity-secret"
FORMAT_VERSION = 1
SECRET_FILE = "identity.key"
SECRET_ROLE = "reviewer identity"
ENROLMENT_DIR = "enrolments"
MAX_IDENTITY_FILE_BYTES = 16 * 1024


class IdentityError(ReviewerError):
    """An identity that cannot be created, read or used."""


class NoIdentity(IdentityError):
    pass


class AcceptOutcome(Enum):
    INSTALLED = "installed"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


def write_request(path: Path, data: bytes) -> None:
    try:
        write_atomically(Path(path), data)
    except OSError as exc:
        raise IdentityError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None


def _json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _utc(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _public_pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


@dataclass(frozen=True)
class Identity:
    home: Path
    name: str
    age_recipient: str
    signing_public_key: ec.EllipticCurvePublicKey
    created: dt.datetime

    @property
    def folder(self) -> Path:
        return _folder(self.home)

    @property
    def key_fingerprint(self) -> str:
        """SHA-256 of the signing public key (SPKI DER); also names it in the keyring."""
        return ca.key_fingerprint(self.signing_public_key)

    def _enrolment_files(self) -> list[Path]:
        folder = self.folder / ENROLMENT_DIR
        return sorted(folder.glob("*.json")) if folder.is_dir() else []

    def _read_enrolments(self) -> tuple[dict[str, Enrolment], list[str]]:
        found: dict[str, Enrolment] = {}
        problems: list[str] = []
        for path in self._enrolment_files():
            try:
                record = enrolment.parse_record(
                    enrolment.read_capped(path, enrolment.MAX_RESPONSE_BYTES)
                )
                if path.stem != record.session_id:
                    raise EnrolmentError(_("the file name does not match its session id"))
                enrolment.check_response_matches(
                    record,
                    public_key=self.signing_public_key,
                    name=self.name,
                    age_recipient=self.age_recipient,
                )
            except EnrolmentError as exc:
                problems.append(f"{path}: {exc}")
                continue
            found[record.session_id] = record
        return found, problems

    @property
    def enrolments(self) -> dict[str, Enrolment]:
        return self._read_enrolments()[0]

    @property
    def enrolment_problems(self) -> list[str]:
        return self._read_enrolments()[1]

    def unlock(self, passphrase: str) -> UnlockedIdentity:
        path = self.folder / SECRET_FILE
        with contextlib.suppress(OSError):  # looser modes (a copy, a restore) are repaired
            make_private_dir(self.folder)
            repair_private_file(path)
        sealed = _read(path)
        try:
            plain = secret_file.open_sealed(sealed, passphrase, SECRET_ROLE)
        except secret_file.DamagedSecret as exc:
            raise IdentityError(f"{path}: {exc}") from None
        age_identity, signing_key = _parse_secret(plain, path)
        if (
            str(age_identity.to_public()) != self.age_recipient
            or ca.key_fingerprint(signing_key.public_key()) != self.key_fingerprint
        ):
            raise IdentityError(
                _("the identity files in {folder} do not belong together").format(
                    folder=self.folder
                )
            )
        return UnlockedIdentity(self, age_identity, signing_key)

    def accept(self, response: EnrolmentResponse) -> tuple[Enrolment, AcceptOutcome]:
        """Install an enrolment response after checking that it certifies this identity."""
        enrolment.check_response_matches(
            response,
            public_key=self.signing_public_key,
            name=self.name,
            age_recipient=self.age_recipient,
        )
        existing = self.enrolments.get(response.session_id)
        outcome = AcceptOutcome.INSTALLED
        if existing is not None:
            if (
                existing.certificate_fingerprint == ca.certificate_fingerprint(response.certificate)
                and existing.secretariat_sha256 == response.secretariat_sha256
            ):
                return existing, AcceptOutcome.UNCHANGED
            if existing.ca_fingerprint != ca.certificate_fingerprint(response.ca_certificate):
                # Same session id, different CA: someone else's session posing as this one.
                raise EnrolmentError(
                    _("already enrolled in session {id} under a different CA; refused").format(
                        id=response.session_id
                    )
                )
            outcome = AcceptOutcome.REPLACED
        record = Enrolment(
            session_id=response.session_id,
            session_name=response.session_name,
            certificate=response.certificate,
            ca_certificate=response.ca_certificate,
            accepted=_utc(None),
            secretariat_sha256=response.secretariat_sha256,
        )
        folder = self.folder / ENROLMENT_DIR
        try:
            make_private_dir(folder)
            write_atomically(folder / f"{record.session_id}.json", enrolment.record_bytes(record))
        except OSError as exc:
            raise IdentityError(
                _("cannot write to {folder}: {error}").format(
                    folder=folder, error=exc.strerror or exc
                )
            ) from None
        return record, outcome


@dataclass(frozen=True)
class UnlockedIdentity:
    """The identity with its private keys in memory (never written out unencrypted)."""

    identity: Identity
    age_identity: x25519.Identity = field(repr=False)
    signing_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def age_recipient(self) -> str:
        return self.identity.age_recipient

    @property
    def key_fingerprint(self) -> str:
        return self.identity.key_fingerprint

    @property
    def enrolments(self) -> dict[str, Enrolment]:
        return self.identity.enrolments

    def enrolment_request(self) -> bytes:
        return enrolment.build_request(self.name, self.age_recipient, self.signing_key)


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IDENTITY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise NoIdentity(
            _("no reviewer identity in {home}; create one with `reviewer identity new`").format(
                home=path.parent.parent
            )
        ) from None
    except OSError as exc:
        raise IdentityError(
            _("cannot read {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    if len(data) > MAX_IDENTITY_FILE_BYTES:
        raise IdentityError(_("{file} is too large to be an identity file").format(file=path))
    return data


def _secret_bytes(age_identity: x25519.Identity, key: ec.EllipticCurvePrivateKey) -> bytes:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the whole document is age-encrypted
    ).decode("ascii")
    return _json(
        {
            "format": SECRET_FORMAT,
            "format_version": FORMAT_VERSION,
            "age_identity": str(age_identity),
            "signing_key": pem,
        }
    )


def _parse_secret(plain: bytes, path: Path) -> tuple[x25519.Identity, ec.EllipticCurvePrivateKey]:
    damaged = IdentityError(_("the identity key file {file} is damaged").format(file=path))
    try:
        doc = strict.load_json(plain, MAX_IDENTITY_FILE_BYTES)
        if not isinstance(doc, dict):
            raise damaged
        if doc.get("format") != SECRET_FORMAT or doc.get("format_version") != FORMAT_VERSION:
            raise damaged
        age_identity = x25519.Identity.from_str(doc["age_identity"])
        key = serialization.load_pem_private_key(doc["signing_key"].encode("ascii"), None)
    except IdentityError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        UnsupportedAlgorithm,  # a key on a curve cryptography does not know
        strict.StrictJsonError,
        pyrage.IdentityError,
    ):
        raise damaged from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise damaged
    return age_identity, key


def create_identity(
    home: Path, name: str, passphrase: str, now: dt.datetime | None = None
) -> UnlockedIdentity:
    """Generate both keys, store them encrypted under ``passphrase``; refuse to replace an
    existing identity (its keys may be the only way to open packs already received)."""
    try:
        name = ca.check_person_name(name)
    except ca.CertificateError as exc:
        raise IdentityError(str(exc)) from None
    if not passphrase:
        raise IdentityError(_("an empty passphrase is not allowed"))
    home = Path(home)
    if identity_exists(home):
        raise IdentityError(
            _("an identity already exists in {home}; use another --home").format(home=home)
        )
    age_identity = x25519.Identity.generate()
    signing_key = ca.new_signing_key()
    identity = Identity(
        home=home,
        name=name,
        age_recipient=str(age_identity.to_public()),
        signing_public_key=signing_key.public_key(),
        created=_utc(now),
    )
    sealed = secret_file.seal(_secret_bytes(age_identity, signing_key), passphrase, SECRET_ROLE)
    public = _json(
        {
            "format": IDENTITY_FORMAT,
            "format_version": FORMAT_VERSION,
            "name": identity.name,
            "age_recipient": identity.age_recipient,
            "signing_public_key": _public_pem(identity.signing_public_key),
            "key_fingerprint": identity.key_fingerprint,
            "created": _iso(identity.created),
        }
    )
    folder = _folder(home)
    try:
        make_private_dir(folder)  # and the home folder, 0700 too, when it is created here
        write_atomically(folder / SECRET_FILE, sealed, private=True)
        # The public file goes last: its presence is what marks the identity complete.
        write_atomically(folder / PUBLIC_FILE, public)
    except OSError as exc:
        raise IdentityError(
            _("cannot write to {folder}: {error}").format(folder=folder, error=exc.strerror or exc)
        ) from None
    return UnlockedIdentity(identity, age_identity, signing_key)


def load_identity(home: Path) -> Identity:
    home = Path(home)
    path = _folder(home) / PUBLIC_FILE
    data = _read(path)
    damaged = IdentityError(_("the identity file {file} is damaged").format(file=path))
    try:
        doc = strict.load_json(data, MAX_IDENTITY_FILE_BYTES)
        if not isinstance(doc, dict) or doc.get("format") != IDENTITY_FORMAT:
            raise damaged
        if doc.get("format_version") != FORMAT_VERSION:
            raise IdentityError(
                _("{file}: unsupported identity version {v!r}").format(
                    file=path, v=doc.get("format_version")
                )
            )
        name = ca.check_person_name(doc["name"])
        recipient = enrolment.check_age_recipient(doc["age_recipient"])
        key = serialization.load_pem_public_key(doc["signing_public_key"].encode("ascii"))
        created = dt.datetime.fromisoformat(doc["created"])
    except IdentityError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        UnsupportedAlgorithm,  # a key on a curve cryptography does not know
        strict.StrictJsonError,
        ca.CertificateError,
        EnrolmentError,
    ):
        raise damaged from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise damaged
    return Identity(
        home=home, name=name, age_recipient=recipient, signing_public_key=key, created=created
    )
