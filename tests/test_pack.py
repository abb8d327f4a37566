"""Building and opening packs: the happy paths and the build-side refusals."""

from __future__ import annotations

import hashlib
import zipfile

import pyrage
import pytest

from reviewer.pack.build import BuildProgress, build_pack, parse_recipients
from reviewer.pack.candidates import read_candidates, write_template
from reviewer.pack.errors import (
    PackBuildError,
    UnknownAttachmentError,
    WrongSessionError,
)
from reviewer.pack.reader import open_pack, read_header
from reviewer.rubric.file import bundled_rubrics
from tests.pack_fixtures import build_sample_pack, make_session


@pytest.fixture(scope="module")
def session():
    return make_session(3)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, session):
    return build_sample_pack(tmp_path_factory.mktemp("pack"), session)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_layout_is_the_documented_one(sample):
    built, contents = sample
    with zipfile.ZipFile(built.path) as archive:
        names = [i.filename for i in archive.infolist()]
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
        header = archive.read("pack.json")
    assert names[:3] == ["pack.json", "manifest.json.sig", "manifest.json.age"]
    assert sorted(names[3:]) == sorted(f"files/{sha(d)}.age" for d in contents.values())
    # The public header says nothing about candidates.
    assert "买买提".encode() not in header and b"C001" not in header
    assert built.candidates == 3 and built.attachments == 4 and built.recipients == 3


def test_every_recipient_opens_it_and_reads_every_attachment(sample, session):
    built, contents = sample
    for identity in session.reviewers:
        with open_pack(built.path, identity, session.ca.cert) as pack:
            assert pack.pack_id == built.pack_id
            assert pack.session_id == "S-2026-01"
            assert pack.signer_name == "评审秘书处"
            assert pack.manifest_sha256 == built.manifest_sha256
            assert [c.name for c in pack.candidates] == ["买买提·艾力", "王𠮷", "李䶮"]
            for name, data in contents.items():
                assert pack.read_attachment(sha(data)) == data
                assert pack.manifest.attachment(sha(data)).name == name


def test_manifest_contents(sample, session):
    built, contents = sample
    with open_pack(built.path, session.reviewers[0], session.ca.cert) as pack:
        manifest = pack.manifest
        c1, c2, _c3 = manifest.candidates
        assert c1.works[0].attachment == sha(contents["a.pdf"])
        assert c1.other_materials == (sha(contents["b.png"]),)
        assert c2.works[0].attachment is None
        assert c1.central_western_border_ethnic is True
        # One copy of a file two candidates share.
        assert len(manifest.attachments) == 4
        assert manifest.attachment(sha(contents["a.pdf"])).media_type == "application/pdf"
        rubric = bundled_rubrics()[0]
        assert manifest.rubric(rubric.id).sha256 == rubric.fingerprint
        assert manifest.secretariat == "评审秘书处"


def test_header_alone_and_expected_session(sample, session):
    built, _ = sample
    assert read_header(built.path).session_id == "S-2026-01"
    assert read_header(built.path).recipients == 3
    open_pack(
        built.path, session.reviewers[0], session.ca.cert, expected_session_id="S-2026-01"
    ).close()
    with pytest.raises(WrongSessionError) as info:
        open_pack(built.path, session.reviewers[0], session.ca.cert, expected_session_id="S-9")
    assert (info.value.found, info.value.expected) == ("S-2026-01", "S-9")


def test_unknown_attachment(sample, session):
    built, _ = sample
    with (
        open_pack(built.path, session.reviewers[0], session.ca.cert) as pack,
        pytest.raises(UnknownAttachmentError),
    ):
        pack.read_attachment("00" * 32)


def test_media_travel_with_their_type_and_length(tmp_path, session):
    """The manifest says what each material is and how long it plays, before it is opened."""
    import shutil

    from tests.material_fixtures import MEDIA

    materials = tmp_path / "materials"
    materials.mkdir()
    shutil.copyfile(MEDIA / "h264_aac.mkv", materials / "片.mkv")
    shutil.copyfile(MEDIA / "tone.wav", materials / "声.wav")
    (materials / "说明.txt").write_text("说明", encoding="utf-8")
    template = write_template(tmp_path / "candidates.csv")
    with template.open("a", encoding="utf-8", newline="") as fh:
        fh.write(
            f"C1,买买提·艾力,{bundled_rubrics()[0].id},,,,是,否,作品,纪录片,2024,片.mkv"
            + "," * 17  # the other works, empty, then 其他材料
            + "声.wav;说明.txt\r\n"
        )
    built = build_pack(
        tmp_path / "out.rvpack",
        session_id="S1",
        session_name="测试",
        candidates=read_candidates(template, materials),
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
    )
    with open_pack(built.path, session.reviewers[0], session.ca.cert) as pack:
        found = {a.name: (a.media_type, a.duration_ms) for a in pack.manifest.attachments}
    assert found["片.mkv"][0] == "video/x-matroska" and abs(found["片.mkv"][1] - 2000) <= 100
    assert found["声.wav"] == ("audio/wav", 2000)
    assert found["说明.txt"] == ("text/plain; charset=utf-8", None)


