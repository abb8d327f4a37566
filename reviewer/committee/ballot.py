"""The electronic ballot: what a member casts, and the strict reader that counts it.

A ballot is JSON ``{format, version, session, round, token, signature, choices}``,
encrypted with age to the round's ballot recipient and named by the SHA-256 of the
encrypted bytes: no name, no certificate, no timestamp, so a USB stick carrying it says
nothing and the file name leaks nothing. Counting refuses a ballot that does not
decrypt, is for another session or round, carries a token not signed with this round's
key (``ballot_token.verify``) or a token already seen; the tally refuses the rest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyrage

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.strict import StrictJsonError, load_json
from reviewer.committee import ballot_token
from reviewer.committee.meeting import Round, RoundSecrets, encrypt_ballot
from reviewer.committee.tally import CastBallot, Choice

FORMAT = "reviewer-ballot"
VERSION = 1
SUFFIX = ".ballot"
MAX_BALLOT_BYTES = 256 * 1024
MAX_BALLOTS = 2000
_KEYS = {"format", "version", "session", "round", "token", "signature", "choices"}


class BallotError(ReviewerError):
    """One or more ballots cannot be counted; ``problems`` name each file."""


@dataclass(frozen=True)
class Ballot:
    session_id: str
    round_id: str
    token: bytes
    signature: bytes
    choices: Mapping[str, Choice]


def ballot_bytes(
    rnd: Round, token: bytes, signature: bytes, choices: Mapping[str, Choice]
) -> bytes:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "session": rnd.session_id,
        "round": rnd.round_id,
        "token": base64.b64encode(token).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii"),
        "choices": {c: choices[c].value for c in rnd.candidates},
    }
    return json.dumps(doc, sort_keys=True).encode()


def write_ballot(folder: Path, rnd: Round, plain: bytes) -> Path:
    """Encrypt and write; the file is named by its hash so nothing else can name it."""
    sealed = encrypt_ballot(rnd, plain)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(sealed).hexdigest()}{SUFFIX}"
    write_atomically(path, sealed)
    return path


def parse_ballot(plain: bytes) -> Ballot:
    bad = BallotError(_("this is not a ballot"))
    try:
        doc = load_json(plain, MAX_BALLOT_BYTES)
    except StrictJsonError as exc:
        raise BallotError(str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or set(doc) != _KEYS:
        raise bad
    if doc["version"] != VERSION:
        raise BallotError(_("ballot version {v} is not supported").format(v=doc["version"]))
    choices = doc["choices"]
    if not isinstance(choices, dict) or not all(isinstance(v, str) for v in choices.values()):
        raise bad
    try:
        marks = {c: Choice(v) for c, v in choices.items()}
        token = base64.b64decode(doc["token"], validate=True)
        signature = base64.b64decode(doc["signature"], validate=True)
    except (ValueError, TypeError, binascii.Error):
        raise bad from None
    if not isinstance(doc["session"], str) or not isinstance(doc["round"], str):
        raise bad
    return Ballot(doc["session"], doc["round"], token, signature, marks)


def read_ballots(rnd: Round, secrets_: RoundSecrets, folder: Path) -> list[CastBallot]:
    """Every ``*.ballot`` in ``folder``, decrypted and checked; refused as a whole if any
    one is wrong, so a count never silently drops a ballot."""
    problems: list[Problem] = []
    cast: list[CastBallot] = []
    seen: set[str] = set()
    paths = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    if not folder.is_dir():
        raise BallotError(_("{folder} is not a folder").format(folder=folder))
    if len(paths) > MAX_BALLOTS:
        raise BallotError(_("too many ballot files in {folder}").format(folder=folder))
    for path in paths:
        where = path.name
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_BALLOT_BYTES + 1)
            if len(data) > MAX_BALLOT_BYTES:
                raise BallotError(_("the file is too large"))
            try:
                plain = pyrage.decrypt(data, [secrets_.ballot_identity])
            except pyrage.DecryptError:
                raise BallotError(_("it is not a ballot encrypted for this round")) from None
            ballot = parse_ballot(plain)
            if ballot.session_id != rnd.session_id or ballot.round_id != rnd.round_id:
                raise BallotError(_("the ballot is for another session or round"))
            try:
                ballot_token.verify(rnd.public_key, ballot.token, ballot.signature)
            except ballot_token.TokenError as exc:
                raise BallotError(str(exc)) from None
        except BallotError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        except OSError as exc:
            problems.append(Problem(where, exc.strerror or str(exc)))
            continue
        key = ballot_token.token_hash(ballot.token)
        if key in seen:
            problems.append(Problem(where, _("a second ballot with the same token")))
            continue
        seen.add(key)
        cast.append(CastBallot(key, ballot.choices))
    if problems:
        raise BallotError(_("the ballots cannot be counted"), problems)
    return cast
