"""The secretariat's signature on the meeting's documents (minutes, the 公示 list).

The same profile as the aggregation summary (``sheet.sign.SheetSigner.metadata``:
PAdES, SHA-256, one invisible signature over the whole file), so a decision body checks
every document the secretariat hands over the same way, in any PDF reader.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError

from reviewer.base.i18n import _
from reviewer.people.session import Session
from reviewer.sheet.sign import SheetSigner, SheetSigningError

SIGNATURE_FIELD = "SecretariatSignature"


def secretariat_signer(session: Session, passphrase: str) -> SheetSigner:
    """The secretariat's signing key, opened with the session passphrase."""
    key = session.load_secretariat_key(passphrase)
    return SheetSigner(key, session.secretariat_certificate, session.ca_certificate)


def sign_document(pdf: bytes, signer: SheetSigner, reason: str) -> bytes:
    """One invisible PAdES signature by ``signer`` over the whole of ``pdf``."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
        pdf_signer = signers.PdfSigner(
            signer.metadata(SIGNATURE_FIELD, reason=reason), signer=signer.pyhanko_signer
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
    except (PdfError, SigningError, ValueError) as exc:
        raise SheetSigningError(
            _("the document could not be signed: {error}").format(error=exc)
        ) from exc
    return out.getvalue()