def test_from_template_to_opened_pack(tmp_path, session):
    materials = tmp_path / "materials"
    materials.mkdir()
    (materials / "作品.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 100)
    template = write_template(tmp_path / "candidates.csv")
    with template.open("a", encoding="utf-8", newline="") as fh:
        fh.write(f"C1,买买提·艾力,{bundled_rubrics()[0].id},,,,是,否,作品,纪录片,2024,作品.pdf\r\n")
    rows = read_candidates(template, materials)
    events: list[BuildProgress] = []
    built = build_pack(
        tmp_path / "out.rvpack",
        session_id="S1",
        session_name="测试",
        candidates=rows,
        recipients=session.recipients,
        signer_key=session.secretariat.key,
        signer_cert=session.secretariat.cert,
        progress=events.append,
    )
    assert events and events[-1].stage == "finishing"
    with open_pack(built.path, session.reviewers[2], session.ca.cert) as pack:
        work = pack.candidates[0].works[0]
        assert pack.read_attachment(work.attachment).startswith(b"%PDF-1.7")


def test_bad_recipients_are_refused_before_anything_is_written(tmp_path, session):
    with pytest.raises(PackBuildError):
        parse_recipients(["age1notarecipient"])
    with pytest.raises(PackBuildError):
        parse_recipients([])
    assert len(parse_recipients(session.recipients + session.recipients)) == 3
    with pytest.raises(PackBuildError):
        build_pack(
            tmp_path / "out.rvpack",
            session_id="S1",
            session_name="x",
            candidates=[],
            recipients=["ssh-ed25519 AAAA"],
            signer_key=session.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
    assert list(tmp_path.iterdir()) == []


def test_key_and_certificate_must_match(tmp_path, session):
    built_dir = tmp_path / "a"
    built_dir.mkdir()
    other = make_session(1)
    with pytest.raises(PackBuildError):
        build_pack(
            built_dir / "out.rvpack",
            session_id="S1",
            session_name="x",
            candidates=_one_row(tmp_path),
            recipients=session.recipients,
            signer_key=other.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
    assert list(built_dir.iterdir()) == []


def test_a_failure_mid_build_leaves_no_file(tmp_path, session, monkeypatch):
    rows = _one_row(tmp_path)
    calls = {"n": 0}
    real = pyrage.encrypt_io

    def failing(reader, writer, recipients):
        calls["n"] += 1
        real(reader, writer, recipients)
        raise OSError("device removed")

    monkeypatch.setattr(pyrage, "encrypt_io", failing)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackBuildError):
        build_pack(
            out / "p.rvpack",
            session_id="S1",
            session_name="x",
            candidates=rows,
            recipients=session.recipients,
            signer_key=session.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
    assert calls["n"] == 1
    assert list(out.iterdir()) == []


def test_a_file_changed_during_the_build_is_noticed(tmp_path, session, monkeypatch):
    rows = _one_row(tmp_path)
    path = rows[0].works[0].file.path
    real = pyrage.encrypt_io

    def tampering(reader, writer, recipients):
        path.write_bytes(b"X" * path.stat().st_size)
        real(reader, writer, recipients)

    monkeypatch.setattr(pyrage, "encrypt_io", tampering)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackBuildError):
        build_pack(
            out / "p.rvpack",
            session_id="S1",
            session_name="x",
            candidates=rows,
            recipients=session.recipients,
            signer_key=session.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
    assert list(out.iterdir()) == []


def _one_row(tmp_path):
    from tests.pack_fixtures import candidate, material, write_materials

    write_materials(tmp_path / "m", {"w.pdf": 100_000})
    return [candidate(2, "C1", "张三", [("作品", "剧", 2020, material(tmp_path / "m", "w.pdf"))])]


def test_unknown_category_needs_a_rubric(tmp_path, session):
    rows = _one_row(tmp_path)
    with pytest.raises(PackBuildError):
        build_pack(
            tmp_path / "p.rvpack",
            session_id="S1",
            session_name="x",
            candidates=rows,
            rubrics=[],
            recipients=session.recipients,
            signer_key=session.secretariat.key,
            signer_cert=session.secretariat.cert,
        )
