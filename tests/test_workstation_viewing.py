"""The player's spans through the station: conflict before content, kept across a
restart, the session's minimum set at ``pack build --min-watched``, and the sheet."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from reviewer.cli import main
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.people.session import open_session
from reviewer.review.scoring import Conflict
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.sheet.verify import verify_sheet
from reviewer.station.export import export_sheet
from reviewer.station.workstation import Workstation, WorkstationError
from reviewer.workspace.store import ViewingRequired

pytestmark = pytest.mark.usefixtures("english")

VIDEO_LENGTH = 8000  # C001's second work: the practice session's 8-second video


@pytest.fixture(scope="module")
def rule_pack(demo, tmp_path_factory):
    """A pack of the practice session with an 80% minimum, built by the CLI (on a copy
    of the session folder, which records the pack)."""
    folder = tmp_path_factory.mktemp("rule")
    session = folder / "session"
    shutil.copytree(demo.session, session)
    out = folder / "rule.rvpack"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REVIEWER_PASSPHRASE", DEMO_PASSPHRASE)
        code = main(
            [
                "--lang",
                "en",
                "pack",
                "build",
                str(session),
                "--candidates",
                str(demo.folder / "candidates.csv"),
                "--materials",
                str(demo.folder / "materials"),
                "--out",
                str(out),
                "--min-watched",
                "80",
            ]
        )
    assert code == 0
    return out


def opened(home, pack):
    station = Workstation(home)
    station.unlock(DEMO_PASSPHRASE)
    return station, station.open_pack(pack).pack_id


@pytest.fixture
def station(reviewer_home, demo):
    station, pack_id = opened(reviewer_home, demo.pack)
    station.pack_id = pack_id
    yield station
    station.close()


def video(station, pack_id, cid="C001") -> str:
    return station.candidate(pack_id, cid).works[1].attachment


def declare(station, pack_id, cid="C001") -> None:
    review = station.workspace.review(pack_id, cid).with_conflict(Conflict.NONE)
    station.workspace.save_review(pack_id, review)


def complete(station, pack_id, cid="C001"):
    pack = station.workspace.pack(pack_id)
    rubric = pack.rubric(pack.candidate(cid).rubric_id)
    review = station.workspace.review(pack_id, cid).with_conflict(Conflict.NONE)
    review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
    review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
    for c in rubric.criteria:
        review = review.with_score(c.id, Decimal(8))
    return review.with_recommendation("recommend")


def test_refused_before_the_declaration_exactly_as_opening_it(station):
    pack_id, sha = station.pack_id, video(station, station.pack_id)
    with pytest.raises(WorkstationError, match="declare first") as recorded:
        station.record_viewing(pack_id, "C001", sha, 0, 1000, VIDEO_LENGTH)
    with pytest.raises(WorkstationError) as read:
        station.attachment_stream(pack_id, "C001", sha)
    assert str(recorded.value) == str(read.value)
    assert station.workspace.viewing_record(pack_id, "C001", sha) is None


def test_only_this_candidates_audio_and_video(station):
    pack_id = station.pack_id
    declare(station, pack_id)
    pdf = station.candidate(pack_id, "C001").works[0].attachment
    with pytest.raises(WorkstationError, match="only audio and video"):
        station.record_viewing(pack_id, "C001", pdf, 0, 1000, VIDEO_LENGTH)
    recording = video(station, pack_id, "C002")
    with pytest.raises(WorkstationError, match="does not belong"):
        station.record_viewing(pack_id, "C001", recording, 0, 1000, VIDEO_LENGTH)
    with pytest.raises(WorkstationError, match="before it starts"):
        station.record_viewing(pack_id, "C001", video(station, pack_id), 900, 100, VIDEO_LENGTH)


def test_spans_are_kept_across_a_restart(reviewer_home, demo):
    station, pack_id = opened(reviewer_home, demo.pack)
    sha = video(station, pack_id)
    declare(station, pack_id)
    station.record_viewing(pack_id, "C001", sha, 0, 3000, VIDEO_LENGTH)
    record = station.record_viewing(pack_id, "C001", sha, 5000, 9000, VIDEO_LENGTH)
    assert record.intervals == ((0, 3000), (5000, 8000)) and record.percent == 75
    station.close()
    station, pack_id = opened(reviewer_home, demo.pack)
    assert station.viewing(pack_id, "C001") == (record,)
    (work,) = station.candidate_viewing(pack_id, "C001").works
    assert (work.number, work.watched_ms, work.duration_ms) == (2, 6000, VIDEO_LENGTH)
    assert station.viewing(pack_id, "C002") == ()
    station.close()


def test_off_by_default(station):
    pack_id = station.pack_id
    assert station.manifest(pack_id).min_watched_percent is None
    assert station.candidate_viewing(pack_id, "C001").min_percent is None
    station.workspace.save_review(pack_id, complete(station, pack_id))  # nothing watched


def test_the_minimum_refuses_then_allows_and_the_sheet_says_so(
    reviewer_home, rule_pack, demo, tmp_path
):
    station, pack_id = opened(reviewer_home, rule_pack)
    assert station.manifest(pack_id).min_watched_percent == 80
    sha = video(station, pack_id)
    declare(station, pack_id)
    station.record_viewing(pack_id, "C001", sha, 0, 4000, VIDEO_LENGTH)
    review = complete(station, pack_id)
    with pytest.raises(ViewingRequired) as refused:
        station.workspace.save_review(pack_id, review)
    assert "watch at least 80%" in str(refused.value)
    assert "work 2 “新闻传播人才代表作2：买买提·艾力作品”: 50% watched (0:04 / 0:08)" in str(
        refused.value
    )
    station.record_viewing(pack_id, "C001", sha, 4000, 6400, VIDEO_LENGTH)  # 80%
    station.workspace.save_review(pack_id, review)

    exported = export_sheet(station, pack_id, "C001", tmp_path)
    session = open_session(demo.session)
    result = verify_sheet(exported.path.read_bytes(), session.ca_certificate)
    assert result.valid, result.reasons
    viewing = result.data.viewing
    assert viewing is not None and viewing.min_percent == 80
    (work,) = viewing.works
    assert (work.number, work.sha256, work.watched_ms, work.required) == (2, sha, 6400, True)
    assert work.title == result.data.representative_works[1]
    station.close()


@pytest.mark.parametrize("value", ["0", "101", "eighty", "80.5"])
def test_min_watched_must_be_a_whole_percentage(value, capsys, demo, tmp_path):
    argv = ["--lang", "en", "pack", "build", str(demo.session)]
    argv += ["--candidates", str(demo.folder / "candidates.csv")]
    argv += ["--materials", str(demo.folder / "materials"), "--out", str(tmp_path / "p.rvpack")]
    with pytest.raises(SystemExit) as usage:
        main([*argv, "--min-watched", value])
    assert usage.value.code == 2
    assert "not a whole percentage from 1 to 100" in capsys.readouterr().err
    assert not (tmp_path / "p.rvpack").exists()
