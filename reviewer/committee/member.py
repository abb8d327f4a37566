"""The member's side of a secret ballot: ask for a token, unblind it, cast the ballot.

The token, its blinding inverse and its signature link this member to their ballot, so
they are kept only in the member's identity home, encrypted with age to the member's own
identity (``ballots/<session>.<round>.age``). A lost token cannot be replaced in that
round: the secretariat issues one per member per round, which is the point.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyrage
from pyrage import x25519

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.strict import StrictJsonError, load_json
from reviewer.committee import ballot, ballot_token, token_request
from reviewer.committee.count import BULLETIN_FORMAT
from reviewer.committee.meeting import Round
from reviewer.committee.tally import Choice
from reviewer.people.identity import UnlockedIdentity

WALLET_DIR = "ballots"
# A bulletin lists one 64-character hash per ballot counted: a megabyte is thousands of
# members, far beyond any committee.
MAX_BULLETIN_BYTES = 1024 * 1024


class Stage(enum.Enum):
    """How far this member has got in a round, as their own wallet says."""

    NOT_REQUESTED = "not-requested"
    REQUESTED = "requested"  # the request is handed in; the response not accepted yet
    SIGNED = "signed"  # the token is signed: ready to cast
    CAST = "cast"


class MemberBallotError(ReviewerError):
    """The member's app refuses: no enrolment, no token, a second cast..."""


def _wallet_path(unlocked: UnlockedIdentity, rnd: Round) -> Path:
    name = hashlib.sha256(f"{rnd.session_id}\n{rnd.round_id}".encode()).hexdigest()[:32]
    return unlocked.identity.folder / WALLET_DIR / f"{name}.age"


def _save(unlocked: UnlockedIdentity, rnd: Round, state: dict[str, Any]) -> None:
    path = _wallet_path(unlocked, rnd)
    path.parent.mkdir(parents=True, exist_ok=True)
    sealed = pyrage.encrypt(
        json.dumps(state).encode(), [x25519.Recipient.from_str(unlocked.age_recipient)]
    )
    write_atomically(path, sealed, private=True)


def _load(unlocked: UnlockedIdentity, rnd: Round) -> dict[str, Any]:
    path = _wallet_path(unlocked, rnd)
    if not path.exists():
        raise MemberBallotError(
            _("you have asked for no token in round {name}").format(name=rnd.round_id)
        )
    try:
        state: dict[str, Any] = json.loads(
            pyrage.decrypt(path.read_bytes(), [unlocked.age_identity])
        )
    except (pyrage.DecryptError, ValueError, OSError):
        raise MemberBallotError(_("{file} is damaged").format(file=path)) from None
    if state.get("round_key") != rnd.key_sha256:
        raise MemberBallotError(_("this round file has another key than your token"))
    return state


def session_name(unlocked: UnlockedIdentity, rnd: Round) -> str:
    """The name of the round's session, as this member's enrolment gives it; refused
    when the member is not enrolled there (a round file of another committee)."""
    enrolment = unlocked.enrolments.get(rnd.session_id)
    if enrolment is None:
        raise MemberBallotError(_("you are not enrolled in the session of this round"))
    return enrolment.session_name


def request_token(unlocked: UnlockedIdentity, rnd: Round) -> bytes:
    """A fresh token, blinded; the request to hand in. Refused if this member already
    asked in this round (a second request would be refused at the secretariat too)."""
    session_name(unlocked, rnd)
    enrolment = unlocked.enrolments[rnd.session_id]
    if _wallet_path(unlocked, rnd).exists():
        raise MemberBallotError(
            _("you already asked for a token in round {name}").format(name=rnd.round_id)
        )
    blinded = ballot_token.blind(rnd.public_key, ballot_token.new_token())
    data = token_request.build_request(
        rnd.session_id, rnd.round_id, blinded.blinded_message, enrolment.certificate,
        unlocked.signing_key,
    )  # fmt: skip
    _save(
        unlocked,
        rnd,
        {
            "round_key": rnd.key_sha256,
            "token": base64.b64encode(blinded.token).decode(),
            "blinded": base64.b64encode(blinded.blinded_message).decode(),
            "inverse": str(blinded.inverse),
            "request": hashlib.sha256(data).hexdigest(),
            "signature": None,
            "cast": False,
        },
    )
    return data


