"""Sheet benchmark: render + embed review.json + PAdES sign, per sheet and in a batch.

    .venv/bin/python -m benchmarks.bench_sheet [--n 200]

The baseline is a minimal script doing the same three steps with reportlab and pyHanko
directly (same font, a table of similar content, the same P-256 key, stock SimpleSigner,
pyHanko's default stamp): the ratio shows what the product's layout, escaping, QR code,
Chinese stamp and data model cost on top. Target: under 1.3x.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from reviewer.base.pdf_fonts import PRIMARY_FONT, sheet_fonts
from reviewer.sheet.render import SIGNATURE_BOX, render_sheet
from reviewer.sheet.sign import SheetSigner, embed_and_sign
from reviewer.sheet.verify import verify_sheet
from tests.sheet_fixtures import pki, rubric, scored_review, sheet


def _product(data, r, signer) -> bytes:
    return embed_and_sign(render_sheet(data, r), data, signer)


def _baseline_signer():
    p = pki()
    der = serialization.Encoding.DER
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(p.cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            p.key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(p.ca_cert.public_bytes(der))]
        ),
    )


def _baseline(data, r, signer) -> bytes:
    style = ParagraphStyle("b", fontName=PRIMARY_FONT, fontSize=10, leading=15, wordWrap="CJK")
    rows = [
        [
            Paragraph(c.name.zh, style),
            Paragraph(c.source.quote, style),
            Paragraph(str(data.review.scores[c.id]), style),
        ]
        for c in r.criteria
    ]
    story = [
        Paragraph(data.session_name + " 评审表", style),
        Paragraph(data.candidate_name + " " + data.category, style),
        Table(
            rows,
            style=[
                ("FONT", (0, 0), (-1, -1), PRIMARY_FONT, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ],
        ),
        Paragraph(data.review.opinion, style),
        Paragraph(data.reviewer_name, style),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, initialFontName=PRIMARY_FONT).build(story)
    writer = IncrementalPdfFileWriter(io.BytesIO(buf.getvalue()))
    embed_file(
        writer,
        FileSpec(
            file_spec_string="review.json",
            embedded_data=EmbeddedFileObject.from_file_data(
                writer, data.to_json_bytes(), mime_type="application/json"
            ),
            af_relationship=generic.NameObject("/Data"),
        ),
    )
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
        ),
        signer=signer,
        new_field_spec=fields.SigFieldSpec("Sig", on_page=-1, box=SIGNATURE_BOX),
    ).sign_pdf(writer, output=out)
    return out.getvalue()


def _median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    n = parser.parse_args().n
    r = rubric()
    p = pki()
    sheet_fonts()
    signer = SheetSigner(p.key, p.cert, p.ca_cert)
    base_signer = _baseline_signer()
    data = sheet()
    for _ in range(5):  # warm up: font parsing, imports, caches
        _product(data, r, signer)
        _baseline(data, r, base_signer)

    product = _median_ms(lambda: _product(data, r, signer), n)
    baseline = _median_ms(lambda: _baseline(data, r, base_signer), n)
    print(
        f"per sheet, median of {n}: product {product:.1f} ms, baseline {baseline:.1f} ms, "
        f"ratio {product / baseline:.2f}x (target < 1.3x)"
    )

    steps = {
        "render": lambda: render_sheet(data, r),
        "embed+sign": (lambda pdf: lambda: embed_and_sign(pdf, data, signer))(
            render_sheet(data, r)
        ),
    }
    for name, fn in steps.items():
        print(f"  {name}: {_median_ms(fn, max(20, n // 5)):.1f} ms")

    reviews = [scored_review(r, f"C{i:04d}", opinion="评审意见" * (20 + i % 200)) for i in range(n)]
    start = time.perf_counter()
    total_bytes = 0
    sheets = []
    for review in reviews:
        item = sheet(review, candidate_name=f"候选人{review.candidate_id}")
        pdf = _product(item, r, signer)
        total_bytes += len(pdf)
        sheets.append(pdf)
    elapsed = time.perf_counter() - start
    print(
        f"batch of {n} sheets end to end: {elapsed:.1f} s ({elapsed / n * 1000:.0f} ms/sheet, "
        f"{total_bytes / n / 1024:.0f} KiB/sheet)"
    )
    start = time.perf_counter()
    valid = sum(verify_sheet(pdf, p.ca_cert).valid for pdf in sheets)
    elapsed = time.perf_counter() - start
    print(f"verify {n} sheets: {elapsed:.1f} s, {valid}/{n} valid")


if __name__ == "__main__":
    main()
