"""A round of the committee's meeting, on the secretariat's side: opening it, the
attendance and its quorum, and the issuance of one blind-signed token per present member.

State lives in ``SESSION/meetings/<round-id>/`` (docs/formats.md names every file):
``round.json`` (public: candidates, rules, the round's public key and ballot
recipient), ``round.key`` (sealed with the session passphrase: the RSA key, the age
identity ballots are encrypted to, the paper-ballot HMAC secret), ``attendance.json``,
``issuance.json`` with the signed requests under ``requests/``, then ``bulletin.json``
and ``result.json`` once counted. Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyrage import x25519

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.strict import StrictJsonError, load_json
from reviewer.committee import ballot_token, token_request
from reviewer.committee.tally import DEFAULT_PASS_FRACTION
from reviewer.crypto import secret_file
from reviewer.people import ca
from reviewer.people.quorum import quorum_text
from reviewer.people.session import RosterEntry, Session

MEETINGS_DIR = "meetings"
ROUND_FILE = "round.json"
ROUND_KEY = "round.key"
ROUND_KEY_ROLE = "committee round key"
ATTENDANCE_FILE = "attendance.json"
ISSUANCE_FILE = "issuance.json"
REQUESTS_DIR = "requests"
ROUND_FORMAT = "reviewer-meeting-round"
ATTENDANCE_FORMAT = "reviewer-meeting-attendance"
ISSUANCE_FORMAT = "reviewer-meeting-issuance"
VERSION = 1
MAX_FILE_BYTES = 4 * 1024 * 1024
# Written by ``count``; here because a counted round takes no more attendance.
RESULT_FILE = "result.json"
# What people hand in (a member's token request, the typed marks of paper ballots).
MAX_INPUT_BYTES = 1024 * 1024
RESPONSE_NAME = "token-{n:03d}.response.json"
MAX_CANDIDATES = 500
_ROUND_ID = re.compile(r"^[\w-]{1,40}$")
_CANDIDATE_ID = re.compile(r"^[\w.-]{1,64}$")


class MeetingError(ReviewerError):
    """The meeting refuses: below quorum, an unknown member, a second token..."""


@dataclass(frozen=True)
class Round:
    """One round as ``round.json`` says; ``folder`` is where its files are (None when
    read by a member from a copy)."""

    session_id: str
    round_id: str
    candidates: tuple[str, ...]
    places: int | None
    quorum: Fraction
    pass_fraction: Fraction
    members: int  # active members when the round opened: the quorum's base
    previous: str | None
    public_key: rsa.RSAPublicKey
    ballot_recipient: str
    folder: Path | None = None

    @property
    def key_sha256(self) -> str:
        der = self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()

    def quorum_needed(self) -> int:
        return quorum_needed(self.quorum, self.members)


@dataclass(frozen=True)
class RoundSecrets:
    signing_key: rsa.RSAPrivateKey
    ballot_identity: x25519.Identity
    hmac_secret: bytes


@dataclass(frozen=True)
class Attendee:
    name: str
    certificate: str  # fingerprint


def _ceil(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


def quorum_needed(quorum: Fraction, members: int) -> int:
    """How many members must attend: the share rounded up, exactly."""
    return _ceil(quorum * members)


def parse_fraction(text: str) -> Fraction:
    """``2/3``, ``4/5``...: a share in (0, 1], read exactly (never through a float)."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*/\s*(\d{1,3})\s*", text)
    value = Fraction(int(match[1]), int(match[2])) if match and int(match[2]) else None
    if value is None or not 0 < value <= 1:
        raise MeetingError(
            _("'{text}' is not a fraction between 0 and 1 such as 2/3").format(text=text)
        )
    return value


def _json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()


def round_folder(session: Session, round_id: str) -> Path:
    return session.folder / MEETINGS_DIR / round_id


def check_round_id(round_id: str) -> str:
    if not _ROUND_ID.match(round_id):
        raise MeetingError(
            _("'{name}' is not a round name: up to 40 letters, digits, - or _").format(
                name=round_id
            )
        )
    return round_id


