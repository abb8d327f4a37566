"""What a material file is, from its bytes and structure, never from its name.

A pack carries what the reviewer's viewer can show: PDF, PNG, JPEG, GIF, WebP and plain
UTF-8 text, and for the player MP4/MOV, Matroska/WebM, MPEG-TS, MP3 and WAV. ``sniff``
identifies a file by its signature and checks the structure behind it (the PNG header,
the MP4 boxes, the MP3 frames...), giving the canonical media type and, for audio and
video, the duration the container states (``media_probe``). Everything else is a
``MaterialRefusedError`` whose message says what the file is and what to do with it:

- programs and scripts (MZ/PE, ELF, Mach-O, ``#!``): nothing a reviewer opens;
- SVG, XML and HTML: an SVG renderer follows external references, and on Windows a
  reference to ``\\\\host\\share`` makes the system send the reviewer's NTLM credentials
  to that host (an SMB leak); markup is refused rather than shown;
- Word, Excel, PowerPoint, OFD and RTF: the viewer cannot show them faithfully; the
  secretariat converts them to PDF;
- archives, other image and media formats, UTF-16 text, empty and unrecognised files.

``identify`` also checks the file's name: its extension must be one of ``EXTENSIONS``
and agree with the content, so that a PNG named ``.pdf`` is caught where it was made.
Reads are bounded (a 64 KiB head, a few small reads, a bounded tail), so a 2 GiB file
is identified in milliseconds; on hostile bytes nothing but ``MaterialRefusedError``
escapes.
"""

from __future__ import annotations

import enum
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from reviewer.base.i18n import _
from reviewer.pack import media_probe
from reviewer.pack.errors import MaterialRefusedError, Refusal
from reviewer.pack.media_probe import MediaInfo, Source

HEAD = 64 * 1024
ZIP_TAIL = 64 * 1024
# The viewer's limits (ui/reviewer/attachment_viewer.py shows no more than these).
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 12_000
MAX_IMAGE_MEGAPIXELS = 60
MAX_JPEG_SEGMENTS = 500


