"""Hostile packs: each is refused with its own reason, and nothing but PackError escapes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.pack.container import Limits
from reviewer.pack.errors import (
    AttachmentDamagedError,
    DuplicateMemberError,
    ManifestInvalidError,
    MissingMemberError,
    NotAddressedToYouError,
    NotAPackError,
    PackDamagedError,
    PackError,
    PackTooLargeError,
    SignatureMismatchError,
    UnsafeMemberError,
    UnsupportedPackError,
    UntrustedSignerError,
    WrongSessionError,
)
from reviewer.pack.reader import open_pack
from reviewer.rubric.model import canonical_json
from tests.pack_fixtures import (
    build_sample_pack,
    forge_pack,
    issue,
    make_ca,
    make_session,
    read_members,
    repack,
    write_zip,
)

# CI runs the mutation test with 1,000 examples; REVIEWER_PACK_EXAMPLES overrides it.
settings.register_profile(
    "pack-mutations",
    max_examples=int(os.environ.get("REVIEWER_PACK_EXAMPLES", "1000")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def session():
    return make_session(2)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, session):
    built, contents = build_sample_pack(tmp_path_factory.mktemp("hostile"), session)
    return built.path, contents


@pytest.fixture(scope="module")
def manifest_doc(sample, session):
    path, _ = sample
    with open_pack(path, session.reviewers[0], session.ca.cert) as pack:
        return pack.manifest.to_dict(), pack


def open_all(path, session, identity=None, **kwargs):
    """Open a pack and read every attachment, as a reviewer eventually would: whole, and
    through a stream in pieces (the path a video takes), which must agree."""
    with open_pack(path, identity or session.reviewers[0], session.ca.cert, **kwargs) as pack:
        whole = {a.sha256: pack.read_attachment(a.sha256) for a in pack.manifest.attachments}
        for a in pack.manifest.attachments:
            with pack.open_attachment_stream(a.sha256) as stream:
                pieces = [stream.read_at(at, 50_000) for at in range(0, a.size, 50_000)]
                assert b"".join(pieces) == whole[a.sha256]
        return pack.manifest, whole


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the container -------------------------------------------------------------------


def test_not_a_zip(tmp_path, session):
    path = tmp_path / "p.rvpack"
    path.write_bytes("这不是一个评审包".encode() * 100)
    with pytest.raises(NotAPackError):
        open_all(path, session)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated(tmp_path, sample, session, fraction):
    data = sample[0].read_bytes()
    path = tmp_path / "p.rvpack"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(PackError):
        open_all(path, session)


def test_zip_bomb_caps(tmp_path, sample, session):
    with pytest.raises(PackTooLargeError):
        open_pack(sample[0], session.reviewers[0], session.ca.cert, limits=Limits(attachment=1000))
    with pytest.raises(PackTooLargeError):
        open_pack(sample[0], session.reviewers[0], session.ca.cert, limits=Limits(total=50_000))


def test_oversized_manifest_member(tmp_path, sample, session):
    big = pyrage.encrypt(b" " * (16 * 1024 * 1024 + 1), [r.to_public() for r in session.reviewers])
    path = repack(sample[0], tmp_path / "p.rvpack", replace={"manifest.json.age": big})
    with pytest.raises(PackTooLargeError):
        open_all(path, session)


def test_compressed_pack(tmp_path, sample, session):
    path = write_zip(tmp_path / "p.rvpack", read_members(sample[0]), zipfile.ZIP_DEFLATED)
    with pytest.raises(UnsupportedPackError):
        open_all(path, session)


@pytest.mark.parametrize("name", ["../../evil.sh", "/etc/cron.d/x", "C:\\Windows\\evil.dll"])
def test_traversal_and_absolute_names(tmp_path, sample, session, name):
    path = repack(sample[0], tmp_path / "p.rvpack", add=[(name, b"#!/bin/sh")])
    with pytest.raises(UnsafeMemberError):
        open_all(path, session)


def test_duplicate_member(tmp_path, sample, session):
    members = read_members(sample[0])
    with pytest.warns(UserWarning):
        path = write_zip(tmp_path / "p.rvpack", members + [members[1]])
    with pytest.raises(DuplicateMemberError):
        open_all(path, session)


@pytest.mark.parametrize("name", ["pack.json", "manifest.json.age", "manifest.json.sig"])
def test_missing_standard_member(tmp_path, sample, session, name):
    path = repack(sample[0], tmp_path / "p.rvpack", drop=(name,))
    with pytest.raises(MissingMemberError):
        open_all(path, session)


def test_missing_attachment(tmp_path, sample, session):
    first = next(n for n, _ in read_members(sample[0]) if n.startswith("files/"))
    path = repack(sample[0], tmp_path / "p.rvpack", drop=(first,))
    with pytest.raises(MissingMemberError):
        open_all(path, session)


def test_attachment_the_manifest_does_not_list(tmp_path, sample, session):
    extra = pyrage.encrypt(b"smuggled", [r.to_public() for r in session.reviewers])
    path = repack(sample[0], tmp_path / "p.rvpack", add=[(f"files/{sha(b'smuggled')}.age", extra)])
    with pytest.raises(PackDamagedError):
        open_all(path, session)


# -- keys and signatures -------------------------------------------------------------


def test_not_addressed_to_you(sample, session, english):
    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(NotAddressedToYouError, match="not addressed to you"):
        open_all(sample[0], session, identity=stranger)


def test_bad_signature_manifest_replaced(tmp_path, sample, session, manifest_doc, english):
    # Anyone can encrypt to the reviewers' public recipients; only the signature stops it.
    doc = json.loads(json.dumps(manifest_doc[0]))
    doc["candidates"][0]["name"] = "冒名顶替"
    forged = pyrage.encrypt(canonical_json(doc), [r.to_public() for r in session.reviewers])
    path = repack(sample[0], tmp_path / "p.rvpack", replace={"manifest.json.age": forged})
    with pytest.raises(SignatureMismatchError, match="does not match its contents"):
        open_all(path, session)


def test_signature_garbage(tmp_path, sample, session):
    path = repack(sample[0], tmp_path / "p.rvpack", replace={"manifest.json.sig": b"\x30\x00"})
    with pytest.raises(SignatureMismatchError):
        open_all(path, session)


def test_signer_outside_the_session_ca(tmp_path, session, manifest_doc, english):
    other_ca = make_ca("别的评审会 CA")
    path = forge_pack(
        tmp_path / "p.rvpack", session, canonical_json(manifest_doc[0]), signer=issue(other_ca)
    )
    with pytest.raises(UntrustedSignerError, match="not from your session's secretariat"):
        open_all(path, session)


def test_pack_bringing_its_own_ca(tmp_path, session, manifest_doc, english):
    own_ca = make_ca("测试评审会 CA")  # the same name as the real CA
    path = forge_pack(
        tmp_path / "p.rvpack",
        session,
        canonical_json(manifest_doc[0]),
        signer=issue(own_ca),
        extra_certs=(own_ca.cert,),
    )
    with pytest.raises(UntrustedSignerError, match="not from your session's secretariat"):
        open_all(path, session)


# -- the manifest --------------------------------------------------------------------


def test_manifest_schema_break_names_the_path(tmp_path, session, manifest_doc, english):
    doc = json.loads(json.dumps(manifest_doc[0]))
    doc["candidates"][2]["works"][0]["year"] = "2021年"
    path = forge_pack(tmp_path / "p.rvpack", session, canonical_json(doc))
    with pytest.raises(ManifestInvalidError) as info:
        open_all(path, session)
    assert [str(p) for p in info.value.problems] == [
        "candidates[2].works[0].year: expected an integer, found text"
    ]
    assert "candidates[2].works[0].year" in info.value.report()


def test_deeply_nested_manifest(tmp_path, session):
    path = forge_pack(tmp_path / "p.rvpack", session, b"[" * 50_000 + b"]" * 50_000)
    with pytest.raises(ManifestInvalidError):
        open_all(path, session)


def test_oversized_manifest_plaintext(tmp_path, session):
    path = forge_pack(tmp_path / "p.rvpack", session, b'"' + b"x" * (13 * 1024 * 1024) + b'"')
    with pytest.raises(ManifestInvalidError):
        open_all(path, session)


def test_header_disagreeing_with_the_manifest(tmp_path, sample, session):
    members = dict(read_members(sample[0]))
    header = json.loads(members["pack.json"])
    header["pack_id"] = "ffffffff-ffff-4fff-8fff-ffffffffffff"
    path = repack(
        sample[0], tmp_path / "p.rvpack", replace={"pack.json": json.dumps(header).encode()}
    )
    with pytest.raises(PackDamagedError):
        open_all(path, session)


def test_pack_for_another_session(sample, session, english):
    with pytest.raises(WrongSessionError, match="belongs to session S-2026-01, not S-OTHER"):
        open_all(sample[0], session, expected_session_id="S-OTHER")


# -- attachments ---------------------------------------------------------------------


def test_attachment_hash_mismatch(tmp_path, sample, session, english):
    _, contents = sample
    original = contents["a.pdf"]
    swapped = bytes([original[0] ^ 1]) + original[1:]
    member = f"files/{sha(original)}.age"
    fake = pyrage.encrypt(swapped, [r.to_public() for r in session.reviewers])
    path = repack(sample[0], tmp_path / "p.rvpack", replace={member: fake})
    with open_pack(path, session.reviewers[0], session.ca.cert) as pack:
        assert pack.read_attachment(sha(contents["b.png"])) == contents["b.png"]
        with pytest.raises(AttachmentDamagedError, match="a.pdf is damaged.*hash mismatch"):
            pack.read_attachment(sha(original))


@pytest.mark.parametrize("cut", [1, 17, 1000, 65_536])
def test_truncated_attachment_yields_nothing(tmp_path, sample, session, cut):
    _, contents = sample
    member = f"files/{sha(contents['a.pdf'])}.age"
    data = dict(read_members(sample[0]))[member]
    path = repack(sample[0], tmp_path / "p.rvpack", replace={member: data[:-cut]})
    with (
        open_pack(path, session.reviewers[0], session.ca.cert) as pack,
        pytest.raises(AttachmentDamagedError),
    ):
        pack.read_attachment(sha(contents["a.pdf"]))


def test_attachment_not_encrypted_to_you(tmp_path, sample, session):
    _, contents = sample
    member = f"files/{sha(contents['b.png'])}.age"
    other = pyrage.encrypt(contents["b.png"], [pyrage.x25519.Identity.generate().to_public()])
    path = repack(sample[0], tmp_path / "p.rvpack", replace={member: other})
    with (
        open_pack(path, session.reviewers[0], session.ca.cert) as pack,
        pytest.raises(AttachmentDamagedError),
    ):
        pack.read_attachment(sha(contents["b.png"]))


def test_partial_output_is_never_used(tmp_path, sample, session, monkeypatch):
    # pyrage's decrypt_io writes plaintext before it notices a corrupt final chunk.
    _, contents = sample
    member = f"files/{sha(contents['a.pdf'])}.age"
    data = bytearray(dict(read_members(sample[0]))[member])
    data[-5] ^= 0xFF
    path = repack(sample[0], tmp_path / "p.rvpack", replace={member: bytes(data)})
    seen = []
    real = pyrage.decrypt_io

    def spy(reader, writer, identities):
        try:
            real(reader, writer, identities)
        finally:
            seen.append(writer.count)

    monkeypatch.setattr(pyrage, "decrypt_io", spy)
    with (
        open_pack(path, session.reviewers[0], session.ca.cert) as pack,
        pytest.raises(AttachmentDamagedError),
    ):
        pack.read_attachment(sha(contents["a.pdf"]))
    assert seen and seen[0] > 0  # plaintext was written, and still refused


# -- mutations -----------------------------------------------------------------------


def _rezip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


@st.composite
def mutations(draw, original: bytes, members: list[tuple[str, bytes]]):
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "replace", "drop", "swap"]))
    if kind == "flip":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "truncate":
        return original[: draw(st.integers(0, len(original) - 1))]
    if kind == "insert":
        at = draw(st.integers(0, len(original)))
        return original[:at] + draw(st.binary(min_size=1, max_size=64)) + original[at:]
    index = draw(st.integers(0, len(members) - 1))
    changed = list(members)
    if kind == "replace":
        name, data = changed[index]
        choice = draw(st.sampled_from(["random", "other", "cut"]))
        if choice == "random":
            changed[index] = (name, draw(st.binary(max_size=512)))
        elif choice == "other":
            changed[index] = (name, members[draw(st.integers(0, len(members) - 1))][1])
        else:
            changed[index] = (name, data[: draw(st.integers(0, max(0, len(data) - 1)))])
    elif kind == "drop":
        del changed[index]
    else:
        other = draw(st.integers(0, len(members) - 1))
        (a, da), (b, db) = changed[index], changed[other]
        changed[index], changed[other] = (a, db), (b, da)
    return _rezip(changed)


@pytest.fixture(scope="module")
def mutation_base(sample, session):
    path, contents = sample
    original = path.read_bytes()
    manifest, attachments = open_all(path, session)
    return original, read_members(path), manifest, attachments


def test_mutated_packs_raise_only_pack_errors(tmp_path_factory, sample, mutation_base, session):
    original, members, manifest, attachments = mutation_base
    target = tmp_path_factory.mktemp("mutations") / "m.rvpack"
    outcomes: list[str] = []

    @settings(settings.get_profile("pack-mutations"))
    @given(mutations(original, members))
    def check(mutated: bytes) -> None:
        target.write_bytes(mutated)
        try:
            opened_manifest, opened = open_all(target, session)
        except PackError as exc:
            outcomes.append(type(exc).__name__)
            return
        outcomes.append("accepted")
        # Whatever is accepted must be exactly what the secretariat signed.
        assert opened_manifest == manifest
        assert opened == attachments

    check()
    assert len(outcomes) >= settings.get_profile("pack-mutations").max_examples
    # Most mutations must be refused; those accepted touch only unsigned ZIP metadata.
    assert outcomes.count("accepted") < len(outcomes) // 2
