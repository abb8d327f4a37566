"""The session's quorum rule (法定人数): the share of the committee's members who must
attend a meeting before it may vote; ⅔ unless the session says otherwise.

API:
    DEFAULT_QUORUM = Fraction(2, 3)
    class QuorumError(ReviewerError)
    parse_quorum(text) -> Fraction     # "2/3", "4/5", "0.75" (full-width digits too)
    check_quorum(value) -> Fraction    # QuorumError unless 0 < value <= 1
    quorum_text(value) -> str          # "2/3": how session.json and round.json write it
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

DEFAULT_QUORUM = Fraction(2, 3)
# Both forms stay within what round.json's reader takes (three digits a side): a
# decimal has at most two places, so its denominator is at most 100.
_FRACTION = re.compile(r"(\d{1,3})/(\d{1,3})")
_DECIMAL = re.compile(r"\d?\.\d{1,2}|[01]")
_SHOWN_CHARS = 20


class QuorumError(ReviewerError):
    """A quorum that is not a share of the members between 0 (excluded) and 1."""


def _refusal(text: str) -> QuorumError:
    shown = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
    return QuorumError(
        _(
            "{text!r} is not a quorum: give the share of members who must attend, more "
            "than 0 and at most 1, as a fraction such as 2/3 or 4/5 or a decimal such as 0.75"
        ).format(text=shown)
    )


def parse_quorum(text: str) -> Fraction:
    """Read a quorum exactly (never through a float). NFKC first, so that what a Chinese
    input method types (２／３, ⅔) is read as 2/3."""
    plain = unicodedata.normalize("NFKC", text).replace("\u2044", "/")
    plain = "".join(plain.split())
    if match := _FRACTION.fullmatch(plain):
        value = Fraction(int(match[1]), int(match[2])) if int(match[2]) else None
    elif _DECIMAL.fullmatch(plain):
        value = Fraction(plain)
    else:
        value = None
    if value is None or not 0 < value <= 1:
        raise _refusal(text)
    return value


def check_quorum(value: Fraction) -> Fraction:
    if not 0 < value <= 1 or value.denominator > 999 or value.numerator > 999:
        raise _refusal(quorum_text(value))
    return value


def quorum_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