class Kind(enum.Enum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"
    WEBP = "webp"
    TEXT = "text"
    ISO_MEDIA = "iso_media"  # MP4 and QuickTime
    MATROSKA = "matroska"  # Matroska and WebM
    MPEG_TS = "mpeg_ts"
    MP3 = "mp3"
    WAV = "wav"


EXTENSIONS: dict[str, Kind] = {
    ".pdf": Kind.PDF,
    ".png": Kind.PNG,
    ".jpg": Kind.JPEG,
    ".jpeg": Kind.JPEG,
    ".gif": Kind.GIF,
    ".webp": Kind.WEBP,
    ".txt": Kind.TEXT,
    ".mp4": Kind.ISO_MEDIA,
    ".m4v": Kind.ISO_MEDIA,
    ".mov": Kind.ISO_MEDIA,
    ".mkv": Kind.MATROSKA,
    ".webm": Kind.MATROSKA,
    ".ts": Kind.MPEG_TS,
    ".mp3": Kind.MP3,
    ".wav": Kind.WAV,
}
MEDIA_KINDS = frozenset({Kind.ISO_MEDIA, Kind.MATROSKA, Kind.MPEG_TS, Kind.MP3, Kind.WAV})


def describe(kind: Kind) -> str:
    """What a reviewer or secretary calls the kind, translated ("a PNG image")."""
    return {
        Kind.PDF: _("a PDF document"),
        Kind.PNG: _("a PNG image"),
        Kind.JPEG: _("a JPEG image"),
        Kind.GIF: _("a GIF image"),
        Kind.WEBP: _("a WebP image"),
        Kind.TEXT: _("plain text"),
        Kind.ISO_MEDIA: _("an MP4 or QuickTime video"),
        Kind.MATROSKA: _("a Matroska or WebM video"),
        Kind.MPEG_TS: _("an MPEG transport stream video"),
        Kind.MP3: _("MP3 audio"),
        Kind.WAV: _("WAV audio"),
    }[kind]


@dataclass(frozen=True)
class Sniffed:
    """A file the viewer can show: its kind, canonical media type and what it states."""

    kind: Kind
    media_type: str
    duration_ms: int | None = None  # audio and video, where the container states it
    width: int | None = None  # images, where the header states it
    height: int | None = None
    codecs: tuple[str, ...] = ()  # as the container names them (avc1, mp4a, V_VP9...)

    @property
    def is_media(self) -> bool:
        return self.kind in MEDIA_KINDS


# -- what is refused, by signature --------------------------------------------------


def _refuse(reason: Refusal, message: str) -> MaterialRefusedError:
    return MaterialRefusedError(reason, message)


def _executable(what: str) -> MaterialRefusedError:
    return _refuse(
        Refusal.EXECUTABLE,
        _("{what}: programs and scripts are never put in a pack").format(what=what),
    )


def _convert(what: str) -> MaterialRefusedError:
    return _refuse(
        Refusal.OFFICE,
        _("{what}, which the viewer cannot show: convert it to PDF first").format(what=what),
    )


def _unsupported(what: str, instead: str) -> MaterialRefusedError:
    return _refuse(
        Refusal.UNSUPPORTED,
        _("{what}, which the viewer cannot show: {instead}").format(what=what, instead=instead),
    )


def _archive(what: str) -> MaterialRefusedError:
    return _refuse(
        Refusal.ARCHIVE,
        _("{what}: unpack it and list the files it holds one by one").format(what=what),
    )


_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")

# (signature, offset, the refusal): checked in order, after the viewable kinds.
_REFUSED: tuple[tuple[bytes, int, Callable[[], MaterialRefusedError]], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        0,
        lambda: _convert(_("a legacy Office document (doc, xls or ppt)")),
    ),
    (b"{\\rtf", 0, lambda: _convert(_("an RTF document"))),
    (b"%!PS", 0, lambda: _convert(_("a PostScript document"))),
    (b"Rar!\x1a\x07", 0, lambda: _archive(_("a RAR archive"))),
    (b"7z\xbc\xaf\x27\x1c", 0, lambda: _archive(_("a 7-Zip archive"))),
    (b"\x1f\x8b", 0, lambda: _archive(_("a gzip archive"))),
    (b"BZh", 0, lambda: _archive(_("a bzip2 archive"))),
    (b"\xfd7zXZ\x00", 0, lambda: _archive(_("an xz archive"))),
    (b"ustar", 257, lambda: _archive(_("a tar archive"))),
    (b"II*\x00", 0, lambda: _unsupported(_("a TIFF image"), _("convert it to PNG, JPEG or PDF"))),
    (b"MM\x00*", 0, lambda: _unsupported(_("a TIFF image"), _("convert it to PNG, JPEG or PDF"))),
    (b"8BPS", 0, lambda: _unsupported(_("a Photoshop image"), _("convert it to PNG or JPEG"))),
    (b"OggS", 0, lambda: _unsupported(_("an Ogg file"), _("convert it to MP3 or MP4"))),
    (b"fLaC", 0, lambda: _unsupported(_("FLAC audio"), _("convert it to MP3 or WAV"))),
    (b"FLV\x01", 0, lambda: _unsupported(_("a Flash video"), _("convert it to MP4 (H.264/AAC)"))),
    (
        b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",
        0,
        lambda: _unsupported(_("Windows Media (WMV/WMA)"), _("convert it to MP4 or MP3")),
    ),
    (
        b"\x00\x00\x01\xba",
        0,
        lambda: _unsupported(_("an MPEG program stream (MPG/VOB)"), _("convert it to MP4")),
    ),
)


# The sizes of a BMP's info header, little-endian, as found right after the file header.
_BMP_HEADERS = frozenset(n.to_bytes(4, "little") for n in (12, 40, 52, 56, 64, 108, 124))