def open_round(
    session: Session,
    round_id: str,
    candidates: Sequence[str],
    passphrase: str,
    *,
    places: int | None = None,
    quorum: Fraction | None = None,
    pass_fraction: Fraction = DEFAULT_PASS_FRACTION,
    previous: Round | None = None,
    shortlist: Sequence[str] | None = None,
    testing_key: rsa.RSAPrivateKey | None = None,
) -> Round:
    """Open a round: a fresh RSA-3072 key and ballot identity, sealed with the session
    passphrase (checked against the session CA key first). A later round's candidates
    must come from ``shortlist`` (see ``rounds``) when one is given. ``testing_key``
    is for tests only: it spares them an RSA-3072 key generation per round.
    ``quorum``: the session's rule unless given."""
    if quorum is None:
        quorum = session.quorum
    check_round_id(round_id)
    folder = round_folder(session, round_id)
    if folder.exists():
        raise MeetingError(_("round {name} already exists").format(name=round_id))
    problems = [
        Problem(c, _("not a candidate number")) for c in candidates if not _CANDIDATE_ID.match(c)
    ]
    if len(set(candidates)) != len(candidates):
        problems.append(Problem("", _("a candidate is named twice")))
    if not candidates or len(candidates) > MAX_CANDIDATES:
        problems.append(Problem("", _("between 1 and 500 candidates")))
    if shortlist is not None:
        problems += [
            Problem(c, _("not on the shortlist carried from the previous round"))
            for c in candidates
            if c not in shortlist
        ]
    if places is not None and not 1 <= places <= len(candidates):
        problems.append(Problem("", _("places must be between 1 and the number of candidates")))
    if problems:
        raise MeetingError(_("the round cannot be opened"), problems)
    session.load_ca_key(passphrase)  # only the secretariat opens a round
    key = testing_key or ballot_token.new_round_key()
    identity = x25519.Identity.generate()
    hmac_secret = secrets.token_bytes(32)
    sealed = secret_file.seal(
        _json_bytes(
            {
                "rsa": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode("ascii"),
                "age": str(identity),
                "hmac": hmac_secret.hex(),
            }
        ),
        passphrase,
        ROUND_KEY_ROLE,
    )
    doc = {
        "format": ROUND_FORMAT,
        "version": VERSION,
        "session": session.id,
        "round": round_id,
        "candidates": list(candidates),
        "places": places,
        "quorum": quorum_text(quorum),
        "pass_fraction": quorum_text(pass_fraction),
        "members": len(session.active),
        "previous": previous.round_id if previous else None,
        "round_key": key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii"),
        "ballot_recipient": str(identity.to_public()),
        "opened": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    folder.mkdir(parents=True)
    write_atomically(folder / ROUND_KEY, sealed, private=True)
    write_atomically(folder / ROUND_FILE, _json_bytes(doc))
    return load_round(session, round_id)


_ROUND_KEYS = {
    "format", "version", "session", "round", "candidates", "places", "quorum",
    "pass_fraction", "members", "previous", "round_key", "ballot_recipient", "opened",
}  # fmt: skip


def parse_round(data: bytes, folder: Path | None = None) -> Round:
    """``round.json`` read strictly (a member reads a copy brought on a USB stick)."""
    bad = MeetingError(_("this is not a round file of a meeting"))
    try:
        doc = load_json(data, MAX_FILE_BYTES)
    except StrictJsonError as exc:
        raise MeetingError(str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != ROUND_FORMAT or set(doc) != _ROUND_KEYS:
        raise bad
    if doc["version"] != VERSION:
        raise MeetingError(_("round file version {v} is not supported").format(v=doc["version"]))
    cands = doc["candidates"]
    places = doc["places"]
    members = doc["members"]
    if (
        not isinstance(cands, list)
        or not all(isinstance(c, str) and _CANDIDATE_ID.match(c) for c in cands)
        or not isinstance(doc["session"], str)
        or not isinstance(doc["round"], str)
        or not _ROUND_ID.match(doc["round"])
        or not (places is None or (type(places) is int and 1 <= places <= len(cands)))
        or type(members) is not int
        or members < 0
        or not isinstance(doc["round_key"], str)
        or not isinstance(doc["ballot_recipient"], str)
        or not (doc["previous"] is None or isinstance(doc["previous"], str))
        or not isinstance(doc["quorum"], str)
        or not isinstance(doc["pass_fraction"], str)
    ):
        raise bad
    try:
        key = serialization.load_pem_public_key(doc["round_key"].encode("ascii"))
        x25519.Recipient.from_str(doc["ballot_recipient"])
    except (ValueError, UnicodeEncodeError, pyrage.RecipientError):
        raise bad from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise bad
    return Round(
        session_id=doc["session"],
        round_id=doc["round"],
        candidates=tuple(cands),
        places=places,
        quorum=parse_fraction(doc["quorum"]),
        pass_fraction=parse_fraction(doc["pass_fraction"]),
        members=members,
        previous=doc["previous"],
        public_key=key,
        ballot_recipient=doc["ballot_recipient"],
        folder=folder,
    )


def read_state_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file of the round folder (or a copy of round.json), read with a size cap."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise MeetingError(
            _("cannot read {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from None
    if len(data) > limit:
        raise MeetingError(_("{file} is too large").format(file=path))
    return data


def read_input_file(path: Path) -> bytes:
    """A file handed in (a token request, the typed marks), read with a smaller cap."""
    return read_state_file(path, MAX_INPUT_BYTES)


def read_round_file(path: Path) -> Round:
    return parse_round(read_state_file(path))


def load_round(session: Session, round_id: str) -> Round:
    folder = round_folder(session, check_round_id(round_id))
    if not (folder / ROUND_FILE).is_file():
        raise MeetingError(_("there is no round {name} in this session").format(name=round_id))
    rnd = parse_round(read_state_file(folder / ROUND_FILE), folder)
    if rnd.session_id != session.id or rnd.round_id != round_id:
        raise MeetingError(_("{file} belongs to another round").format(file=folder / ROUND_FILE))
    return rnd


def load_secrets(rnd: Round, passphrase: str) -> RoundSecrets:
    assert rnd.folder is not None
    path = rnd.folder / ROUND_KEY
    try:
        plain = secret_file.open_sealed(read_state_file(path), passphrase, ROUND_KEY_ROLE)
        doc = json.loads(plain)
        key = serialization.load_pem_private_key(doc["rsa"].encode("ascii"), None)
        identity = x25519.Identity.from_str(doc["age"])
        hmac_secret = bytes.fromhex(doc["hmac"])
    except secret_file.DamagedSecret as exc:
        raise MeetingError(f"{path}: {exc}") from None
    except (ValueError, KeyError, TypeError, pyrage.IdentityError):
        raise MeetingError(_("{file} is damaged").format(file=path)) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key() != rnd.public_key:
        raise MeetingError(_("{file} does not match round.json").format(file=path))
    return RoundSecrets(key, identity, hmac_secret)


def attendance(rnd: Round) -> tuple[Attendee, ...]:
    assert rnd.folder is not None
    path = rnd.folder / ATTENDANCE_FILE
    if not path.exists():
        return ()
    try:
        doc = load_json(read_state_file(path), MAX_FILE_BYTES)
        return tuple(Attendee(a["name"], a["certificate"]) for a in doc["present"])
    except (StrictJsonError, KeyError, TypeError):
        raise MeetingError(_("{file} is damaged").format(file=path)) from None


def issued(rnd: Round) -> tuple[dict[str, str], ...]:
    """The issuance log: one record per blind signature given (member, certificate,
    request hash)."""
    assert rnd.folder is not None
    path = rnd.folder / ISSUANCE_FILE
    if not path.exists():
        return ()
    try:
        doc = load_json(read_state_file(path), MAX_FILE_BYTES)
        return tuple(dict(r) for r in doc["issued"])
    except (StrictJsonError, KeyError, TypeError, ValueError):
        raise MeetingError(_("{file} is damaged").format(file=path)) from None


def _write_state(rnd: Round, present: Sequence[Attendee], log: Sequence[dict[str, str]]) -> None:
    assert rnd.folder is not None
    base = {"version": VERSION, "session": rnd.session_id, "round": rnd.round_id}
    write_atomically(
        rnd.folder / ISSUANCE_FILE,
        _json_bytes({"format": ISSUANCE_FORMAT, **base, "issued": list(log)}),
    )
    write_atomically(
        rnd.folder / ATTENDANCE_FILE,
        _json_bytes(
            {
                "format": ATTENDANCE_FORMAT,
                **base,
                "present": [{"name": a.name, "certificate": a.certificate} for a in present],
            }
        ),
    )


def _requester(
    session: Session, rnd: Round, data: bytes
) -> tuple[token_request.TokenRequest, RosterEntry]:
    try:
        req = token_request.parse_request(data)
    except token_request.TokenRequestError as exc:
        raise MeetingError(str(exc)) from None
    if req.session_id != session.id or req.round_id != rnd.round_id:
        raise MeetingError(_("the request is for another session or round"))
    fp = ca.certificate_fingerprint(req.certificate)
    entry = next((e for e in session.roster if e.certificate_fingerprint == fp), None)
    if entry is None:
        raise MeetingError(_("the certificate is not on this session's roster"))
    return req, entry


def request_member(session: Session, rnd: Round, data: bytes) -> str:
    """Whose token request this is (the roster name), so a secretary sees who asked
    before recording; ``record_attendance`` checks the rest (the CA, withdrawal, a
    second token) and refuses as a whole."""
    return _requester(session, rnd, data)[1].name


def record_attendance(
    session: Session,
    rnd: Round,
    passphrase: str,
    requests: Sequence[bytes] = (),
    paper_members: Sequence[str] = (),
) -> dict[str, bytes]:
    """Mark members present and blind-sign their token requests; returns each new
    member's response by name. A request proves presence (it is signed with the member's
    own session certificate); ``paper_members`` are present members who vote on paper.

    Refused as a whole (nothing written) if any request is bad, a member is unknown,
    withdrawn or already present, or the members present would still be below quorum,
    and once the round is counted: a token issued then would be a ballot the count never
    saw, and the attendance the minutes list would no longer be the one counted against."""
    assert rnd.folder is not None
    if (rnd.folder / RESULT_FILE).exists():
        raise MeetingError(
            _("round {name} is already counted: its attendance is closed").format(name=rnd.round_id)
        )
    secrets_ = load_secrets(rnd, passphrase)
    present = list(attendance(rnd))
    log = list(issued(rnd))
    seen = {a.certificate for a in present}
    by_name = {e.name: e for e in session.roster}
    problems: list[Problem] = []
    pending: list[tuple[token_request.TokenRequest, bytes, Attendee]] = []
    for i, data in enumerate(requests):
        try:
            req, entry = _requester(session, rnd, data)
        except MeetingError as exc:
            problems.append(Problem(_("request {n}").format(n=i + 1), exc.message))
            continue
        fp = entry.certificate_fingerprint
        where = entry.name
        try:
            ca.check_issued_by(req.certificate, session.ca_certificate)
        except ca.CertificateError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        if entry.withdrawn is not None:
            problems.append(Problem(where, _("this member was withdrawn from the session")))
            continue
        if fp in seen:
            problems.append(Problem(where, _("this member already has a token for this round")))
            continue
        seen.add(fp)
        pending.append((req, data, Attendee(entry.name, fp)))
    paper: list[Attendee] = []
    for name in paper_members:
        on_paper = by_name.get(name)
        if on_paper is None:
            problems.append(Problem(name, _("not a member of this session")))
        elif on_paper.withdrawn is not None:
            problems.append(Problem(name, _("this member was withdrawn from the session")))
        elif on_paper.certificate_fingerprint in seen:
            problems.append(Problem(name, _("this member is already marked present")))
        else:
            seen.add(on_paper.certificate_fingerprint)
            paper.append(Attendee(on_paper.name, on_paper.certificate_fingerprint))
    if problems:
        raise MeetingError(_("attendance was not recorded"), problems)
    total = len(present) + len(pending) + len(paper)
    if total < rnd.quorum_needed():
        raise MeetingError(
            _(
                "no quorum: {present} of {members} members present, {needed} needed "
                "({quorum}); nothing was recorded"
            ).format(
                present=total,
                members=rnd.members,
                needed=rnd.quorum_needed(),
                quorum=quorum_text(rnd.quorum),
            )
        )
    responses: dict[str, bytes] = {}
    (rnd.folder / REQUESTS_DIR).mkdir(exist_ok=True)
    for req, data, who in pending:
        signature = ballot_token.blind_sign(secrets_.signing_key, req.blinded_message)
        write_atomically(rnd.folder / REQUESTS_DIR / f"{req.sha256}.json", data)
        log.append({"name": who.name, "certificate": who.certificate, "request": req.sha256})
        present.append(who)
        responses[who.name] = token_request.build_response(
            session.id, rnd.round_id, req.sha256, signature
        )
    present.extend(paper)
    _write_state(rnd, present, log)
    return responses


def write_responses(out: Path, responses: Mapping[str, bytes]) -> list[Path]:
    """The signed responses as files for the members, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, data in enumerate(responses.values(), start=1):
        # Numbered, not named: the responses are the members' own business; each
        # member's app recognises its answer by the request hash inside.
        path = out / RESPONSE_NAME.format(n=i)
        write_atomically(path, data)
        written.append(path)
    return written


def encrypt_ballot(rnd: Round, plain: bytes) -> bytes:
    return pyrage.encrypt(plain, [x25519.Recipient.from_str(rnd.ballot_recipient)])
