"""Material files are known by their content: what the viewer shows, and every refusal."""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.pack import sniff
from reviewer.pack.errors import MaterialRefusedError, PackError, Refusal
from reviewer.pack.media_probe import MAX_BYTES_READ
from reviewer.pack.sniff import Kind, identify, sniff_bytes, sniff_file
from tests import material_fixtures as mf

pytestmark = pytest.mark.usefixtures("english")

TOLERANCE_MS = 100


def refusal(data: bytes) -> MaterialRefusedError:
    with pytest.raises(MaterialRefusedError) as info:
        sniff_bytes(data)
    return info.value


def refused_as(path: Path, name: str | None = None) -> MaterialRefusedError:
    with pytest.raises(MaterialRefusedError) as info:
        identify(path, name)
    return info.value


def clip(name: str) -> bytes:
    return (mf.MEDIA / name).read_bytes()


# -- what the viewer and the player show ---------------------------------------------


@pytest.mark.parametrize(("name", "media_type"), sorted(mf.CLIPS.items()))
def test_every_clip_is_identified_with_its_duration(name, media_type):
    found = sniff_file(mf.MEDIA / name)
    assert found.media_type == media_type and found.is_media
    assert found.duration_ms is not None
    assert abs(found.duration_ms - mf.CLIP_MS) <= TOLERANCE_MS, found


def test_codecs_are_named_where_the_container_lists_them():
    assert sniff_file(mf.MEDIA / "h264_aac.mp4").codecs == ("avc1", "mp4a")
    assert sniff_file(mf.MEDIA / "hevc_aac.mp4").codecs == ("hvc1", "mp4a")
    assert sniff_file(mf.MEDIA / "h264_aac.mkv").codecs == ("V_MPEG4/ISO/AVC", "A_AAC")


@pytest.mark.parametrize(
    ("data", "kind", "media_type"),
    [
        (mf.pdf(), Kind.PDF, "application/pdf"),
        (mf.png((30, 20)), Kind.PNG, "image/png"),
        (mf.jpeg((30, 20)), Kind.JPEG, "image/jpeg"),
        (mf.image("GIF", (30, 20)), Kind.GIF, "image/gif"),
        (mf.image("WEBP", (30, 20)), Kind.WEBP, "image/webp"),
    ],
)
def test_documents_and_images(data, kind, media_type):
    found = sniff_bytes(data)
    assert (found.kind, found.media_type, found.duration_ms) == (kind, media_type, None)
    if kind is not Kind.PDF:
        assert (found.width, found.height) == (30, 20)


@pytest.mark.parametrize("lossless", [True, False])
def test_webp_of_both_codings(lossless):
    buffer = io.BytesIO()
    mf.Image.new("RGB", (300, 7)).save(buffer, format="WEBP", lossless=lossless)
    assert (sniff_bytes(buffer.getvalue()).width, sniff_bytes(buffer.getvalue()).height) == (300, 7)


def test_plain_text_is_utf8_without_nul():
    assert sniff_bytes("简介：𠮷\n".encode()).media_type == "text/plain; charset=utf-8"
    assert sniff_bytes(b"\xef\xbb\xbf" + "带 BOM".encode()).kind is Kind.TEXT
    assert refusal("简介".encode("gbk")).reason is Refusal.UNKNOWN
    assert refusal(b"text\x00with a NUL").reason is Refusal.UNKNOWN


def test_the_extension_may_name_any_container_of_the_same_kind(tmp_path):
    """MP4 and QuickTime are one box structure; .mp4, .m4v and .mov all play."""
    for name in ("work.mov", "work.m4v", "work.MP4"):
        path = tmp_path / name
        shutil.copyfile(mf.MEDIA / "h264_aac.mp4", path)
        assert identify(path).media_type == "video/mp4"
    path = tmp_path / "work.webm"
    shutil.copyfile(mf.MEDIA / "h264_aac.mkv", path)
    assert identify(path).media_type == "video/x-matroska"