def _zip(head: bytes, tail: bytes) -> MaterialRefusedError:
    """Office and OFD documents are ZIP archives: their member names tell them apart
    (the central directory at the end lists them all; the first members are at the start)."""
    names = head + tail
    if b"OFD.xml" in names:
        return _convert(_("an OFD document"))
    if b"[Content_Types].xml" in names:
        for marker, what in (
            (b"word/", _("a Word document (docx)")),
            (b"xl/", _("an Excel workbook (xlsx)")),
            (b"ppt/", _("a PowerPoint presentation (pptx)")),
        ):
            if marker in names:
                return _convert(what)
        return _convert(_("an Office document"))
    if b"application/vnd.oasis.opendocument" in head:
        return _convert(_("an OpenDocument file (odt, ods, odp)"))
    return _archive(_("a ZIP archive"))


_MARKUP = (b"<?xml", b"<svg", b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<!--")


def _markup() -> MaterialRefusedError:
    return _refuse(
        Refusal.MARKUP,
        _(
            "SVG, XML or HTML, which is refused: displaying it can make Windows send the "
            "reviewer's credentials to another computer (external references, SMB/NTLM); "
            "convert it to PNG or PDF"
        ),
    )


# -- the viewable kinds -------------------------------------------------------------


def _image(kind: Kind, media_type: str, width: int | None, height: int | None) -> Sniffed:
    if width is not None and height is not None:
        if width == 0 or height == 0:
            raise media_probe.damaged(_("its header states an image of no pixels"))
        if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_MEGAPIXELS * 10**6:
            raise _refuse(
                Refusal.TOO_LARGE,
                _(
                    "an image of {w}×{h} pixels, larger than the viewer shows (at most "
                    "{side} a side and {mp} megapixels): scale it down"
                ).format(w=width, h=height, side=MAX_IMAGE_SIDE, mp=MAX_IMAGE_MEGAPIXELS),
            )
    return Sniffed(kind, media_type, width=width, height=height)


def _png(head: bytes) -> Sniffed:
    if len(head) < 24 or head[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise media_probe.damaged(_("its PNG header (IHDR) is missing or malformed"))
    width, height = struct.unpack(">II", head[16:24])
    return _image(Kind.PNG, "image/png", width, height)


_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(src: Source) -> Sniffed:
    """The frame size from the SOF segment; unknown (not refused) when the segments
    before it are unusual, as QImageReader may still read the image."""
    pos = 2
    for _n in range(MAX_JPEG_SEGMENTS):
        marker = src.read(pos, 10)
        if len(marker) < 4 or marker[0] != 0xFF:
            break
        code = marker[1]
        if code == 0xFF:  # fill byte
            pos += 1
            continue
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            pos += 2
            continue
        if code in (0xD9, 0xDA):  # end of image, start of scan: no frame header found
            break
        if code in _SOF:
            if len(marker) < 9:
                break
            height, width = struct.unpack(">HH", marker[5:9])
            return _image(Kind.JPEG, "image/jpeg", width, height or None)
        pos += 2 + struct.unpack(">H", marker[2:4])[0]
    return Sniffed(Kind.JPEG, "image/jpeg")


def _webp(head: bytes) -> Sniffed:
    chunk, body = head[12:16], head[20:30]
    if chunk == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = (v & 0x3FFF for v in struct.unpack("<HH", body[6:10]))
    elif chunk == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1
    elif chunk == b"VP8X" and len(body) >= 10:
        width = int.from_bytes(body[4:7], "little") + 1
        height = int.from_bytes(body[7:10], "little") + 1
    else:
        raise media_probe.damaged(_("its WebP header is missing or malformed"))
    return _image(Kind.WEBP, "image/webp", width, height)


def _media(kind: Kind, info: MediaInfo) -> Sniffed:
    return Sniffed(kind, info.media_type, duration_ms=info.duration_ms, codecs=info.codecs)


def _text(src: Source, head: bytes) -> Sniffed | None:
    """Plain UTF-8 text (a BOM is fine, NUL is not), or None when it is not text."""
    if src.size > MAX_TEXT_BYTES:
        sample = head.removeprefix(b"\xef\xbb\xbf")
        try:
            text = sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Cut mid-character at the end of the head: still text.
            if exc.start < len(sample) - 3:
                return None
            text = sample[: exc.start].decode("utf-8")
        if "\x00" in text:
            return None
        if text.lstrip()[:9].lower().encode().startswith(_MARKUP):
            raise _markup()
        raise _refuse(
            Refusal.TOO_LARGE,
            _("a text file larger than {n} MiB, more than the viewer shows: make it a PDF").format(
                n=MAX_TEXT_BYTES // 2**20
            ),
        )
    data = src.read(0, MAX_TEXT_BYTES).removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if text.lstrip()[:9].lower().encode().startswith(_MARKUP):
        raise _markup()
    return Sniffed(Kind.TEXT, "text/plain; charset=utf-8")


def _sniff(src: Source) -> Sniffed:
    head = src.read(0, HEAD)
    if not head:
        raise _refuse(Refusal.EMPTY, _("the file is empty (0 bytes)"))
    if head.startswith(b"MZ"):
        raise _executable(_("a Windows program (MZ/PE)"))
    if head.startswith(b"\x7fELF"):
        raise _executable(_("a Linux program (ELF)"))
    if head.startswith(_MACHO) or head.startswith(b"\xca\xfe\xba\xbe"):
        raise _executable(_("a macOS program (Mach-O) or Java class"))
    if head.startswith(b"#!"):
        raise _executable(_("a script (#!)"))

    if head.startswith(b"%PDF-"):
        return Sniffed(Kind.PDF, "application/pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(head)
    if head.startswith(b"\xff\xd8\xff"):
        return _jpeg(src)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        if len(head) < 10:
            raise media_probe.damaged(_("its GIF header is truncated"))
        width, height = struct.unpack("<HH", head[6:10])
        return _image(Kind.GIF, "image/gif", width, height)
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return _webp(head)
        if form == b"WAVE":
            return _media(Kind.WAV, media_probe.probe_wav(src))
        if form == b"AVI ":
            raise _unsupported(_("an AVI video"), _("convert it to MP4 (H.264/AAC)"))
    # QuickTime before ``ftyp``: a first box of a plausible size (text never starts with NUL).
    first_box = int.from_bytes(head[:4], "big")
    if head[4:8] == b"ftyp" or (
        head[4:8] in media_probe.QUICKTIME_TOP and head[0] == 0 and 8 <= first_box <= src.size
    ):
        return _media(Kind.ISO_MEDIA, media_probe.probe_iso_media(src))
    if head.startswith(media_probe.EBML_MAGIC):
        return _media(Kind.MATROSKA, media_probe.probe_matroska(src))
    if (layout := media_probe.ts_layout(head, src.size)) is not None:
        return _media(Kind.MPEG_TS, media_probe.probe_mpeg_ts(src, *layout))
    audio = media_probe.id3_end(src)
    start = media_probe.mp3_start(src, audio, media_probe.MP3_SEARCH if audio else 0)
    if start is not None:
        return _media(Kind.MP3, media_probe.probe_mp3(src, start))
    if audio:
        raise _unsupported(_("audio with an ID3 tag but no MP3 frames"), _("convert it to MP3"))

    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        raise _zip(head, src.read(max(0, src.size - ZIP_TAIL), ZIP_TAIL))
    for signature, offset, refusal in _REFUSED:
        if head[offset : offset + len(signature)] == signature:
            raise refusal()
    if head.startswith(b"BM") and head[14:18] in _BMP_HEADERS:
        raise _unsupported(_("a BMP image"), _("convert it to PNG"))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unsupported(_("UTF-16 text"), _("save it as UTF-8 text"))
    if (text := _text(src, head)) is not None:
        return text
    raise _refuse(Refusal.UNKNOWN, _("its content is of no kind the viewer can show"))


# -- the public entry points --------------------------------------------------------


def sniff(fh: BinaryIO, size: int) -> Sniffed:
    """Identify the ``size`` bytes of a seekable binary file by their content."""
    try:
        return _sniff(Source(fh, size))
    except MaterialRefusedError:
        raise
    except OSError as exc:
        raise _refuse(
            Refusal.UNREADABLE,
            _("cannot read the file: {error}").format(error=exc.strerror or exc),
        ) from None
    except (struct.error, ValueError, IndexError, OverflowError, ZeroDivisionError):
        # A structure cut short or out of range somewhere the probes did not expect.
        raise media_probe.damaged(_("its structure is malformed")) from None


def sniff_bytes(data: bytes) -> Sniffed:
    return sniff(io.BytesIO(data), len(data))


def sniff_file(path: Path) -> Sniffed:
    try:
        with Path(path).open("rb") as fh:
            size = fh.seek(0, io.SEEK_END)
            return sniff(fh, size)
    except OSError as exc:
        raise _refuse(
            Refusal.UNREADABLE,
            _("cannot read the file: {error}").format(error=exc.strerror or exc),
        ) from None


def extension(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def accepted_extensions() -> str:
    return " ".join(EXTENSIONS)


# Refusals about the file itself, whatever its name promised.
_ABOUT_THE_FILE = frozenset({Refusal.EMPTY, Refusal.UNREADABLE, Refusal.DAMAGED, Refusal.TOO_LARGE})


def identify(path: Path, name: str | None = None) -> Sniffed:
    """Identify a material file by content and check that its name (``name``, or the
    path's) agrees; raise ``MaterialRefusedError`` naming both when it does not."""
    suffix = extension(name if name is not None else Path(path).name)
    expected = EXTENSIONS.get(suffix)
    try:
        found = sniff_file(path)
    except MaterialRefusedError as exc:
        if exc.reason is Refusal.UNKNOWN:
            if expected is None:
                message = _(
                    "the extension {ext!r} is not accepted and the content is of no kind the "
                    "viewer can show; use one of {names}"
                ).format(ext=suffix, names=accepted_extensions())
            else:
                message = _(
                    "named {ext} but the content is not {expected}, nor anything else the "
                    "viewer can show"
                ).format(ext=suffix, expected=describe(expected))
            raise MaterialRefusedError(exc.reason, message) from None
        if expected is None or exc.reason in _ABOUT_THE_FILE:
            raise
        # The name promised a viewable kind: say so beside what the content is.
        raise MaterialRefusedError(
            exc.reason, _("named {ext} but it is {what}").format(ext=suffix, what=exc.message)
        ) from None
    if expected is None:
        names = " ".join(e for e, k in EXTENSIONS.items() if k is found.kind)
        raise MaterialRefusedError(
            Refusal.MISLABELLED,
            _(
                "the extension {ext!r} is not accepted; the content is {what}: name it {names}"
            ).format(ext=suffix, what=describe(found.kind), names=names),
        )
    if expected is not found.kind:
        names = " ".join(e for e, k in EXTENSIONS.items() if k is found.kind)
        raise MaterialRefusedError(
            Refusal.MISLABELLED,
            _("named {ext} ({expected}) but the content is {what}: rename it {names}").format(
                ext=suffix, expected=describe(expected), what=describe(found.kind), names=names
            ),
        )
    return found


__all__ = [
    "EXTENSIONS",
    "MAX_IMAGE_MEGAPIXELS",
    "MAX_IMAGE_SIDE",
    "MAX_TEXT_BYTES",
    "Kind",
    "Sniffed",
    "accepted_extensions",
    "describe",
    "extension",
    "identify",
    "sniff",
    "sniff_bytes",
    "sniff_file",
]
