"""Embedding ``review.json`` in a rendered sheet and signing it (PAdES, pyHanko).

The JSON is embedded (AFRelationship /Data) in the same incremental update that carries
the signature, so the signature covers it. The visible signature's appearance is a small
page drawn with reportlab in the embedded CJK font and imported as the stamp's
background: pyHanko's own text stamps can only set Chinese with fontTools + uharfbuzz,
and its default stamp font is an unembedded base-14 one.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import uuid
from datetime import UTC, datetime
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from reviewer.base.i18n import _
from reviewer.base.pdf_fonts import SheetFonts, sheet_fonts
from reviewer.sheet.data import SHEET_FILE_NAME, SheetData, SheetError
from reviewer.sheet.render import BEIJING, SIGNATURE_BOX

SIGNATURE_FIELD = "ReviewerSignature"
SIGNATURE_BYTES_RESERVED = 8192


class SheetSigningError(SheetError):
    """The sheet could not be signed."""


def cert_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 (hex) of the certificate's DER: how review.json names the reviewer's key."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


class _LoadedKeySigner(signers.SimpleSigner):
    """SimpleSigner that signs with a key object loaded once: the stock one parses the
    DER private key again on every signature."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, **kwargs: Any):
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
        from pyhanko.sign.general import get_pyca_cryptography_hash

        return self._key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))


class SheetSigner:
    """An unlocked reviewer identity ready to sign many sheets: key and certificates are
    converted once, here, not per sheet."""

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey,
        cert: x509.Certificate,
        ca_cert: x509.Certificate,
        *,
        fonts: SheetFonts | None = None,
    ):
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise SheetSigningError(_("the signing key is not an elliptic-curve (P-256) key"))
        cert_key = cert.public_key()
        if (
            not isinstance(cert_key, ec.EllipticCurvePublicKey)
            or key.public_key().public_numbers() != cert_key.public_numbers()
        ):
            raise SheetSigningError(_("the signing key does not belong to the certificate"))
        der = serialization.Encoding.DER
        signing_key = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        self._signer = _LoadedKeySigner(
            key,
            signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
            signing_key=signing_key,
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(ca_cert.public_bytes(der))]
            ),
        )
        self.cert = cert
        self.name = common_name(cert)
        self.cert_sha256 = cert_fingerprint(cert)
        self._fonts = fonts

    @property
    def fonts(self) -> SheetFonts:
        if self._fonts is None:
            self._fonts = sheet_fonts()
        return self._fonts

    @property
    def pyhanko_signer(self) -> signers.Signer:
        return self._signer

    def metadata(self, field_name: str, reason: str) -> signers.PdfSignatureMetadata:
        """The one signature profile of every PDF the product signs: PAdES, SHA-256."""
        return signers.PdfSignatureMetadata(
            field_name=field_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=self.name,
            reason=reason,
        )


class _PdfPageBytes(PdfContent):
    """The first page of an in-memory PDF as content (pyHanko's own reads a file)."""

    def __init__(self, data: bytes):
        super().__init__()
        self.data = data

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)), page_ix=0)
        name = "/Stamp" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def _stamp_page(fonts: SheetFonts, name: str, cert_sha256: str, moment: datetime) -> bytes:
    x1, y1, x2, y2 = SIGNATURE_BOX
    width, height = x2 - x1, y2 - y1
    buf = io.BytesIO()
    canvas = Canvas(
        buf,
        pagesize=(width, height),
        # types-reportlab has initialFontName as a float; reportlab takes a font name.
        initialFontName=fonts.primary,  # type: ignore[arg-type]
        invariant=1,
        pageCompression=1,
    )
    style = ParagraphStyle("stamp", fontName=fonts.primary, fontSize=9, leading=13)
    local = moment.astimezone(BEIJING)
    lines = [
        f"数字签名：{fonts.markup(name)}",
        f"签署时间：{local:%Y-%m-%d %H:%M:%S}（北京时间）",
        f"证书指纹：{cert_sha256[:32]}",
    ]
    y = height - 4 * mm
    for line in lines:
        para = Paragraph(line, style)
        _, h = para.wrapOn(canvas, width - 6 * mm, height)
        y -= h
        para.drawOn(canvas, 3 * mm, y)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def embed_and_sign(pdf: bytes, data: SheetData, signer: SheetSigner) -> bytes:
    """``review.json`` embedded, then one PAdES signature over the whole file."""
    if data.reviewer_cert_sha256 != signer.cert_sha256:
        raise SheetSigningError(_("the sheet names another certificate than the one signing it"))
    payload = data.to_json_bytes()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
        embedded = EmbeddedFileObject.from_file_data(
            writer,
            data=payload,
            mime_type="application/json",
            params=EmbeddedFileParams(creation_date=data.created, modification_date=data.created),
        )
        embed_file(
            writer,
            FileSpec(
                file_spec_string=SHEET_FILE_NAME,
                file_name=SHEET_FILE_NAME,
                embedded_data=embedded,
                description="评审数据（review.json，格式 1）",
                af_relationship=generic.NameObject("/Data"),
            ),
        )
        now = datetime.now(UTC)
        stamp = StaticStampStyle(
            background=_PdfPageBytes(
                _stamp_page(signer.fonts, signer.name, signer.cert_sha256, now)
            ),
            background_opacity=1.0,
            border_width=1,
        )
        pdf_signer = signers.PdfSigner(
            signer.metadata(SIGNATURE_FIELD, reason="评审表签署"),
            signer=signer.pyhanko_signer,
            stamp_style=stamp,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=SIGNATURE_FIELD, on_page=-1, box=SIGNATURE_BOX
            ),
        )
        out = io.BytesIO()
        # A fixed reservation spares pyHanko's dry-run signature that sizes the container
        # (half the signing time); a P-256 CMS with two certificates needs about 2 KiB.
        pdf_signer.sign_pdf(writer, output=out, bytes_reserved=SIGNATURE_BYTES_RESERVED)
    except (PdfError, SigningError, ValueError) as exc:
        raise SheetSigningError(
            _("the sheet could not be signed: {error}").format(error=exc)
        ) from exc
    return out.getvalue()