# -- what is refused, and why -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason", "words"),
    [
        (b"", Refusal.EMPTY, "empty (0 bytes)"),
        (mf.ELF, Refusal.EXECUTABLE, "Linux program (ELF)"),
        (mf.MZ, Refusal.EXECUTABLE, "Windows program (MZ/PE)"),
        (b"\xcf\xfa\xed\xfe" + bytes(28), Refusal.EXECUTABLE, "Mach-O"),
        (mf.SCRIPT, Refusal.EXECUTABLE, "script (#!)"),
        (mf.SVG, Refusal.MARKUP, "SMB/NTLM"),
        (b"  <!DOCTYPE html><html><body>x</body></html>", Refusal.MARKUP, "credentials"),
        (mf.docx(), Refusal.OFFICE, "Word document (docx), which the viewer cannot show: convert"),
        (mf.xlsx(), Refusal.OFFICE, "Excel workbook (xlsx)"),
        (mf.ofd(), Refusal.OFFICE, "OFD document, which the viewer cannot show: convert it to PDF"),
        (mf.legacy_doc(), Refusal.OFFICE, "legacy Office document (doc, xls or ppt)"),
        (b"{\\rtf1\\ansi hello}", Refusal.OFFICE, "RTF document"),
        (mf._zip({"a.txt": b"x"}), Refusal.ARCHIVE, "ZIP archive: unpack it"),
        (b"Rar!\x1a\x07\x00" + bytes(20), Refusal.ARCHIVE, "RAR archive"),
        (mf.image("TIFF"), Refusal.UNSUPPORTED, "TIFF image"),
        (mf.image("BMP"), Refusal.UNSUPPORTED, "BMP image, which the viewer cannot show"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", Refusal.UNSUPPORTED, "HEIC"),
        (b"RIFF\x00\x01\x00\x00AVI LIST", Refusal.UNSUPPORTED, "AVI video"),
        ("UTF-16 简介".encode("utf-16"), Refusal.UNSUPPORTED, "save it as UTF-8"),
        (bytes(range(256)) * 4, Refusal.UNKNOWN, "no kind the viewer can show"),
    ],
)
def test_refusals_say_what_the_file_is(data, reason, words):
    """MaterialRefusedError carries the rule (``reason``) and a message naming the type."""
    err = refusal(data)
    assert isinstance(err, PackError)
    assert err.reason is reason and words in err.message, err.message


def test_images_larger_than_the_viewer_shows_are_refused():
    ihdr = struct.pack(">II", 20_000, 20_000) + b"\x08\x02\x00\x00\x00"
    err = refusal(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + ihdr + bytes(4))
    assert err.reason is Refusal.TOO_LARGE and "20000×20000 pixels" in err.message
    assert refusal(b"GIF89a\x00\x00\x05\x00" + bytes(20)).reason is Refusal.DAMAGED  # 0 wide


def test_text_larger_than_the_viewer_shows_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes("很长的文本。\n".encode() * (sniff.MAX_TEXT_BYTES // 10))
    err = refused_as(path)
    assert err.reason is Refusal.TOO_LARGE and "5 MiB" in err.message


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "photo.pdf",
            mf.png(),
            "named .pdf (a PDF document) but the content is a PNG image: rename it .png",
        ),
        ("scan.png", mf.pdf(), "named .png (a PNG image) but the content is a PDF document"),
        (
            "work.mp4",
            clip("tone.mp3"),
            "named .mp4 (an MP4 or QuickTime video) but the content is MP3 audio: rename it .mp3",
        ),
        ("notes.txt", mf.jpeg(), "rename it .jpg .jpeg"),
        ("photo.jfif", mf.jpeg(), "the extension '.jfif' is not accepted; the content is a JPEG"),
    ],
)
def test_a_name_that_disagrees_with_the_content_is_refused_naming_both(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    err = refused_as(path)
    assert err.reason is Refusal.MISLABELLED and words in err.message, err.message


def test_a_refused_type_under_a_viewable_name_says_both(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(mf.docx())
    err = refused_as(path)
    assert err.reason is Refusal.OFFICE
    assert err.message.startswith("named .pdf but it is a Word document (docx)"), err.message
    path.write_bytes(bytes(range(256)))
    err = refused_as(path)
    assert err.reason is Refusal.UNKNOWN and "not a PDF document, nor anything else" in err.message


def test_an_unknown_extension_with_unknown_content_lists_what_is_accepted(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)))
    err = refused_as(path)
    assert err.reason is Refusal.UNKNOWN and ".pdf .png" in err.message and ".wav" in err.message


