"""Attachment streams: any range of a long file, each 4 MiB block decrypted when needed
and checked against the signed manifest first; every damage refused with its block."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import threading
import zipfile

import pyrage
import pytest

from reviewer.pack.build import build_pack
from reviewer.pack.container import PackReader
from reviewer.pack.errors import (
    AttachmentClosedError,
    AttachmentDamagedError,
    ManifestInvalidError,
    PackBuildError,
    PackDamagedError,
    UnknownAttachmentError,
    UnsupportedPackError,
)
from reviewer.pack.manifest import BLOCK_SIZE
from reviewer.pack.reader import open_pack
from reviewer.pack.stream import CACHE_BLOCKS
from reviewer.rubric.model import canonical_json
from tests.pack_fixtures import (
    candidate,
    forge_pack,
    make_session,
    material,
    read_members,
    repack,
    write_materials,
)

SEALED = 64 * 1024 + 16
LONG = 4 * BLOCK_SIZE + 12_345  # five blocks, the last one short


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def session():
    return make_session(2)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, session):
    """A pack with a five-block video, a one-block file and an empty one."""
    folder = tmp_path_factory.mktemp("stream")
    materials = folder / "materials"
    write_materials(materials, {"作品1.mp4": LONG, "b.pdf": 70_000, "c.txt": 0})
    m = {name: material(materials, name) for name in ("作品1.mp4", "b.pdf", "c.txt")}
    rows = [
        candidate(2, "C001", "张三", [("作品一", "纪录片", 2024, m["作品1.mp4"])], [m["c.txt"]]),
        candidate(3, "C002", "李四", [("作品二", "剧", 2023, m["b.pdf"])]),
    ]
    built = build_pack(
        folder / "sample.rvpack",
        session_id="S-1",
        session_name="测试",
        candidates=rows,
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
    )
    contents = {name: (materials / name).read_bytes() for name in m}
    return built.path, contents


def member_of(data: bytes) -> str:
    return f"files/{sha(data)}.age"


def opened(path, session, identity=0):
    return open_pack(path, session.reviewers[identity], session.ca.cert)


# -- reading -------------------------------------------------------------------------


def test_the_manifest_carries_the_block_hashes(sample, session):
    path, contents = sample
    video = contents["作品1.mp4"]
    with opened(path, session) as pack:
        assert pack.manifest.format == 2 and pack.header.format == 2
        attachment = pack.manifest.attachment(sha(video))
        assert attachment.blocks == tuple(
            sha(video[i : i + BLOCK_SIZE]) for i in range(0, len(video), BLOCK_SIZE)
        )
        assert len(attachment.blocks) == 5
        assert pack.manifest.attachment(sha(b"")).blocks == (sha(b""),)


def test_random_ranges_read_the_same_bytes(sample, session):
    path, contents = sample
    rng = random.Random(11)
    with opened(path, session, identity=1) as pack:
        for name, data in contents.items():
            with pack.open_attachment_stream(sha(data)) as stream:
                assert (stream.size, stream.name) == (len(data), name)
                assert stream.read_at(0, len(data) + 100) == data
                for _ in range(30):
                    offset = rng.randrange(0, len(data) + 2)
                    n = rng.choice([0, 1, 1000, 1 << 20, BLOCK_SIZE, BLOCK_SIZE + 3, 9 << 20])
                    assert stream.read_at(offset, n) == data[offset : offset + n]
                assert stream.read_at(len(data), 10) == b""
        assert pack.open_attachment_stream(sha(contents["b.pdf"])).media_type == "application/pdf"


def test_reads_across_block_boundaries(sample, session):
    path, contents = sample
    video = contents["作品1.mp4"]
    with opened(path, session) as pack, pack.open_attachment_stream(sha(video)) as stream:
        for boundary in range(BLOCK_SIZE, len(video), BLOCK_SIZE):
            assert stream.read_at(boundary - 3, 7) == video[boundary - 3 : boundary + 4]
        assert stream.read_at(10, 3 * BLOCK_SIZE) == video[10 : 10 + 3 * BLOCK_SIZE]
        assert stream.read_at(len(video) - 5, 100) == video[-5:]


def test_only_the_blocks_needed_are_decrypted_and_a_few_are_kept(sample, session, monkeypatch):
    path, contents = sample
    video = contents["作品1.mp4"]
    reads: list[int] = []
    real = PackReader.read_member_range

    def counting(self, name, offset, n):
        reads.append(n)
        return real(self, name, offset, n)

    monkeypatch.setattr(PackReader, "read_member_range", counting)
    with opened(path, session) as pack, pack.open_attachment_stream(sha(video)) as stream:
        opening = sum(reads)  # the header, the nonce and the final chunk
        assert opening < 3 * SEALED
        reads.clear()
        assert stream.read_at(2 * BLOCK_SIZE + 100, 10) == video[2 * BLOCK_SIZE + 100 :][:10]
        assert sum(reads) == BLOCK_SIZE + 64 * 16  # one block of ciphertext, nothing more
        stream.read_at(2 * BLOCK_SIZE + 5000, 10)
        assert sum(reads) == BLOCK_SIZE + 64 * 16  # served from memory
        for index in range(5):
            stream.read_at(index * BLOCK_SIZE, 1)
        reads.clear()
        stream.read_at(4 * BLOCK_SIZE, 1)  # the most recent blocks stay
        assert reads == []
        stream.read_at(0, 1)  # the oldest was dropped: at most CACHE_BLOCKS kept
        assert len(reads) == 1 and CACHE_BLOCKS == 4


def test_evicted_buffers_take_blocks_of_any_length(sample, session):
    # The short final block goes into a full block's buffer and back: every byte right.
    path, contents = sample
    video = contents["作品1.mp4"]
    order = [4, 0, 1, 2, 3, 4, 0, 4, 1, 2, 3, 0]
    with opened(path, session) as pack, pack.open_attachment_stream(sha(video)) as stream:
        for index in order:
            start = index * BLOCK_SIZE
            assert stream.read_at(start, BLOCK_SIZE) == video[start : start + BLOCK_SIZE]


def test_concurrent_reads_from_four_threads(sample, session):
    path, contents = sample
    video = contents["作品1.mp4"]
    failures: list[str] = []
    with opened(path, session) as pack, pack.open_attachment_stream(sha(video)) as stream:

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(40):
                offset = rng.randrange(len(video))
                n = rng.choice([1, 4096, 1 << 20, BLOCK_SIZE + 1])
                if stream.read_at(offset, n) != video[offset : offset + n]:
                    failures.append(f"{seed}: {offset}+{n}")

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_close_then_read_raises_and_pack_close_closes_streams(sample, session, english):
    path, contents = sample
    video = contents["作品1.mp4"]
    with opened(path, session) as pack:
        stream = pack.open_attachment_stream(sha(video))
        assert stream.read_at(0, 4) == video[:4]
        stream.close()
        stream.close()  # idempotent
        assert stream.closed
        with pytest.raises(AttachmentClosedError, match="作品1.mp4 was closed"):
            stream.read_at(0, 4)
        other = pack.open_attachment_stream(sha(video))
        other.read_at(BLOCK_SIZE, 10)
    assert other.closed
    with pytest.raises(AttachmentClosedError):
        other.read_at(0, 1)


def test_close_while_another_thread_reads(sample, session):
    path, contents = sample
    video = contents["作品1.mp4"]
    outcomes: list[str] = []
    with opened(path, session) as pack:
        stream = pack.open_attachment_stream(sha(video))
        started = threading.Event()

        def reader() -> None:
            started.set()
            try:
                for index in range(200):
                    offset = (index * 997_001) % len(video)
                    assert stream.read_at(offset, 1000) == video[offset : offset + 1000]
                outcomes.append("finished")
            except AttachmentClosedError:
                outcomes.append("closed")

        thread = threading.Thread(target=reader)
        thread.start()
        started.wait()
        stream.close()
        thread.join()
    assert outcomes in (["closed"], ["finished"])


def test_unknown_attachment(sample, session):
    path, _ = sample
    with opened(path, session) as pack, pytest.raises(UnknownAttachmentError):
        pack.open_attachment_stream("00" * 32)


# -- damage --------------------------------------------------------------------------


def _replace(sample, tmp_path, member: str, data: bytes):
    return repack(sample[0], tmp_path / "p.rvpack", replace={member: data})


def test_a_forged_block_is_refused_by_its_hash(sample, session, tmp_path, english):
    # A co-recipient knows the file key, so they can make chunks that authenticate: only
    # the signed block hashes stop them. Re-encrypting changed plaintext does the same.
    path, contents = sample
    video = contents["作品1.mp4"]
    forged = bytearray(video)
    forged[2 * BLOCK_SIZE + 77] ^= 0xFF
    recipients = [r.to_public() for r in session.reviewers]
    bad = _replace(sample, tmp_path, member_of(video), pyrage.encrypt(bytes(forged), recipients))
    with opened(bad, session) as pack, pack.open_attachment_stream(sha(video)) as stream:
        assert stream.read_at(0, 100) == video[:100]
        assert stream.read_at(4 * BLOCK_SIZE, 100) == video[4 * BLOCK_SIZE :][:100]
        with pytest.raises(
            AttachmentDamagedError,
            match=r"作品1.mp4 is damaged \(block 3 of 5 does not match the signed manifest\)",
        ):
            stream.read_at(2 * BLOCK_SIZE + 1_000_000, 1)
        # A read that only starts before the block is refused too, with nothing returned.
        with pytest.raises(AttachmentDamagedError):
            stream.read_at(BLOCK_SIZE, 2 * BLOCK_SIZE)


def test_a_flipped_ciphertext_byte_is_refused_with_its_block(sample, session, tmp_path, english):
    path, contents = sample
    video = contents["作品1.mp4"]
    member = member_of(video)
    data = bytearray(dict(read_members(path))[member])
    header = data.index(b"\n", data.index(b"\n--- ") + 1) + 1
    chunk = 64 * 3 + 5  # a chunk of the fourth block
    data[header + 16 + chunk * SEALED + 100] ^= 0x01
    with (
        opened(_replace(sample, tmp_path, member, bytes(data)), session) as pack,
        pack.open_attachment_stream(sha(video)) as stream,
    ):
        with pytest.raises(AttachmentDamagedError, match=r"block 4 of 5 failed authentication"):
            stream.read_at(3 * BLOCK_SIZE, 10)
        assert stream.read_at(0, 10) == video[:10]


def test_a_bad_header_mac_is_refused(sample, session, tmp_path, english):
    path, contents = sample
    video = contents["作品1.mp4"]
    member = member_of(video)
    data = dict(read_members(path))[member]
    at = data.index(b"\n--- ") + 5
    bad = data[:at] + (b"B" if data[at : at + 1] == b"A" else b"A") + data[at + 1 :]
    with (
        opened(_replace(sample, tmp_path, member, bad), session) as pack,
        pytest.raises(AttachmentDamagedError, match="header failed authentication"),
    ):
        pack.open_attachment_stream(sha(video))


@pytest.mark.parametrize("cut", [SEALED, 2 * SEALED, 1, 5000])
def test_a_truncated_attachment_is_refused(sample, session, tmp_path, cut, english):
    path, contents = sample
    video = contents["作品1.mp4"]
    member = member_of(video)
    data = dict(read_members(path))[member]
    with (
        opened(_replace(sample, tmp_path, member, data[:-cut]), session) as pack,
        pytest.raises(AttachmentDamagedError, match="truncated or padded"),
    ):
        pack.open_attachment_stream(sha(video))


def test_an_extended_attachment_is_refused(sample, session, tmp_path, english):
    path, contents = sample
    video = contents["作品1.mp4"]
    member = member_of(video)
    data = dict(read_members(path))[member]
    header = data.index(b"\n", data.index(b"\n--- ") + 1) + 1
    # A chunk of its own appended: sizes still in the container's slack, so the age
    # reader refuses it (the former final chunk is not final any more).
    extended = data + data[header + 16 : header + 16 + SEALED]
    with (
        opened(_replace(sample, tmp_path, member, extended), session) as pack,
        pytest.raises(AttachmentDamagedError, match="truncated or padded|failed authentication"),
    ):
        pack.open_attachment_stream(sha(video))


def test_an_attachment_not_encrypted_to_me(sample, session, tmp_path, english):
    path, contents = sample
    data = contents["b.pdf"]
    stranger = pyrage.x25519.Identity.generate().to_public()
    bad = _replace(sample, tmp_path, member_of(data), pyrage.encrypt(data, [stranger]))
    with (
        opened(bad, session) as pack,
        pytest.raises(AttachmentDamagedError, match="not encrypted to your key"),
    ):
        pack.open_attachment_stream(sha(data))


def test_a_malformed_age_header_is_refused(sample, session, tmp_path, english):
    path, contents = sample
    data = contents["b.pdf"]
    member = member_of(data)
    sealed = dict(read_members(path))[member]
    bad = _replace(
        sample,
        tmp_path,
        member,
        sealed.replace(b"age-encryption.org/v1", b"age-encryption.org/v2", 1),
    )
    with (
        opened(bad, session) as pack,
        pytest.raises(AttachmentDamagedError, match="header is malformed"),
    ):
        pack.open_attachment_stream(sha(data))


def _manifest_doc(sample, session) -> dict:
    with opened(sample[0], session) as pack:
        return json.loads(json.dumps(pack.manifest.to_dict()))


def _attachment_members(sample, session) -> dict[str, bytes]:
    _, contents = sample
    return {sha(d): d for d in contents.values()}


def test_a_wrong_block_count_in_a_signed_manifest_is_refused(sample, session, tmp_path, english):
    doc = _manifest_doc(sample, session)
    entry = next(a for a in doc["attachments"] if len(a["blocks"]) == 5)
    entry["blocks"] = entry["blocks"][:4]
    path = forge_pack(
        tmp_path / "p.rvpack",
        session,
        canonical_json(doc),
        attachments=_attachment_members(sample, session),
    )
    index = doc["attachments"].index(entry)
    with pytest.raises(ManifestInvalidError) as info:
        opened(path, session)
    assert [str(p) for p in info.value.problems] == [
        f"attachments[{index}].blocks: 4 block hashes for {LONG} bytes; expected 5"
    ]


# -- formats -------------------------------------------------------------------------


def test_a_format_1_pack_is_read_whole_and_served_from_memory(sample, session, tmp_path):
    doc = _manifest_doc(sample, session)
    doc["format"] = 1
    for entry in doc["attachments"]:
        del entry["blocks"]
    path = forge_pack(
        tmp_path / "v1.rvpack",
        session,
        canonical_json(doc),
        attachments=_attachment_members(sample, session),
    )
    assert json.loads(dict(read_members(path))["pack.json"])["format"] == 1
    video = sample[1]["作品1.mp4"]
    with opened(path, session) as pack:
        assert pack.manifest.format == 1 and pack.manifest.attachment(sha(video)).blocks is None
        with pack.open_attachment_stream(sha(video)) as stream:
            assert stream.size == len(video)
            assert stream.read_at(BLOCK_SIZE - 5, 10) == video[BLOCK_SIZE - 5 : BLOCK_SIZE + 5]
            assert stream.read_at(0, len(video)) == video
        with pytest.raises(AttachmentClosedError):
            stream.read_at(0, 1)


def test_a_format_1_attachment_that_does_not_match_is_refused_whole(sample, session, tmp_path):
    doc = _manifest_doc(sample, session)
    doc["format"] = 1
    for entry in doc["attachments"]:
        del entry["blocks"]
    members = _attachment_members(sample, session)
    video = sample[1]["作品1.mp4"]
    members[sha(video)] = video[:-1] + bytes([video[-1] ^ 0xFF])
    path = forge_pack(tmp_path / "v1.rvpack", session, canonical_json(doc), attachments=members)
    with opened(path, session) as pack, pytest.raises(AttachmentDamagedError):
        pack.open_attachment_stream(sha(video))


@pytest.mark.parametrize("fmt", [0, 3, 99, "2", True])
def test_an_unknown_pack_format_is_refused(sample, session, tmp_path, fmt, english):
    members = dict(read_members(sample[0]))
    header = json.loads(members["pack.json"])
    header["format"] = fmt
    path = repack(
        sample[0], tmp_path / "p.rvpack", replace={"pack.json": json.dumps(header).encode()}
    )
    with pytest.raises(UnsupportedPackError, match="this version reads formats 1, 2"):
        opened(path, session)


def test_a_pack_header_of_another_format_than_its_manifest_is_refused(sample, session, tmp_path):
    members = dict(read_members(sample[0]))
    header = json.loads(members["pack.json"])
    header["format"] = 1
    path = repack(
        sample[0], tmp_path / "p.rvpack", replace={"pack.json": json.dumps(header).encode()}
    )
    with pytest.raises(PackDamagedError):
        opened(path, session)


# -- building ------------------------------------------------------------------------


def test_a_file_over_2_gib_is_refused_before_anything_is_encrypted(tmp_path, session, monkeypatch):
    materials = tmp_path / "m"
    materials.mkdir()
    big = materials / "长视频.mp4"
    with big.open("wb") as fh:
        fh.truncate(2 * 1024**3 + 1)  # sparse: no disk space used
    rows = [
        candidate(2, "C1", "张三", [("作品", "纪录片", 2024, material(materials, "长视频.mp4"))])
    ]
    calls = []
    monkeypatch.setattr(pyrage, "encrypt_io", lambda *a: calls.append(a))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackBuildError, match="长视频.mp4"):
        build_pack(
            out / "p.rvpack",
            session_id="S1",
            session_name="x",
            candidates=rows,
            recipients=session.recipients,
            signer_key=session.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
    assert calls == [] and list(out.iterdir()) == []


def test_a_file_that_grew_past_the_cap_after_listing_is_refused(tmp_path, session, monkeypatch):
    materials = tmp_path / "m"
    write_materials(materials, {"v.mp4": 10})
    rows = [candidate(2, "C1", "张三", [("作品", "纪录片", 2024, material(materials, "v.mp4"))])]
    with (materials / "v.mp4").open("r+b") as fh:
        fh.truncate(2 * 1024**3 + 1)
    calls = []
    monkeypatch.setattr(pyrage, "encrypt_io", lambda *a: calls.append(a))
    with pytest.raises(PackBuildError, match="v.mp4"):
        build_pack(
            tmp_path / "p.rvpack",
            session_id="S1",
            session_name="x",
            candidates=rows,
            recipients=session.recipients,
            signer_key=session.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
    assert calls == []


# -- the 2 GB video --------------------------------------------------------------------

HUGE = 2_147_483_000  # under the 2 GiB cap; its ciphertext is not


@pytest.mark.slow
def test_a_pack_with_a_file_just_under_2_gib_builds_and_streams(tmp_path, session):
    needed = 3 * 1024**3  # the pack (about 2 GiB; the sparse material takes none)
    free = shutil.disk_usage(tmp_path).free
    if free < needed:
        pytest.skip(f"needs {needed >> 30} GiB free beside the test's folder, has {free >> 30}")
    materials = tmp_path / "m"
    materials.mkdir()
    video = materials / "long.mp4"
    head, tail = os.urandom(1000), os.urandom(1000)
    with video.open("wb") as fh:
        fh.write(head)
        fh.seek(HUGE - len(tail))
        fh.write(tail)
    rows = [candidate(2, "C1", "张三", [("作品", "纪录片", 2024, material(materials, "long.mp4"))])]
    built = build_pack(
        tmp_path / "huge.rvpack",
        session_id="S1",
        session_name="x",
        candidates=rows,
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
    )
    with zipfile.ZipFile(built.path) as archive:
        (info,) = [i for i in archive.infolist() if i.filename.startswith("files/")]
        assert info.file_size > 2**31  # a zip64 member
    with opened(built.path, session) as pack:
        (attachment,) = pack.manifest.attachments
        assert attachment.size == HUGE and len(attachment.blocks) == 512
        with pack.open_attachment_stream(attachment.sha256) as stream:
            first = stream.read_at(0, BLOCK_SIZE)
            assert first[:1000] == head and first[1000:] == bytes(BLOCK_SIZE - 1000)
            last = stream.read_at(511 * BLOCK_SIZE, BLOCK_SIZE)
            assert len(last) == HUGE - 511 * BLOCK_SIZE
            assert last[-1000:] == tail and not any(last[:-1000])
