"""Every way a dossier pack can be refused, as one family of exceptions.

Callers (CLI, GUI, tests) catch ``PackError`` alone: anything else escaping the pack
code is a bug, which is what the mutation tests check. Each subclass stands for one
reason a reviewer or secretary can act on; its message is already translated.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _


class PackError(ReviewerError):
    """A pack that cannot be built or used; ``str()`` is one translated line."""


# -- the container (ZIP) layer ------------------------------------------------------


class NotAPackError(PackError):
    """Not a ZIP at all, truncated, or missing the standard members."""


class PackDamagedError(PackError):
    """The ZIP is readable but inconsistent (CRC, local headers, overlapping members)."""


class PackTooLargeError(PackError):
    """A member or the whole pack exceeds a hard cap (ZIP bombs land here)."""


class UnsafeMemberError(PackError):
    """A member name that could write outside a folder or is not one of ours."""


class DuplicateMemberError(PackError):
    pass


class MissingMemberError(NotAPackError):
    pass


class UnsupportedPackError(PackError):
    """Compressed or encrypted ZIP members, or a format version this build does not read."""


# -- the contents -------------------------------------------------------------------


class NotAddressedToYouError(PackError):
    def __init__(self) -> None:
        super().__init__(
            _("This pack is not addressed to you: none of its recipients is your key.")
        )


# What a refused signature means for a pack. ``reviewer.crypto.cms`` names what is wrong
# with the signature itself (SignerCertificateError, SignatureInvalidError); the pack
# reader turns those into these, with the cms reason as the detail.


class UntrustedSignerError(PackError):
    def __init__(self, detail: str = "") -> None:
        message = _("This pack is not from your session's secretariat.")
        super().__init__(f"{message} ({detail})" if detail else message)


class NotSecretariatSignerError(UntrustedSignerError):
    """Signed with a certificate of the session CA that is not the secretariat's: a
    reviewer's own, or a secretariat certificate other than the one pinned at enrolment."""

    def __init__(self, signer: str) -> None:
        self.signer = signer
        PackError.__init__(
            self,
            _(
                "This pack was signed by {signer}, not by your session's secretariat; "
                "it is refused. Ask the secretariat for the pack they signed."
            ).format(signer=signer),
        )


class SignatureMismatchError(PackError):
    def __init__(self, detail: str = "") -> None:
        message = _("The pack's signature does not match its contents.")
        super().__init__(f"{message} ({detail})" if detail else message)


class ManifestInvalidError(PackError):
    """The decrypted manifest breaks its schema; ``problems`` names each JSON path."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(_("The pack's manifest is invalid:"), problems)


class WrongSessionError(PackError):
    def __init__(self, found: str, expected: str):
        self.found, self.expected = found, expected
        super().__init__(
            _("This pack belongs to session {found}, not {expected}.").format(
                found=found, expected=expected
            )
        )


class AttachmentDamagedError(PackError):
    def __init__(self, name: str, detail: str):
        self.name = name
        super().__init__(
            _("Attachment {name} is damaged ({detail}).").format(name=name, detail=detail)
        )


class AttachmentClosedError(PackError):
    """A read from an attachment stream after it (or its pack) was closed."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(_("Attachment {name} was closed; open it again.").format(name=name))


class UnknownAttachmentError(PackError):
    def __init__(self, sha256: str):
        super().__init__(_("The pack lists no attachment {sha256}.").format(sha256=sha256[:64]))


# -- building -----------------------------------------------------------------------


class PackBuildError(PackError):
    """Inputs that cannot make a pack (recipients, key and certificate, the output path)."""


# -- materials ----------------------------------------------------------------------


class Refusal(enum.StrEnum):
    """Why a material file cannot go into a pack (``MaterialRefusedError.reason``)."""

    EMPTY = "empty"
    EXECUTABLE = "executable"  # programs and scripts
    MARKUP = "markup"  # SVG, XML, HTML
    OFFICE = "office"  # Word, Excel, PowerPoint, OFD, RTF: convert to PDF
    ARCHIVE = "archive"
    UNSUPPORTED = "unsupported"  # recognised, but not a type the viewer shows
    DAMAGED = "damaged"  # a viewable type whose structure is broken
    TOO_LARGE = "too_large"  # more than the viewer shows (image pixels, text size)
    MISLABELLED = "mislabelled"  # the name's extension and the content disagree
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"


class MaterialRefusedError(PackError):
    """A material file refused for its content; ``reason`` says which rule refused it and
    the message, already translated, what the file is and what to do."""

    def __init__(self, reason: Refusal, message: str):
        self.reason = reason
        super().__init__(message)