def test_the_listed_name_is_checked_not_the_file_on_disk(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(mf.png())
    assert identify(path, "证明.png").kind is Kind.PNG
    assert refused_as(path, "证明.gif").reason is Refusal.MISLABELLED


def test_an_unreadable_file_is_a_refusal(tmp_path):
    assert refused_as(tmp_path / "missing.pdf").reason is Refusal.UNREADABLE
    assert refused_as(tmp_path).reason is Refusal.UNREADABLE  # a folder


# -- truncated and garbage media headers ------------------------------------------------


@pytest.mark.parametrize("name", sorted(mf.CLIPS))
def test_truncated_clips_give_no_traceback(name):
    """A cut-short file is identified with a duration or None, or refused as damaged."""
    data = clip(name)
    for cut in (1, 3, 4, 7, 8, 11, 12, 16, 40, 100, 188 * 3, 1000, 4000, len(data) // 2, -1):
        try:
            found = sniff_bytes(data[:cut])
        except MaterialRefusedError as exc:
            assert exc.reason in (Refusal.DAMAGED, Refusal.UNKNOWN, Refusal.UNSUPPORTED), exc
            assert exc.message
        else:
            assert found.duration_ms is None or 0 <= found.duration_ms <= 10 * 86_400_000


def test_an_mp4_whose_movie_header_is_cut_off_is_refused():
    data = clip("h264_aac.mov")  # media first, movie header (moov) at the end
    err = refusal(data[: data.find(b"moov") - 4])
    assert err.reason is Refusal.DAMAGED and "no movie header (moov)" in err.message


def test_garbage_durations_are_unknown_not_wrong():
    mp4 = bytearray(clip("h264_aac.mp4"))
    at = mp4.find(b"mvhd") + 4 + 12  # version/flags, creation, modification: the timescale
    mp4[at : at + 4] = bytes(4)
    assert sniff_bytes(bytes(mp4)).duration_ms is None

    wav = bytearray(clip("tone.wav"))
    at = wav.find(b"fmt ") + 8 + 8  # the byte rate
    wav[at : at + 4] = bytes(4)
    assert sniff_bytes(bytes(wav)).duration_ms is None

    mp3 = bytearray(clip("tone.mp3"))
    at = mp3.find(b"Info") + 8  # the frame count: 4 billion frames is beyond ten days
    mp3[at : at + 4] = b"\xff\xff\xff\xff"
    assert sniff_bytes(bytes(mp3)).duration_ms is None


def test_a_wav_that_claims_more_data_than_it_holds_is_measured_by_what_it_holds():
    wav = bytearray(clip("tone.wav"))
    at = wav.find(b"data") + 4
    wav[at : at + 4] = b"\xff\xff\xff\xff"  # what a streaming writer leaves
    assert abs(sniff_bytes(bytes(wav)).duration_ms - mf.CLIP_MS) <= TOLERANCE_MS


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x00\x00\x20ftypisom" + b"\x00\x00\x00\x04moov" + bytes(16),  # box shorter than 8
        b"\x00\x00\x00\x20ftypisom" + b"\x00\x00\x00\x01mdat" + b"\xff" * 8,  # 64-bit size
        b"\x1a\x45\xdf\xa3\x01\xff\xff\xff\xff\xff\xff\xff",  # EBML header of unknown size
        b"\x1a\x45\xdf\xa3\x84\x42\x82\x81w" + bytes(10),  # doctype "w"
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes(16),  # no channels
        b"RIFF\x24\x00\x00\x00WAVEdata\x00\x00\x00\x00",  # no format chunk
        b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(16) + b"not audio" * 10,
        b"G" + bytes(187) + b"G" + bytes(187) + b"G" + bytes(187),  # TS without time stamps
    ],
)
def test_malformed_media_headers_are_refused_or_unknown(data):
    try:
        found = sniff_bytes(data)
    except MaterialRefusedError as exc:
        assert exc.message and "Traceback" not in exc.message
    else:
        assert found.duration_ms is None


