"""The pack's layout and its public header (``pack.json``), which both sides share.

A pack is a stored ZIP (see ``container``) of:

- ``pack.json``: a public header, nothing confidential;
- ``manifest.json.age``: the manifest (``manifest``), age-encrypted to every reviewer;
- ``manifest.json.sig``: a detached CMS signature (``cms``) over the manifest plaintext
  by the secretariat's signing certificate;
- ``files/<sha256>.age``: each attachment age-encrypted on its own, so one can be opened
  without the others.

Format 2 (this version writes it) may hold zip64 members (an attachment whose ciphertext
passes 2 GiB) and carries a format-2 manifest (block hashes); format 1 is still read.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.base.i18n import _
from reviewer.pack.errors import ManifestInvalidError, PackDamagedError, UnsupportedPackError
from reviewer.pack.manifest import load_json
from reviewer.rubric.model import canonical_json

PACK_FORMAT = 2
READABLE_PACK_FORMATS = (1, 2)
PACK_KIND = "reviewer-workstation/dossier-pack"
PACK_SUFFIX = ".rvpack"


@dataclass(frozen=True)
class PackHeader:
    pack_id: str
    session_id: str
    created: str
    recipients: int
    format: int = PACK_FORMAT

    def to_bytes(self) -> bytes:
        return (
            canonical_json(
                {
                    "kind": PACK_KIND,
                    "format": self.format,
                    "pack_id": self.pack_id,
                    "session_id": self.session_id,
                    "created": self.created,
                    "recipients": self.recipients,
                }
            )
            + b"\n"
        )


def parse_header(data: bytes) -> PackHeader:
    def bad(detail: str) -> PackDamagedError:
        return PackDamagedError(
            _("The pack's header (pack.json) is invalid: {detail}").format(detail=detail)
        )

    try:
        doc = load_json(data, max_bytes=64 * 1024)
    except ManifestInvalidError as exc:
        raise bad("; ".join(map(str, exc.problems))) from None
    if not isinstance(doc, dict) or doc.get("kind") != PACK_KIND:
        raise bad(_("not a dossier pack header"))
    fmt = doc.get("format")
    if isinstance(fmt, bool) or fmt not in READABLE_PACK_FORMATS:
        raise UnsupportedPackError(
            _(
                "The pack has format {found!r}; this version reads formats {ours}. "
                "A newer pack needs a newer version of the application."
            ).format(found=fmt, ours=", ".join(map(str, READABLE_PACK_FORMATS)))
        )
    expected = {"kind", "format", "pack_id", "session_id", "created", "recipients"}
    if set(doc) != expected:
        raise bad(_("unexpected or missing fields"))
    texts = [doc[k] for k in ("pack_id", "session_id", "created")]
    recipients = doc["recipients"]
    if not all(isinstance(t, str) and 0 < len(t) <= 128 for t in texts):
        raise bad(_("identifiers must be short text"))
    if isinstance(recipients, bool) or not isinstance(recipients, int) or recipients < 1:
        raise bad(_("the number of recipients must be a positive integer"))
    return PackHeader(doc["pack_id"], doc["session_id"], doc["created"], recipients, fmt)


__all__ = [
    "PACK_FORMAT",
    "PACK_KIND",
    "READABLE_PACK_FORMATS",
    "PACK_SUFFIX",
    "PackHeader",
    "parse_header",
]
