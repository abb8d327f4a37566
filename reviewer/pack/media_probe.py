"""The audio and video containers a pack accepts, read just far enough to trust them.

Each probe checks a container's structure and finds what it states about itself: the
media type, the duration (the container's own figure: ``mvhd`` for MP4/MOV, Segment Info
for Matroska, PTS for MPEG-TS, the Xing/Info/VBRI header or the bit rate for MP3, the
data size and byte rate for WAV) and, where the container lists them, the codecs. A
probe reads headers and a bounded tail, never the media itself, through a ``Source``
that caps every read, the bytes read in all and the number of reads: a 2 GiB file is
probed in milliseconds and a hostile one cannot make a probe loop or allocate. A broken
structure is a ``MaterialRefusedError`` (``Refusal.DAMAGED``); a duration the container
does not state, or states beyond ``MAX_DURATION_MS``, is ``None``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from reviewer.base.i18n import _
from reviewer.pack.errors import MaterialRefusedError, Refusal

MAX_DURATION_MS = 10 * 24 * 3600 * 1000  # ten days: anything longer is a lie or garbage
MAX_READ = 8 * 1024 * 1024
MAX_BYTES_READ = 32 * 1024 * 1024
MAX_READS = 20_000
MAX_BOXES = 4_000  # boxes or elements walked at one level


@dataclass(frozen=True)
class MediaInfo:
    media_type: str
    duration_ms: int | None
    codecs: tuple[str, ...] = ()


def damaged(what: str) -> MaterialRefusedError:
    return MaterialRefusedError(Refusal.DAMAGED, what)


class Source:
    """Random access to an untrusted file, every read bounded (see the module doc)."""

    def __init__(self, fh: BinaryIO, size: int):
        self._fh, self.size = fh, size
        self._reads = self._spent = 0

    def read(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset`` (fewer at the end of the file)."""
        if offset < 0 or offset >= self.size or n <= 0:
            return b""
        n = min(n, MAX_READ, self.size - offset)
        self._reads += 1
        self._spent += n
        if self._reads > MAX_READS or self._spent > MAX_BYTES_READ:
            raise damaged(_("its structure is implausibly complex"))
        self._fh.seek(offset)
        return self._fh.read(n)


def _duration(ms: float | None) -> int | None:
    if ms is None or not math.isfinite(ms) or not 0 <= ms <= MAX_DURATION_MS:
        return None
    return round(ms)


# -- MP4 and QuickTime (ISO base media file format) ---------------------------------

# Brands of still images in the same box structure: HEIC/HEIF and AVIF photos.
IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
)
AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
# QuickTime files from before ``ftyp`` start straight with one of these.
QUICKTIME_TOP = frozenset({b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})