# -- bounded reading, and hostile bytes -------------------------------------------------


class CountingReader(io.RawIOBase):
    """A sparse file's reads, counted: sniffing must not read the media itself."""

    def __init__(self, fh):
        self.fh, self.read_bytes = fh, 0

    def seek(self, offset, whence=io.SEEK_SET):
        return self.fh.seek(offset, whence)

    def read(self, n=-1):
        data = self.fh.read(n)
        self.read_bytes += len(data)
        return data


def test_a_2_gib_video_is_identified_from_its_headers(tmp_path):
    """ftyp, a 2 GiB mdat (sparse on disk), then moov: the boxes are skipped, not read."""
    mov = clip("h264_aac.mov")
    moov = mov[mov.find(b"moov") - 4 :]
    size = 2 * 1024**3
    path = tmp_path / "long.mov"
    with path.open("wb") as fh:
        fh.write(mov[:20] + struct.pack(">I4sQ", 1, b"mdat", size))
        fh.seek(20 + size)
        fh.write(moov)
    with path.open("rb") as fh:
        counting = CountingReader(fh)
        found = sniff.sniff(counting, path.stat().st_size)
    assert found.media_type == "video/quicktime" and found.duration_ms == 2000
    assert counting.read_bytes < 256 * 1024


def test_reads_are_capped_whatever_the_file_claims():
    """Thousands of tiny boxes before the movie header: the walk stops, refusing."""
    data = b"\x00\x00\x00\x20ftypisom" + bytes(20) + b"\x00\x00\x00\x08free" * 20_000
    err = refusal(data)
    assert err.reason is Refusal.DAMAGED and "more than 4000 boxes" in err.message


def test_the_bytes_read_are_capped():
    """Matroska headers that keep coming (1 MiB Tracks elements, each holding only a Void
    element): the walk stops at the cap on bytes read, refusing."""
    ebml = b"\x1a\x45\xdf\xa3\x87\x42\x82\x84webm"
    segment = b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"  # of unknown size
    void = b"\xec\x10\x0f\xff\xf0" + bytes(0x0FFFF0)
    tracks = b"\x16\x54\xae\x6b" + b"\x10" + len(void).to_bytes(3, "big") + void
    data = ebml + segment + tracks * (MAX_BYTES_READ // len(tracks) + 2)
    err = refusal(data)
    assert err.reason is Refusal.DAMAGED and "implausibly complex" in err.message


_SEEDS = [clip(n) for n in sorted(mf.CLIPS)] + [
    mf.pdf(),
    mf.png(),
    mf.jpeg(),
    mf.docx(),
    mf.ofd(),
    mf.SVG,
    b"GIF89a",
    b"RIFF\0\0\0\0WEBP",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_raise_only_the_refusal(data):
    try:
        found = sniff_bytes(data)
    except MaterialRefusedError as exc:
        assert exc.reason in set(Refusal) and exc.message
    else:
        assert found.kind in set(Kind) and "/" in found.media_type


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_SEEDS),
    st.integers(min_value=0, max_value=5000),
    st.lists(st.tuples(st.integers(min_value=0, max_value=5000), st.integers(0, 255)), max_size=8),
    st.binary(max_size=64),
)
def test_damaged_real_files_raise_only_the_refusal(seed, cut, flips, tail):
    """Real headers, cut, with bytes changed and junk appended: the probes go deep."""
    data = bytearray(seed[: max(cut, 1) if cut < len(seed) else len(seed)])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    try:
        found = sniff_bytes(bytes(data) + tail)
    except MaterialRefusedError as exc:
        assert exc.reason in set(Refusal)
    else:
        assert found.duration_ms is None or 0 <= found.duration_ms <= 10 * 86_400_000
