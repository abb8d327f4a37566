"""A plain hint about how strong a passphrase is, for the identity wizard and the CLI.

Estimates the search space from length and the kinds of characters used (Chinese
characters count as a large alphabet); a passphrase under 40 bits by that estimate,
with fewer than 4 distinct characters, or from a short list of common ones, is refused
by the first-run wizard, ``reviewer identity new`` and ``reviewer session init``
(``require_strong``). The practice builder (``reviewer demo``) calls the library
directly with its published passphrase ``demo`` and is not subject to it; there is no
switch that turns the rule off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import N_, _

MIN_BITS = 40
_COMMON = {"password", "12345678", "123456789", "qwertyui", "11111111", "admin123", "iloveyou"}


class Strength(Enum):
    TOO_WEAK = N_("too weak: use a longer passphrase, e.g. a few words")
    FAIR = N_("fair: a longer passphrase of several words is better")
    GOOD = N_("good")
    STRONG = N_("strong")


@dataclass(frozen=True)
class Verdict:
    level: Strength
    bits: float

    @property
    def acceptable(self) -> bool:
        return self.level is not Strength.TOO_WEAK

    def message(self) -> str:
        return _("Strength: {verdict}").format(verdict=_(self.level.value))


class WeakPassphrase(ReviewerError):
    """A passphrase the strength rule refuses; the message says how strong it is."""


def require_strong(passphrase: str) -> None:
    """Refuse a passphrase the wizard would refuse, with the same message."""
    verdict = strength(passphrase)
    if not verdict.acceptable:
        raise WeakPassphrase(verdict.message())


def strength(passphrase: str) -> Verdict:
    alphabet = 0
    if any(c.islower() for c in passphrase):
        alphabet += 26
    if any(c.isupper() for c in passphrase):
        alphabet += 26
    if any(c.isdigit() for c in passphrase):
        alphabet += 10
    if any(not c.isalnum() and ord(c) < 128 for c in passphrase):
        alphabet += 32
    if any(ord(c) >= 0x2E80 for c in passphrase):
        alphabet += 3000
    bits = len(passphrase) * math.log2(alphabet) if alphabet else 0.0
    if bits < MIN_BITS or passphrase.lower() in _COMMON or len(set(passphrase)) < 4:
        level = Strength.TOO_WEAK
    elif bits < 50:
        level = Strength.FAIR
    elif bits < 80:
        level = Strength.GOOD
    else:
        level = Strength.STRONG
    return Verdict(level, bits)
