"""The reviewer's core service: one unlock, opening a pack, conflict before content."""

from __future__ import annotations

import hashlib

import pytest

from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.review.scoring import Conflict
from reviewer.station.workstation import Workstation, WorkstationError
from reviewer.workspace.audit import EventKind
from reviewer.workspace.model import Status

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def station(reviewer_home):
    ws = Workstation(reviewer_home)
    ws.unlock(DEMO_PASSPHRASE)
    yield ws
    ws.close()


def test_wrong_passphrase_is_refused_and_changes_nothing(reviewer_home):
    ws = Workstation(reviewer_home)
    with pytest.raises(WorkstationError, match="wrong passphrase"):
        ws.unlock("nope")
    assert not ws.unlocked and not ws.workspace.initialised
    ws.close()


def test_open_pack_shows_who_issued_it(station, demo):
    result = station.open_pack(demo.pack)
    assert result.candidates == 6 and result.categories == 6
    assert "秘书处" in result.signer
    assert "6 candidates" in result.summary()
    entries = station.workspace.candidates(result.pack_id)
    assert {e.status for e in entries} == {Status.NOT_STARTED}
    assert entries[1].name == "王𠮷"


def test_materials_only_after_declaring_no_conflict(station, demo):
    pack_id = station.open_pack(demo.pack).pack_id
    candidate = station.candidate(pack_id, "C002")
    sha = candidate.works[0].attachment
    with pytest.raises(WorkstationError, match="conflict of interest"):
        station.attachment(pack_id, "C002", sha)
    review = station.workspace.review(pack_id, "C002").with_conflict(Conflict.NONE)
    station.workspace.save_review(pack_id, review)
    data, meta = station.attachment(pack_id, "C002", sha)
    assert hashlib.sha256(data).hexdigest() == sha and data.startswith(b"%PDF")
    assert meta.media_type == "application/pdf"


def viewed(station) -> list[dict]:
    return [e.data for e in station.workspace.events() if e.kind is EventKind.ATTACHMENT_VIEWED]


def test_a_material_counts_as_viewed_when_shown_not_when_decrypted(station, demo):
    pack_id = station.open_pack(demo.pack).pack_id
    sha = station.candidate(pack_id, "C002").works[0].attachment
    with pytest.raises(WorkstationError, match="conflict of interest"):
        station.record_viewed(pack_id, "C002", sha)
    review = station.workspace.review(pack_id, "C002").with_conflict(Conflict.NONE)
    station.workspace.save_review(pack_id, review)
    _data, meta = station.attachment(pack_id, "C002", sha, record=False)
    assert viewed(station) == []  # decrypted, not yet on screen
    station.record_viewed(pack_id, "C002", sha)
    assert viewed(station) == [{"candidate_id": "C002", "name": meta.name}]
    other = station.candidate(pack_id, "C001").works[0].attachment
    with pytest.raises(WorkstationError, match="does not belong"):
        station.record_viewed(pack_id, "C002", other)
    assert len(viewed(station)) == 1


def test_the_practice_pack_has_a_video_and_a_recording_of_known_length(station, demo):
    """Type and length are in the manifest: shown before any conflict is declared."""
    manifest = station.manifest(station.open_pack(demo.pack).pack_id)
    works = {
        cid: [manifest.attachment(w.attachment) for w in manifest.candidate(cid).works]
        for cid in ("C001", "C002")
    }
    video, recording = works["C001"][1], works["C002"][1]
    assert video.media_type == "video/mp4" and abs(video.duration_ms - 8000) <= 100
    assert recording.media_type == "audio/mpeg" and abs(recording.duration_ms - 6000) <= 100
    assert works["C001"][0].media_type == "application/pdf" and works["C001"][0].duration_ms is None


def test_recused_candidate_is_never_opened(station, demo):
    pack_id = station.open_pack(demo.pack).pack_id
    review = station.workspace.review(pack_id, "C003").with_conflict(Conflict.RECUSED, "同事")
    station.workspace.save_review(pack_id, review)
    sha = station.candidate(pack_id, "C003").works[0].attachment
    with pytest.raises(WorkstationError):
        station.attachment(pack_id, "C003", sha)


def test_material_of_another_candidate_is_refused(station, demo):
    pack_id = station.open_pack(demo.pack).pack_id
    other = station.candidate(pack_id, "C001").works[0].attachment
    station.workspace.save_review(
        pack_id, station.workspace.review(pack_id, "C002").with_conflict(Conflict.NONE)
    )
    with pytest.raises(WorkstationError, match="does not belong"):
        station.attachment(pack_id, "C002", other)


def test_reopening_resumes_and_lock_forgets(station, demo):
    pack_id = station.open_pack(demo.pack).pack_id
    station.workspace.save_review(
        pack_id, station.workspace.review(pack_id, "C001").with_conflict(Conflict.NONE)
    )
    station.lock()
    with pytest.raises(WorkstationError):
        station.open_pack(demo.pack)
    station.unlock(DEMO_PASSPHRASE)
    again = station.open_pack(demo.pack)
    assert again.imported.resumed
    assert station.workspace.candidates(pack_id)[0].status is Status.IN_PROGRESS


def test_pack_of_a_session_you_are_not_enrolled_in(station, tmp_path, demo):
    import shutil

    from reviewer.demo.practice import build_demo

    other = build_demo(tmp_path / "other", reviewers=1, candidates=1)
    shutil.rmtree(tmp_path / "other" / "materials")
    with pytest.raises(WorkstationError, match="not enrolled"):
        station.open_pack(other.pack)


def test_not_a_pack(station, tmp_path):
    bad = tmp_path / "x.rvpack"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(WorkstationError):
        station.open_pack(bad)


def test_a_stream_follows_the_same_rules_and_lock_closes_it(station, demo):
    """A work played from a stream: refused before the no-conflict declaration and for
    another candidate's material, the same bytes as the whole read, nothing recorded as
    viewed until the player says it showed something, and closed by the lock."""
    from reviewer.pack.errors import AttachmentClosedError

    pack_id = station.open_pack(demo.pack).pack_id
    sha = station.candidate(pack_id, "C002").works[0].attachment
    with pytest.raises(WorkstationError, match="conflict of interest"):
        station.attachment_stream(pack_id, "C002", sha)
    other = station.candidate(pack_id, "C001").works[0].attachment
    station.workspace.save_review(
        pack_id, station.workspace.review(pack_id, "C002").with_conflict(Conflict.NONE)
    )
    with pytest.raises(WorkstationError, match="does not belong"):
        station.attachment_stream(pack_id, "C002", other)
    before = len([e for e in station.workspace.events() if e.kind is EventKind.ATTACHMENT_VIEWED])
    stream = station.attachment_stream(pack_id, "C002", sha)
    whole, _meta = station.attachment(pack_id, "C002", sha, record=False)
    assert stream.read_at(0, stream.size) == whole and stream.size == len(whole)
    viewed = [e for e in station.workspace.events() if e.kind is EventKind.ATTACHMENT_VIEWED]
    assert len(viewed) == before
    station.record_viewed(pack_id, "C002", sha)
    viewed = [e for e in station.workspace.events() if e.kind is EventKind.ATTACHMENT_VIEWED]
    assert len(viewed) == before + 1 and viewed[-1].data["candidate_id"] == "C002"
    station.lock()
    with pytest.raises(AttachmentClosedError):
        stream.read_at(0, 1)