def accept_token(unlocked: UnlockedIdentity, rnd: Round, response: bytes) -> str:
    """Unblind the secretariat's blind signature and keep it; returns the token's hash
    (what the bulletin will list)."""
    state = _load(unlocked, rnd)
    try:
        answer = token_request.parse_response(response)
    except token_request.TokenRequestError as exc:
        raise MemberBallotError(str(exc)) from None
    if (answer.session_id, answer.round_id) != (rnd.session_id, rnd.round_id) or (
        answer.request_sha256 != state["request"]
    ):
        raise MemberBallotError(_("this response answers another request"))
    blinded = ballot_token.Blinded(
        base64.b64decode(state["token"]),
        base64.b64decode(state["blinded"]),
        int(state["inverse"]),
    )
    try:
        signature = ballot_token.finalize(rnd.public_key, blinded, answer.blind_signature)
    except ballot_token.TokenError as exc:
        raise MemberBallotError(str(exc)) from None
    state["signature"] = base64.b64encode(signature).decode()
    _save(unlocked, rnd, state)
    return ballot_token.token_hash(blinded.token)


def stage(unlocked: UnlockedIdentity, rnd: Round) -> Stage:
    if not _wallet_path(unlocked, rnd).exists():
        return Stage.NOT_REQUESTED
    state = _load(unlocked, rnd)
    if state["cast"]:
        return Stage.CAST
    return Stage.REQUESTED if state["signature"] is None else Stage.SIGNED


def choices_from_marks(rnd: Round, yes: Iterable[str], no: Iterable[str]) -> dict[str, Choice]:
    """A full ballot from the candidates marked 同意 and 不同意; the rest are 弃权.
    Refused when one candidate has both marks, is not in the round, or the 同意 are
    over the round's cap."""
    yes, no = list(yes), list(no)
    both = sorted(set(yes) & set(no))
    if both:
        raise MemberBallotError(
            _("the ballot is not filled in correctly"),
            [Problem(c, _("both 同意 and 不同意")) for c in both],
        )
    choices = dict.fromkeys(rnd.candidates, Choice.ABSTAIN)
    choices.update(dict.fromkeys(yes, Choice.YES))
    choices.update(dict.fromkeys(no, Choice.NO))
    check_choices(rnd, choices)
    return choices


def check_choices(rnd: Round, choices: Mapping[str, Choice]) -> None:
    problems = [
        Problem(c, _("not a candidate of this round")) for c in choices if c not in rnd.candidates
    ]
    problems += [
        Problem(c, _("no mark for this candidate")) for c in rnd.candidates if c not in choices
    ]
    yes = sum(1 for c in choices.values() if c is Choice.YES)
    if rnd.places is not None and yes > rnd.places:
        problems.append(
            Problem(
                "",
                _("{yes} approvals, at most {places} allowed").format(yes=yes, places=rnd.places),
            )
        )
    if problems:
        raise MemberBallotError(_("the ballot is not filled in correctly"), problems)


def cast(unlocked: UnlockedIdentity, rnd: Round, choices: Mapping[str, Choice], out: Path) -> Path:
    """Write the encrypted ballot into ``out``; once per round."""
    check_choices(rnd, choices)
    state = _load(unlocked, rnd)
    if state["signature"] is None:
        raise MemberBallotError(_("your token has not been signed yet: accept the response first"))
    if state["cast"]:
        raise MemberBallotError(_("you have already cast your ballot in this round"))
    plain = ballot.ballot_bytes(
        rnd, base64.b64decode(state["token"]), base64.b64decode(state["signature"]), choices
    )
    path = ballot.write_ballot(out, rnd, plain)
    state["cast"] = True
    _save(unlocked, rnd, state)
    return path


def my_token_hash(unlocked: UnlockedIdentity, rnd: Round) -> str:
    return ballot_token.token_hash(base64.b64decode(_load(unlocked, rnd)["token"]))


def check_bulletin(unlocked: UnlockedIdentity, rnd: Round, data: bytes) -> bool:
    """Whether this member's token is among those the round's bulletin lists as counted.
    A file that is no bulletin, or the bulletin of another round, is refused."""
    mine = my_token_hash(unlocked, rnd)
    bad = MemberBallotError(_("this is not a bulletin of a meeting"))
    try:
        doc = load_json(data, MAX_BULLETIN_BYTES)
    except StrictJsonError as exc:
        raise MemberBallotError(
            _("this is not a bulletin of a meeting"), [Problem("", str(exc))]
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != BULLETIN_FORMAT:
        raise bad
    counted = doc.get("counted")
    if not isinstance(counted, list) or not all(isinstance(h, str) for h in counted):
        raise bad
    if (doc.get("session"), doc.get("round")) != (rnd.session_id, rnd.round_id):
        raise MemberBallotError(_("the bulletin belongs to another round"))
    return mine in counted
