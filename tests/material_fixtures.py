"""Small real material files for the sniffing and candidate-list tests.

Images are written by Pillow (a dependency of reportlab), PDFs by reportlab, Office and
OFD documents as the ZIP layouts their tools write; audio and video are the 2-second
clips in tests/data/media (scripts/make_media.sh made them).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image
from reportlab.pdfgen import canvas

MEDIA = Path(__file__).resolve().parent / "data" / "media"
# file name -> (media type, the kind ``sniff`` gives)
CLIPS = {
    "h264_aac.mp4": "video/mp4",
    "hevc_aac.mp4": "video/mp4",
    "h264_aac.mov": "video/quicktime",
    "h264_aac.mkv": "video/x-matroska",
    "h264_aac.ts": "video/mp2t",
    "tone.mp3": "audio/mpeg",
    "tone.wav": "audio/wav",
}
CLIP_MS = 2000


def pdf(text: str = "hello") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def image(fmt: str, size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def png(size: tuple[int, int] = (8, 6)) -> bytes:
    return image("PNG", size)


def jpeg(size: tuple[int, int] = (8, 6)) -> bytes:
    return image("JPEG", size)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def ofd() -> bytes:
    return _zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})


def legacy_doc() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><image href="file://host/share/x.png"/></svg>\n'
ELF = b"\x7fELF\x02\x01\x01" + bytes(57)
MZ = b"MZ\x90\x00\x03" + bytes(59)
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