def _boxes(src: Source, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, end) of each box in ``[start, end)``; a box running past
    ``end`` (a truncated file) is cut at ``end``."""
    pos = start
    for _n in range(MAX_BOXES):
        if pos + 8 > end:
            return
        head = src.read(pos, 16)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head[:8])
        header = 8
        if size == 1:
            if len(head) < 16:
                return
            size, header = struct.unpack(">Q", head[8:16])[0], 16
        elif size == 0:  # "to the end of the file"
            size = end - pos
        if size < header:
            raise damaged(_("a box of {size} bytes is shorter than its header").format(size=size))
        yield kind, pos + header, min(pos + size, end)
        pos += size
    raise damaged(_("more than {n} boxes at one level").format(n=MAX_BOXES))


def _child(src: Source, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, payload, stop in _boxes(src, start, end):
        if found == kind:
            return payload, stop
    return None


def _mvhd_ms(data: bytes) -> int | None:
    if len(data) < 20:
        return None
    if data[0] == 1:
        if len(data) < 32:
            return None
        timescale, duration = struct.unpack(">IQ", data[20:32])
        unknown = duration == 2**64 - 1
    else:
        timescale, duration = struct.unpack(">II", data[12:20])
        unknown = duration == 2**32 - 1
    if timescale == 0 or unknown or duration == 0:
        return None
    return _duration(duration * 1000 / timescale)


def _mehd_ms(src: Source, mvex: tuple[int, int] | None, timescale: int) -> int | None:
    """A fragmented file states its length in ``mvex/mehd`` (``mvhd`` says 0)."""
    if mvex is None or timescale == 0:
        return None
    mehd = _child(src, *mvex, b"mehd")
    if mehd is None:
        return None
    data = src.read(mehd[0], 12)
    if len(data) >= 12 and data[0] == 1:
        return _duration(struct.unpack(">Q", data[4:12])[0] * 1000 / timescale)
    if len(data) >= 8:
        return _duration(struct.unpack(">I", data[4:8])[0] * 1000 / timescale)
    return None


def _track(src: Source, start: int, end: int) -> tuple[bytes, bytes] | None:
    """(handler type, first sample entry's codec) of one ``trak``."""
    mdia = _child(src, start, end, b"mdia")
    if mdia is None:
        return None
    hdlr = _child(src, *mdia, b"hdlr")
    handler = src.read(hdlr[0] + 8, 4) if hdlr else b""
    codec = b""
    minf = _child(src, *mdia, b"minf")
    stbl = _child(src, *minf, b"stbl") if minf else None
    stsd = _child(src, *stbl, b"stsd") if stbl else None
    if stsd is not None:
        entry = src.read(stsd[0] + 8, 8)  # version/flags, count, then the first entry
        if len(entry) == 8:
            codec = entry[4:8]
    return handler, codec


def _fourcc(code: bytes) -> str:
    return code.decode("latin-1").strip() if code.isascii() and code.isalnum() else "?"


def probe_iso_media(src: Source) -> MediaInfo:
    """MP4 (``video/mp4``, ``audio/mp4``) or QuickTime (``video/quicktime``)."""
    first = src.read(0, 32)
    brand = first[8:12] if first[4:8] == b"ftyp" else b""
    if brand in IMAGE_BRANDS:
        raise MaterialRefusedError(
            Refusal.UNSUPPORTED,
            _("a HEIC or AVIF photo, which the viewer cannot show; convert it to JPEG or PNG"),
        )
    moov = None
    for kind, payload, end in _boxes(src, 0, src.size):
        if kind == b"moov":
            moov = (payload, end)
            break
    if moov is None:
        raise damaged(_("it has no movie header (moov): the file is truncated or damaged"))
    mvhd = _child(src, *moov, b"mvhd")
    header = src.read(mvhd[0], min(32, mvhd[1] - mvhd[0])) if mvhd else b""
    duration = _mvhd_ms(header)
    scale_at = 20 if header[:1] == b"\x01" else 12
    if duration is None and len(header) >= scale_at + 4:
        scale = struct.unpack(">I", header[scale_at : scale_at + 4])[0]
        duration = _mehd_ms(src, _child(src, *moov, b"mvex"), scale)
    handlers: list[bytes] = []
    codecs: list[str] = []
    for kind, payload, end in _boxes(src, *moov):
        if kind == b"trak" and (track := _track(src, payload, end)) is not None:
            handler, codec = track
            if handler in (b"vide", b"soun"):
                handlers.append(handler)
                if codec:
                    codecs.append(_fourcc(codec))
    if not handlers:
        raise damaged(_("it holds no audio or video track"))
    if brand == b"qt  " or not brand:
        media_type = "video/quicktime"
    elif b"vide" not in handlers or brand in AUDIO_BRANDS:
        media_type = "audio/mp4"
    else:
        media_type = "video/mp4"
    return MediaInfo(media_type, duration, tuple(dict.fromkeys(codecs)))


# -- Matroska and WebM (EBML) -------------------------------------------------------

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_SEGMENT, _INFO, _TRACKS, _CLUSTER = 0x18538067, 0x1549A966, 0x1654AE6B, 0x1F43B675
_DOCTYPE, _TIMECODE_SCALE, _DURATION = 0x4282, 0x2AD7B1, 0x4489
_TRACK_ENTRY, _TRACK_TYPE, _CODEC_ID = 0xAE, 0x83, 0x86
_UNKNOWN = -1
MAX_EBML_MASTER = 1024 * 1024  # Info, Tracks and the EBML header are read whole


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, length); ``_UNKNOWN`` for a
    size with every bit set."""
    if pos >= len(data) or data[pos] == 0:
        raise damaged(_("an EBML number is malformed"))
    first = data[pos]
    length = 9 - first.bit_length()
    if (keep_marker and length > 4) or pos + length > len(data):
        raise damaged(_("an EBML number is malformed"))
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = value << 8 | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return _UNKNOWN, length
    return value, length


def _element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(id, payload offset, payload size or ``_UNKNOWN``) of the element at ``pos``."""
    eid, n = _vint(data, pos, keep_marker=True)
    size, m = _vint(data, pos + n, keep_marker=False)
    return eid, pos + n + m, size


