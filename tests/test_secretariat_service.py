"""The secretariat's service (``reviewer.secretariat.service.Secretariat``) on generated
sessions with every sheet signed: one plain (3 reviewers × 4 candidates) and one whose
sheets travel sealed (1 × 2), built once for the module.

What the service returns is compared with the intake, aggregation and report functions
called directly, so the CLI and the window, which only call the service, show and write
what the core computes.
"""

from __future__ import annotations

import shutil

import pytest

from reviewer.crypto.passphrase import WrongPassphrase
from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.demo.sheets import write_demo_sheets
from reviewer.pack.candidates import CandidatesError
from reviewer.people.session import SessionError, open_session
from reviewer.secretariat.aggregate import AggregateOptions, Method, aggregate
from reviewer.secretariat.candidates import read_candidate_list
from reviewer.secretariat.intake import AggregateError, ImportCancelled, import_sheets
from reviewer.secretariat.report import ALL_OUTPUTS, CONFLICTS_CSV
from reviewer.secretariat.service import CandidateList, Secretariat, counts_line

REVIEWERS = 3
CANDIDATES = 4
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("service")
    demo = build_demo(root / "demo", REVIEWERS, CANDIDATES)
    write_demo_sheets(demo)
    sealed = build_demo(root / "sealed", reviewers=1, candidates=2, seal=True)
    write_demo_sheets(sealed)
    return {"demo": demo, "sheets": demo.folder / "sheets", "sealed": sealed}


@pytest.fixture
def secretariat(world, tmp_path) -> Secretariat:
    """The demo session, copied so that each test starts without a verification cache."""
    copy = tmp_path / "session"
    shutil.copytree(
        world["demo"].session, copy, ignore=shutil.ignore_patterns("aggregate-cache.json")
    )
    return Secretariat.open(copy)


def test_open_refuses_a_folder_without_a_session(tmp_path):
    with pytest.raises(SessionError):
        Secretariat.open(tmp_path)


def test_packs_and_candidate_list_are_checked_when_read(secretariat, world, tmp_path, english):
    demo = world["demo"]
    packs = secretariat.read_packs([demo.pack])
    assert packs.paths == (demo.pack,) and packs.ids == (demo.pack_id,)
    # The hash of the signed manifest, which every sheet made from the pack names.
    assert len(packs.manifests) == 1 and len(packs.manifests[0]) == 64
    # Whom the pack was built for comes from the session's record of the build.
    assert packs.reviewers == tuple(e.name for e in secretariat.session.roster)
    with pytest.raises(AggregateError, match="another session"):
        secretariat.read_packs([demo.pack, world["sealed"].pack])
    junk = tmp_path / "junk.rvpack"
    junk.write_bytes(b"not a pack")
    with pytest.raises(AggregateError, match="junk.rvpack"):
        secretariat.read_packs([junk])

    listed = secretariat.read_candidates(demo.folder / "candidates.csv")
    expected = read_candidate_list(
        demo.folder / "candidates.csv", [r.id for r in secretariat.session.rubrics]
    )
    assert listed == CandidateList(demo.folder / "candidates.csv", tuple(expected))
    assert listed.categories == {c.candidate_id: c.category for c in expected}
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,姓名,类别\nA1,甲,nonsense\n", encoding="utf-8")
    with pytest.raises(CandidatesError) as caught:
        secretariat.read_candidates(bad)
    assert "bad.csv" in caught.value.report()


def test_import_and_aggregate_agree_with_the_core(secretariat, world, english):
    demo = world["demo"]
    packs = secretariat.read_packs([demo.pack])
    listed = secretariat.read_candidates(demo.folder / "candidates.csv")
    seen = []
    imported = secretariat.import_sheets(
        world["sheets"], packs=packs, candidates=listed, workers=1, progress=seen.append
    )
    assert secretariat.imported is imported
    assert seen and seen[-1].done == seen[-1].total == REVIEWERS * CANDIDATES
    assert imported.packs_checked and imported.candidates_checked
    assert len(imported.counted) == REVIEWERS * CANDIDATES and not imported.refused

    session = open_session(demo.session)
    core_import = import_sheets(
        session,
        world["sheets"],
        pack_ids=[demo.pack_id],
        candidate_categories=dict(listed.categories),
    )
    core = aggregate(session, core_import, AggregateOptions(), list(listed.candidates))
    result = secretariat.aggregate(AggregateOptions())
    assert result.imported is imported and result.candidates_from_list
    assert [a.candidate_id for a in result.candidates] == [a.candidate_id for a in core.candidates]
    assert [(a.mean, a.trimmed_mean, a.median, a.count) for a in result.candidates] == [
        (a.mean, a.trimmed_mean, a.median, a.count) for a in core.candidates
    ]
    assert result.missing == core.missing == ()
    assert counts_line(result) == (
        f"{REVIEWERS * CANDIDATES} sheets counted, 0 refused, 0 superseded, 0 duplicate, 0 missing"
    )

    # Other options rank the same import again, with the list it was checked against.
    again = secretariat.aggregate(AggregateOptions(method=Method.MEDIAN))
    assert again.imported is imported and again.options.method is Method.MEDIAN
    assert again.candidates_from_list


