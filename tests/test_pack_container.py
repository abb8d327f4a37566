"""The ZIP layer: only our member names, stored, within caps, no overlaps; atomic writes."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zipfile
import zlib

import pytest

from reviewer.pack.container import (
    MANIFEST,
    PACK_JSON,
    SIGNATURE,
    Limits,
    PackReader,
    PackWriter,
    attachment_member,
    attachment_sha256,
    check_member_name,
)
from reviewer.pack.errors import (
    DuplicateMemberError,
    MissingMemberError,
    NotAPackError,
    PackBuildError,
    PackDamagedError,
    PackError,
    PackTooLargeError,
    UnsafeMemberError,
    UnsupportedPackError,
)
from tests.pack_fixtures import write_zip

SHA = "ab" * 32
BASIC = [(PACK_JSON, b"{}"), (SIGNATURE, b"sig"), (MANIFEST, b"manifest")]


def test_writer_renames_into_place_and_reader_reads_back(tmp_path):
    dest = tmp_path / "p.rvpack"
    with PackWriter(dest) as writer:
        for name, data in BASIC:
            writer.add_bytes(name, data)
        with writer.member(attachment_member(SHA)) as out:
            for _ in range(3):
                out.write(b"x" * 1_000_000)
        assert not dest.exists()
        writer.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["p.rvpack"]
    with zipfile.ZipFile(dest) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    with PackReader(dest) as reader:
        assert reader.read(MANIFEST) == b"manifest"
        assert reader.attachment_hashes == {SHA}
        stream = reader.open_stream(attachment_member(SHA))
        data = b"".join(iter(lambda: stream.read(8192), b""))
        assert data == b"x" * 3_000_000
        assert reader.size(attachment_member(SHA)) == 3_000_000


def test_writer_removes_its_temporary_file_on_failure(tmp_path):
    dest = tmp_path / "p.rvpack"
    dest.write_bytes(b"the previous pack")
    with pytest.raises(RuntimeError), PackWriter(dest) as writer:
        writer.add_bytes(PACK_JSON, b"{}")
        with writer.member(attachment_member(SHA)) as out:
            out.write(b"partial")
            raise RuntimeError("disk full")
    assert [p.name for p in tmp_path.iterdir()] == ["p.rvpack"]
    assert dest.read_bytes() == b"the previous pack"


def test_writer_without_commit_leaves_nothing(tmp_path):
    with PackWriter(tmp_path / "p.rvpack") as writer:
        writer.add_bytes(PACK_JSON, b"{}")
    assert list(tmp_path.iterdir()) == []


def test_writer_refuses_bad_names_duplicates_and_missing_folders(tmp_path):
    with PackWriter(tmp_path / "p.rvpack") as writer:
        with pytest.raises(UnsafeMemberError):
            writer.add_bytes("../evil", b"")
        writer.add_bytes(PACK_JSON, b"{}")
        with pytest.raises(PackBuildError):
            writer.add_bytes(PACK_JSON, b"{}")
    with pytest.raises(PackBuildError):
        PackWriter(tmp_path / "no" / "such" / "p.rvpack")


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "\\windows\\system32",
        "C:/x.age",
        "c:evil",
        "../pack.json",
        "files/../../x",
        "files\\" + SHA + ".age",
        "files/" + SHA.upper() + ".age",
        "files/" + SHA,
        "files/" + SHA + ".age/",
        "files/",
        "manifest.json",
        "pack.json\x00.txt",
        "./pack.json",
        "files/sub/" + SHA + ".age",
    ],
)
def test_member_names_outside_the_allow_list_are_refused(name):
    with pytest.raises(UnsafeMemberError):
        check_member_name(name)


def test_allowed_names():
    for name in (PACK_JSON, MANIFEST, SIGNATURE, attachment_member(SHA)):
        check_member_name(name)
    assert attachment_sha256(attachment_member(SHA)) == SHA
    assert attachment_sha256("pack.json") is None


def test_traversal_name_in_a_real_zip_is_refused(tmp_path):
    pack = write_zip(tmp_path / "p.zip", [*BASIC, ("../../outside.txt", b"boo")])
    with pytest.raises(UnsafeMemberError):
        PackReader(pack)


def test_absolute_name_in_a_real_zip_is_refused(tmp_path):
    pack = write_zip(tmp_path / "p.zip", [*BASIC, ("/tmp/evil", b"boo")])
    with pytest.raises(UnsafeMemberError):
        PackReader(pack)


def test_duplicate_members_are_refused(tmp_path):
    with pytest.warns(UserWarning):  # zipfile itself warns about the duplicate
        pack = write_zip(tmp_path / "p.zip", [*BASIC, (MANIFEST, b"second")])
    with pytest.raises(DuplicateMemberError):
        PackReader(pack)


@pytest.mark.parametrize("missing", [PACK_JSON, MANIFEST, SIGNATURE])
def test_missing_members_are_refused(tmp_path, missing):
    pack = write_zip(tmp_path / "p.zip", [m for m in BASIC if m[0] != missing])
    with pytest.raises(MissingMemberError):
        PackReader(pack)


def test_compressed_members_are_refused(tmp_path):
    pack = write_zip(tmp_path / "p.zip", BASIC, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(UnsupportedPackError):
        PackReader(pack)


@pytest.mark.parametrize(
    "content", [b"", b"hello", b"PK\x03\x04" + b"\x00" * 40, b"PK\x05\x06" + b"\x00" * 18]
)
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "p.rvpack"
    path.write_bytes(content)
    with pytest.raises(NotAPackError):
        PackReader(path)


def test_missing_file(tmp_path):
    with pytest.raises(NotAPackError):
        PackReader(tmp_path / "nope.rvpack")


def test_every_truncation_is_refused(tmp_path):
    whole = write_zip(tmp_path / "p.zip", BASIC).read_bytes()
    cut = tmp_path / "cut.zip"
    for n in range(len(whole)):
        cut.write_bytes(whole[:n])
        with pytest.raises(PackError), PackReader(cut) as reader:
            for name, data in BASIC:
                assert reader.read(name) == data


def test_member_caps(tmp_path):
    pack = write_zip(tmp_path / "p.zip", [*BASIC, (attachment_member(SHA), b"y" * 5000)])
    with pytest.raises(PackTooLargeError):
        PackReader(pack, Limits(attachment=4999))
    with pytest.raises(PackTooLargeError):
        PackReader(pack, Limits(manifest=7))
    with pytest.raises(PackTooLargeError):
        PackReader(pack, Limits(total=5000))
    with pytest.raises(PackTooLargeError):
        PackReader(pack, Limits(members=3))
    PackReader(pack).close()


def _patch_central(data: bytes, name: bytes, **fields: int) -> bytes:
    """Rewrite sizes or offsets in the central directory entry of ``name``."""
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            break
        at = data.find(b"PK\x01\x02", at + 4)
    out = bytearray(data)
    offsets = {"crc": 16, "compressed": 20, "uncompressed": 24, "header_offset": 42}
    for key, value in fields.items():
        struct.pack_into("<L", out, at + offsets[key], value)
    return bytes(out)


def test_declared_size_larger_than_the_data_is_refused(tmp_path):
    # A bomb in miniature: the directory promises more than the file holds.
    data = write_zip(tmp_path / "p.zip", BASIC).read_bytes()
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_patch_central(data, MANIFEST.encode(), compressed=10**9, uncompressed=10**9))
    with pytest.raises(PackError):
        PackReader(bomb)


def test_disagreeing_sizes_are_refused(tmp_path):
    data = write_zip(tmp_path / "p.zip", BASIC).read_bytes()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_patch_central(data, MANIFEST.encode(), uncompressed=5))
    with pytest.raises(PackDamagedError):
        PackReader(bad)


def test_overlapping_members_are_refused(tmp_path):
    # Two directory entries pointing at the same bytes: the overlap trick of ZIP bombs.
    data = write_zip(tmp_path / "p.zip", [*BASIC, (attachment_member(SHA), b"z" * 100)])
    raw = data.read_bytes()
    with zipfile.ZipFile(data) as archive:
        manifest_offset = archive.getinfo(MANIFEST).header_offset
    bad = tmp_path / "overlap.zip"
    bad.write_bytes(_patch_central(raw, SIGNATURE.encode(), header_offset=manifest_offset))
    with pytest.raises(PackError):
        PackReader(bad)


def test_local_header_that_disagrees_with_the_directory_is_refused(tmp_path):
    raw = write_zip(tmp_path / "p.zip", BASIC).read_bytes()
    at = raw.find(SIGNATURE.encode())  # the first occurrence is in its local header
    bad = tmp_path / "bad.zip"
    bad.write_bytes(raw[:at] + b"X" + raw[at + 1 :])
    with pytest.raises(PackDamagedError):
        PackReader(bad)


def test_crc_mismatch_in_a_small_member_is_reported(tmp_path):
    raw = write_zip(tmp_path / "p.zip", BASIC).read_bytes()
    at = raw.find(b"manifest", raw.find(MANIFEST.encode()) + len(MANIFEST))
    bad = tmp_path / "bad.zip"
    bad.write_bytes(raw[:at] + b"M" + raw[at + 1 :])
    with PackReader(bad) as reader, pytest.raises(PackDamagedError):
        reader.read(MANIFEST)


def test_encrypted_zip_members_are_refused(tmp_path):
    raw = bytearray(write_zip(tmp_path / "p.zip", BASIC).read_bytes())
    at = raw.find(b"PK\x01\x02")
    struct.pack_into("<H", raw, at + 8, 0x1)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(raw))
    with pytest.raises(PackError):
        PackReader(bad)


def test_huge_declared_entry_count_is_refused_before_parsing(tmp_path):
    raw = bytearray(write_zip(tmp_path / "p.zip", BASIC).read_bytes())
    at = raw.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", raw, at + 8, 60000, 60000)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(raw))
    with pytest.raises(PackTooLargeError):
        PackReader(bad)


def test_data_crc_is_what_zip_says(tmp_path):
    pack = write_zip(tmp_path / "p.zip", BASIC)
    with PackReader(pack) as reader:
        assert reader.members[MANIFEST].crc32 == zlib.crc32(b"manifest")


# -- random access and zip64 ----------------------------------------------------------


def test_member_ranges_read_any_part_and_stop_at_the_member_end(tmp_path):
    data = bytes(range(256)) * 1000
    pack = write_zip(tmp_path / "p.zip", [*BASIC, (attachment_member(SHA), data)])
    with PackReader(pack) as reader:
        name = attachment_member(SHA)
        for offset, n in [(0, 10), (1000, 70_000), (len(data) - 5, 100), (len(data), 10), (7, 0)]:
            assert reader.read_member_range(name, offset, n) == data[offset : offset + n]
        # Never a byte of the next member or the directory.
        assert reader.read_member_range(MANIFEST, 0, 1 << 20) == b"manifest"
        with pytest.raises(ValueError):
            reader.read_member_range(name, -1, 5)
        with pytest.raises(MissingMemberError):
            reader.read_member_range(attachment_member("cd" * 32), 0, 5)


def test_member_range_of_a_truncated_file_is_refused(tmp_path):
    data = b"y" * 100_000
    pack = write_zip(tmp_path / "p.zip", [*BASIC, (attachment_member(SHA), data)])
    with PackReader(pack) as reader:
        pack.write_bytes(pack.read_bytes()[:200])  # the stick is pulled; our handle stays
        with pytest.raises(PackDamagedError):
            reader.read_member_range(attachment_member(SHA), 50_000, 1000)


def _zip64_pack(path, payload: bytes = b"z" * 3000):
    with PackWriter(path) as writer:
        for name, data in BASIC:
            writer.add_bytes(name, data)
        # A size bound over 2 GiB gives the member zip64 fields, as a long video's does.
        with writer.member(attachment_member(SHA), 3 * 1024**3) as out:
            out.write(payload)
        writer.commit()
    return path


def _local_header_at(raw: bytes, name: bytes) -> int:
    at = raw.find(b"PK\x03\x04")
    while raw[at + 30 : at + 30 + len(name)] != name:
        at = raw.find(b"PK\x03\x04", at + 4)
    return at


def test_zip64_members_are_written_and_read(tmp_path):
    path = _zip64_pack(tmp_path / "p.rvpack")
    raw = path.read_bytes()
    at = _local_header_at(raw, attachment_member(SHA).encode())
    sizes = struct.unpack_from("<2L", raw, at + 18)
    assert sizes == (0xFFFFFFFF, 0xFFFFFFFF)  # the sizes are in the zip64 extra field
    with PackReader(path) as reader:
        assert reader.size(attachment_member(SHA)) == 3000
        assert reader.read_member_range(attachment_member(SHA), 10, 5) == b"zzzzz"
        assert reader.read(MANIFEST) == b"manifest"


@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip is not installed")
def test_unzip_reads_zip64_members(tmp_path):
    path = _zip64_pack(tmp_path / "p.rvpack", b"auditor" * 100)
    result = subprocess.run(
        ["unzip", "-p", str(path), attachment_member(SHA)], capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"auditor" * 100


def test_a_zip64_extra_field_that_disagrees_is_refused(tmp_path, english):
    raw = bytearray(_zip64_pack(tmp_path / "p.rvpack").read_bytes())
    at = _local_header_at(bytes(raw), attachment_member(SHA).encode())
    name_len = struct.unpack_from("<H", raw, at + 26)[0]
    extra = at + 30 + name_len
    assert struct.unpack_from("<2H", raw, extra)[0] == 0x0001
    struct.pack_into("<Q", raw, extra + 4, 2999)  # the uncompressed size
    bad = tmp_path / "bad.rvpack"
    bad.write_bytes(bytes(raw))
    with pytest.raises(PackDamagedError, match="local header"):
        PackReader(bad)
    # And one that is missing: the local header says "see zip64" but has none.
    struct.pack_into("<H", raw, extra, 0x9999)
    bad.write_bytes(bytes(raw))
    with pytest.raises(PackDamagedError, match="local header"):
        PackReader(bad)


@pytest.mark.parametrize(("field", "offset"), [("crc", 14), ("compressed", 18), ("size", 22)])
def test_local_header_crc_or_sizes_that_disagree_are_refused(tmp_path, field, offset, english):
    raw = bytearray(write_zip(tmp_path / "p.zip", BASIC).read_bytes())
    at = _local_header_at(bytes(raw), MANIFEST.encode())
    struct.pack_into("<L", raw, at + offset, struct.unpack_from("<L", raw, at + offset)[0] ^ 1)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(raw))
    with pytest.raises(PackDamagedError, match="local header"):
        PackReader(bad)