def _children(data: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    for _n in range(MAX_BOXES):
        if pos >= len(data):
            return
        eid, start, size = _element(data, pos)
        if size == _UNKNOWN:
            return
        yield eid, data[start : start + size]
        pos = start + size


def _uint(data: bytes) -> int:
    return int.from_bytes(data[:8], "big")


def _info_ms(info: bytes) -> int | None:
    scale, duration = 1_000_000, None  # TimecodeScale defaults to 1 ms, in nanoseconds
    for eid, value in _children(info):
        if eid == _TIMECODE_SCALE:
            scale = _uint(value)
        elif eid == _DURATION and len(value) in (4, 8):
            duration = struct.unpack(">f" if len(value) == 4 else ">d", value)[0]
    if duration is None or scale == 0:
        return None
    return _duration(duration * scale / 1_000_000)


def _tracks(tracks: bytes) -> tuple[list[int], list[str]]:
    kinds, codecs = [], []
    for eid, entry in _children(tracks):
        if eid != _TRACK_ENTRY:
            continue
        for child, value in _children(entry):
            if child == _TRACK_TYPE:
                kinds.append(_uint(value))
            elif child == _CODEC_ID:
                codecs.append(value.decode("ascii", "replace")[:40])
    return kinds, codecs


def probe_matroska(src: Source) -> MediaInfo:
    """Matroska (``video/x-matroska``) or WebM (``video/webm``)."""
    head = src.read(0, 64)
    _eid, start, size = _element(head, 0)
    if size == _UNKNOWN or size > MAX_EBML_MASTER:
        raise damaged(_("its EBML header is malformed"))
    doctype = b""
    for eid, value in _children(src.read(start, size)):
        if eid == _DOCTYPE:
            doctype = value.rstrip(b"\x00")
    if doctype not in (b"matroska", b"webm"):
        raise MaterialRefusedError(
            Refusal.UNSUPPORTED,
            _("an EBML file of type {doctype!r}, not Matroska or WebM").format(
                doctype=doctype.decode("ascii", "replace")[:20]
            ),
        )
    pos = start + size
    segment = src.read(pos, 16)
    eid, data_start, seg_size = _element(segment, 0)
    if eid != _SEGMENT:
        raise damaged(_("it has no Matroska segment"))
    end = src.size if seg_size == _UNKNOWN else min(src.size, pos + data_start + seg_size)
    pos += data_start
    duration: int | None = None
    kinds: list[int] | None = None
    codecs: list[str] = []
    for _n in range(MAX_BOXES):
        if pos >= end or (kinds is not None and duration is not None):
            break
        eid, payload, size = _element(src.read(pos, 16), 0)
        if eid == _CLUSTER or size == _UNKNOWN:
            break  # the media begins: every header we read is before it
        if eid in (_INFO, _TRACKS):
            if size > MAX_EBML_MASTER:
                raise damaged(_("its segment headers are implausibly large"))
            body = src.read(pos + payload, size)
            if eid == _INFO:
                duration = _info_ms(body)
            else:
                kinds, codecs = _tracks(body)
        pos += payload + size
    if kinds is not None and not {1, 2} & set(kinds):
        raise damaged(_("it holds no audio or video track"))
    media_type = "video/webm" if doctype == b"webm" else "video/x-matroska"
    return MediaInfo(media_type, duration, tuple(dict.fromkeys(codecs)))


# -- MPEG transport stream ----------------------------------------------------------

TS_PACKET = 188
TS_CHECKED = 8  # packets whose sync byte must be in place
TS_SCAN = 1024 * 1024  # bytes read at the start and at the end for time stamps
_PTS_WRAP = 1 << 33


def ts_layout(head: bytes, size: int) -> tuple[int, int] | None:
    """(offset of the first sync byte, packet stride) when ``head`` looks like MPEG-TS
    (188-byte packets) or M2TS (192 bytes, a 4-byte time code before each)."""
    for offset, stride in ((0, TS_PACKET), (4, TS_PACKET + 4)):
        packets = min(TS_CHECKED, (size - offset) // stride)
        if packets >= 3 and all(
            offset + i * stride < len(head) and head[offset + i * stride] == 0x47
            for i in range(packets)
        ):
            return offset, stride
    return None


def _packets(data: bytes, stride: int, sync: int) -> Iterator[bytes]:
    pos = sync
    while pos + TS_PACKET <= len(data):
        if data[pos] == 0x47:
            yield data[pos : pos + TS_PACKET]
            pos += stride
        else:  # lost sync (a damaged stretch): find the next packet
            found = data.find(b"\x47", pos + 1)
            if found < 0:
                return
            pos = found


def _pts(packet: bytes) -> tuple[int, int] | None:
    """(PID, PTS in 90 kHz ticks) of a packet that starts a PES packet with a PTS."""
    if not packet[1] & 0x40:  # payload_unit_start_indicator
        return None
    pid = (packet[1] & 0x1F) << 8 | packet[2]
    control = packet[3] >> 4 & 3
    start = 4
    if control & 2:  # adaptation field first
        start += 1 + packet[4]
    if not control & 1 or start + 14 > len(packet):
        return None
    pes = packet[start:]
    if pes[:3] != b"\x00\x00\x01" or not pes[7] & 0x80:
        return None
    p = pes[9:14]
    pts = (p[0] >> 1 & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    return pid, pts


def _stamps(data: bytes, stride: int, sync: int) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for packet in _packets(data, stride, sync):
        if (stamp := _pts(packet)) is not None:
            found.setdefault(stamp[0], []).append(stamp[1])
    return found


def probe_mpeg_ts(src: Source, sync: int, stride: int) -> MediaInfo:
    """MPEG-TS (``video/mp2t``): from the earliest PTS at the start to the latest at the
    end, plus one frame (the smallest step between time stamps), as ffprobe counts it."""
    head = _stamps(src.read(0, TS_SCAN), stride, sync)
    tail_start = max(0, src.size - TS_SCAN)
    tail_start += (sync - tail_start) % stride  # on a packet boundary, if the file is whole
    tail = _stamps(src.read(tail_start, TS_SCAN), stride, 0)
    if not head or not tail:
        return MediaInfo("video/mp2t", None)
    base = next(iter(head.values()))[0]

    def since(pts: int) -> int:  # signed, across the 33-bit wrap
        return (pts - base + _PTS_WRAP // 2) % _PTS_WRAP - _PTS_WRAP // 2

    first = min(since(p) for stamps in head.values() for p in stamps)
    last = max(since(p) for stamps in tail.values() for p in stamps)
    steps = []
    for stamps in tail.values():
        ordered = sorted(map(since, stamps))
        steps += [b - a for a, b in zip(ordered, ordered[1:], strict=False) if 0 < b - a < 90_000]
    span = last - first + min(steps, default=0)
    return MediaInfo("video/mp2t", _duration(span / 90 if span >= 0 else None))


# -- MP3 (MPEG audio) ---------------------------------------------------------------

_BITRATES = {  # kbit/s by (MPEG-1?, layer), index 1..14
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
MP3_SEARCH = 64 * 1024  # how far past an ID3 tag the first frame may be (padding)


@dataclass(frozen=True)
class _Frame:
    length: int
    bitrate: int  # bit/s
    sample_rate: int
    samples: int
    side_info: int  # bytes of Layer III side information after the header
    mpeg1: bool


def _frame(header: bytes) -> _Frame | None:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = header[1] >> 3 & 3, header[1] >> 1 & 3
    index, rate_index, padding = header[2] >> 4, header[2] >> 2 & 3, header[2] >> 1 & 1
    if version == 1 or layer_bits == 0 or index in (0, 15) or rate_index == 3:
        return None  # reserved values, or free format (no length to check)
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _BITRATES[(mpeg1, layer)][index - 1] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    mono = header[3] >> 6 == 3
    if layer == 1:
        return _Frame((12 * bitrate // rate + padding) * 4, bitrate, rate, 384, 0, mpeg1)
    samples = 1152 if mpeg1 or layer == 2 else 576
    length = samples // 8 * bitrate // rate + padding
    side = 0 if layer != 3 else (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return _Frame(length, bitrate, rate, samples, side, mpeg1)


def id3_end(src: Source) -> int:
    """Where the audio starts: after any ID3v2 tags at the start (0 when there are none)."""
    pos = 0
    for _n in range(4):
        tag = src.read(pos, 10)
        if len(tag) < 10 or tag[:3] != b"ID3" or tag[3] == 0xFF or any(b & 0x80 for b in tag[6:]):
            return pos
        size = tag[6] << 21 | tag[7] << 14 | tag[8] << 7 | tag[9]
        pos += 10 + size + (10 if tag[3] == 4 and tag[5] & 0x10 else 0)
    return pos


def mp3_start(src: Source, start: int, window: int) -> int | None:
    """The offset of the first of two consecutive MPEG audio frames within ``window``
    bytes of ``start`` (one frame that ends the file will do)."""
    data = src.read(start, window + 4)
    pos = data.find(b"\xff")
    while 0 <= pos <= window:
        frame = _frame(data[pos : pos + 4])
        if frame is not None and frame.length >= 4:
            after = pos + frame.length
            following = _frame(
                data[after : after + 4] if after + 4 <= len(data) else src.read(start + after, 4)
            )
            after += start
            if after == src.size or (
                following is not None and following.sample_rate == frame.sample_rate
            ):
                return start + pos
        pos = data.find(b"\xff", pos + 1)
    return None


def probe_mp3(src: Source, audio: int) -> MediaInfo:
    """MP3 (``audio/mpeg``) whose first frame is at ``audio``: duration from the
    Xing/Info or VBRI header's frame count, else from the bit rate (constant bit rate)."""
    first = src.read(audio, 64)
    frame = _frame(first)
    if frame is None:
        raise damaged(_("its first MPEG audio frame is malformed"))
    frames = None
    xing = 4 + frame.side_info
    if first[xing : xing + 4] in (b"Xing", b"Info"):
        flags = struct.unpack(">I", first[xing + 4 : xing + 8])[0]
        if flags & 1 and len(first) >= xing + 12:
            frames = struct.unpack(">I", first[xing + 8 : xing + 12])[0]
    elif first[36:40] == b"VBRI" and len(first) >= 54:
        frames = struct.unpack(">I", first[50:54])[0]
    if frames:
        return MediaInfo("audio/mpeg", _duration(frames * frame.samples * 1000 / frame.sample_rate))
    end = src.size - (128 if src.read(src.size - 128, 3) == b"TAG" else 0)
    return MediaInfo("audio/mpeg", _duration((end - audio) * 8000 / frame.bitrate))


# -- WAV (RIFF) ---------------------------------------------------------------------


def probe_wav(src: Source) -> MediaInfo:
    """WAV (``audio/wav``): the data chunk's size over the format's byte rate."""
    byte_rate = data_size = None
    pos = 12
    for _n in range(MAX_BOXES):
        head = src.read(pos, 8)
        if len(head) < 8 or (byte_rate is not None and data_size is not None):
            break
        kind, size = head[:4], struct.unpack("<I", head[4:])[0]
        if kind == b"fmt ":
            fmt = src.read(pos + 8, 16)
            if size < 16 or len(fmt) < 16:
                raise damaged(_("its format chunk is too short"))
            _tag, channels, rate, byte_rate = struct.unpack("<HHII", fmt[:12])
            if channels == 0 or rate == 0:
                raise damaged(_("its format names no channels or no sample rate"))
        elif kind == b"data":
            data_size = min(size, src.size - pos - 8)  # a stream writer may leave it unset
        pos += 8 + size + (size & 1)
    if byte_rate is None or data_size is None:
        raise damaged(_("it lacks the format or the data chunk"))
    return MediaInfo("audio/wav", _duration(data_size * 1000 / byte_rate if byte_rate else None))


__all__ = [
    "EBML_MAGIC",
    "MAX_DURATION_MS",
    "MediaInfo",
    "Source",
    "id3_end",
    "mp3_start",
    "probe_iso_media",
    "probe_matroska",
    "probe_mp3",
    "probe_mpeg_ts",
    "probe_wav",
    "ts_layout",
]