def test_without_packs_or_list_nothing_is_checked_against_them(secretariat, world):
    imported = secretariat.import_sheets(world["sheets"])
    assert not imported.packs_checked and not imported.candidates_checked
    result = secretariat.aggregate()
    assert not result.candidates_from_list
    assert {a.candidate_id for a in result.candidates} == {
        c.candidate_id
        for c in secretariat.read_candidates(world["demo"].folder / "candidates.csv").candidates
    }


def test_a_failed_or_cancelled_import_keeps_the_last_one(secretariat, world, tmp_path):
    with pytest.raises(RuntimeError):
        secretariat.aggregate()
    first = secretariat.import_sheets(world["sheets"] / "1")
    with pytest.raises(AggregateError):
        secretariat.import_sheets(tmp_path / "nowhere")
    assert secretariat.imported is first
    with pytest.raises(ImportCancelled):
        secretariat.import_sheets(world["sheets"], use_cache=False, cancelled=lambda: True)
    assert secretariat.imported is first
    assert len(secretariat.aggregate().imported.counted) == CANDIDATES


def test_reports_are_signed_with_the_unlocked_key(secretariat, world, tmp_path):
    secretariat.import_sheets(world["sheets"])
    result = secretariat.aggregate()
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        secretariat.write_reports(out, result)  # not unlocked yet
    with pytest.raises(WrongPassphrase):
        secretariat.unlock("wrong")
    assert not secretariat.can_sign and not out.exists()

    secretariat.unlock(DEMO_PASSPHRASE)
    assert secretariat.can_sign and not secretariat.can_unseal  # this session seals nothing
    said = []
    written = secretariat.write_reports(out, result, progress=said.append)
    assert written.folder == out and written.signed
    assert set(written.files) == set(ALL_OUTPUTS) - {CONFLICTS_CSV}
    assert sorted(p.name for p in out.iterdir()) == sorted(written.files)
    assert len(said) == 3  # the workbook, the summary, its signature
    summary = (out / "summary.pdf").read_bytes()
    assert b"/ByteRange" in summary

    # The preview is the same summary, unsigned, and writes nothing.
    preview = secretariat.preview_summary(result)
    assert preview.startswith(b"%PDF") and b"/ByteRange" not in preview
    assert sorted(p.name for p in out.iterdir()) == sorted(written.files)

    secretariat.lock()
    assert not secretariat.can_sign
    with pytest.raises(RuntimeError):
        secretariat.write_reports(tmp_path / "again", result)


def test_sealed_sheets_need_the_sealing_key(world):
    sealed = world["sealed"]
    folder = sealed.folder / "sheets"
    secretariat = Secretariat.open(sealed.session)
    assert secretariat.needs_unsealing(folder)
    assert not secretariat.needs_unsealing(world["sheets"])  # no *.pdf.age there
    locked = secretariat.import_sheets(folder, use_cache=False)
    assert not locked.counted and {r.codes for r in locked.refused} == {("sealed",)}

    with pytest.raises(WrongPassphrase):
        secretariat.unlock("wrong", sign=False)
    assert secretariat.needs_unsealing(folder)
    secretariat.unlock(DEMO_PASSPHRASE, sign=False)
    assert secretariat.can_unseal and not secretariat.can_sign
    assert not secretariat.needs_unsealing(folder)
    opened = secretariat.import_sheets(folder, use_cache=False)
    assert len(opened.counted) == 2 and not opened.refused


def test_a_plain_folder_never_needs_unsealing(world, tmp_path):
    """A session that does not seal its sheets never asks, whatever the folder holds."""
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "stray.pdf.age").write_bytes(b"age-encryption.org/v1\n")
    secretariat = Secretariat.open(world["demo"].session)
    assert not secretariat.needs_unsealing(folder)


def test_candidate_list_carries_affiliation_region_and_tilt_flags(tmp_path, english):
    ids = ["news", "arts"]
    full = tmp_path / "full.csv"
    full.write_text(
        "编号,姓名,类别,工作单位,地区,中西部/边疆/民族地区（是/否）,新文艺群体\n"
        "001,甲,news,新疆广播电视台,新疆,是,\n"
        "B2,乙,arts,独立制片人,北京,否,是\n",
        encoding="utf-8-sig",
    )
    first, second = read_candidate_list(full, ids)
    # A number-looking id stays the text it was written as.
    assert (first.candidate_id, first.affiliation, first.region) == (
        "001",
        "新疆广播电视台",
        "新疆",
    )
    assert first.central_western_border_ethnic is True and first.new_arts_group is False
    assert second.central_western_border_ethnic is False and second.new_arts_group is True
    # Without the columns nothing is known, which is not the same as 否.
    bare = tmp_path / "bare.csv"
    bare.write_text("编号,姓名,类别\nA1,甲,news\n", encoding="utf-8")
    (only,) = read_candidate_list(bare, ids)
    assert only.affiliation == "" and only.central_western_border_ethnic is None
    assert only.new_arts_group is None
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,姓名,类别,新文艺群体,工作单位\nA1,甲,news,maybe,x\nA2,乙,news,是,\x07\n",
        encoding="utf-8",
    )
    with pytest.raises(CandidatesError) as caught:
        read_candidate_list(bad, ids)
    report = caught.value.report()
    assert "line 2, 新文艺群体（是/否）: 'maybe': write 是 or 否" in report
    assert "line 3, 工作单位: contains control characters" in report
