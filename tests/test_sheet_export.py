"""Signing and exporting sheets from the reviewer's workstation, with versions."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from reviewer.cli import main
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.people.session import open_session
from reviewer.review.scoring import Conflict
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.sheet.verify import verify_sheet
from reviewer.station.export import ExportError, export_sheet, sheet_file_name
from reviewer.station.workstation import Workstation
from reviewer.workspace.model import Status

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def station(reviewer_home, demo):
    ws = Workstation(reviewer_home)
    ws.unlock(DEMO_PASSPHRASE)
    ws.pack_id = ws.open_pack(demo.pack).pack_id
    yield ws
    ws.close()


def complete(station, cid):
    pack = station.workspace.pack(station.pack_id)
    rubric = pack.rubric(pack.candidate(cid).rubric_id)
    review = station.workspace.review(station.pack_id, cid).with_conflict(Conflict.NONE)
    review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
    review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
    for c in rubric.criteria:
        review = review.with_score(c.id, Decimal(8))
    review = review.with_recommendation("recommend")
    station.workspace.save_review(station.pack_id, review)
    return review


def test_file_names_sort_and_survive_fat32():
    assert sheet_file_name("C001", "张明华", 1) == "C001_张明华_v01.pdf"
    assert sheet_file_name("C010", 'a/b:c*"d', 12) == "C010_a_b_c__d_v12.pdf"
    assert sheet_file_name("C001", "张明华", 2, sealed=True) == "C001_张明华_v02.pdf.age"


def test_export_signs_locks_and_versions(station, demo, tmp_path):
    session = open_session(demo.session)
    review = complete(station, "C001")
    first = export_sheet(station, station.pack_id, "C001", tmp_path)
    assert first.path.name == "C001_张明华_v01.pdf" and first.version == 1
    pdf = first.path.read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == first.sha256
    result = verify_sheet(pdf, session.ca_certificate, session_id=session.id)
    assert result.valid and result.data.version == 1 and result.data.supersedes is None
    assert station.workspace.candidates(station.pack_id)[0].status is Status.SIGNED

    with pytest.raises(ExportError, match="already signed"):
        export_sheet(station, station.pack_id, "C001", tmp_path)

    station.workspace.save_review(station.pack_id, review.with_opinion("补充意见"))
    assert station.workspace.candidates(station.pack_id)[0].status is Status.COMPLETE
    second = export_sheet(station, station.pack_id, "C001", tmp_path)
    assert second.path.name == "C001_张明华_v02.pdf"
    data = verify_sheet(second.path.read_bytes(), session.ca_certificate).data
    assert data.version == 2
    assert (data.supersedes.version, data.supersedes.sha256) == (1, first.sha256)


def test_incomplete_review_is_refused_naming_what_is_missing(station, tmp_path):
    review = station.workspace.review(station.pack_id, "C002").with_conflict(Conflict.NONE)
    station.workspace.save_review(station.pack_id, review)
    out = tmp_path / "out"
    with pytest.raises(ExportError) as info:
        export_sheet(station, station.pack_id, "C002", out)
    assert "Ethics check" in str(info.value) and "recommendation" in str(info.value)
    assert not out.exists() or not list(out.iterdir())


def test_recusal_exports_a_signed_recusal_sheet(station, demo, tmp_path):
    review = station.workspace.review(station.pack_id, "C003")
    station.workspace.save_review(
        station.pack_id, review.with_conflict(Conflict.RECUSED, "配偶在其单位")
    )
    sheet = export_sheet(station, station.pack_id, "C003", tmp_path)
    session = open_session(demo.session)
    result = verify_sheet(sheet.path.read_bytes(), session.ca_certificate)
    assert result.valid and result.data.recused
    assert result.data.recusal_reason == "配偶在其单位"


def test_cli_export_all_then_verify(reviewer_home, demo, tmp_path, capsys, monkeypatch):
    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    station.pack_id = station.open_pack(demo.pack).pack_id
    complete(station, "C001")
    complete(station, "C004")
    station.close()
    monkeypatch.setenv("REVIEWER_PASSPHRASE", DEMO_PASSPHRASE)
    out_dir = tmp_path / "sheets"
    args = ["--lang", "en", "sheet", "export", "--pack", str(demo.pack), "--all"]
    assert main([*args, "--out", str(out_dir), "--home", str(reviewer_home)]) == 0
    files = sorted(out_dir.glob("*.pdf"))
    assert [f.name[:4] for f in files] == ["C001", "C004"]
    capsys.readouterr()
    verify = ["--lang", "en", "sheet", "verify", *map(str, files), "--session", str(demo.session)]
    assert main(verify) == 0
    assert capsys.readouterr().out.count("VALID") == 2
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(files[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    verify = ["--lang", "en", "sheet", "verify", str(tampered), "--session", str(demo.session)]
    assert main(verify) == 1
    assert "INVALID" in capsys.readouterr().out


def test_a_lost_sheet_is_exported_again_and_counted_once(
    reviewer_home, demo, tmp_path, capsys, monkeypatch
):
    """Issue #17: the same version, the same review.json, signed anew; aggregation takes
    the two files as one sheet, not as a conflict, and the review is not touched."""
    from reviewer.secretariat.intake import SheetStatus, import_sheets

    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    station.pack_id = station.open_pack(demo.pack).pack_id
    complete(station, "C001")
    first = export_sheet(station, station.pack_id, "C001", tmp_path / "usb")
    station.close()
    kept = tmp_path / "sheets" / "kept.pdf"  # the copy that reached the secretariat
    kept.parent.mkdir()
    first.path.rename(kept)

    monkeypatch.setenv("REVIEWER_PASSPHRASE", DEMO_PASSPHRASE)
    args = ["--lang", "en", "sheet", "export", "--pack", str(demo.pack), "--candidate", "C001"]
    args += ["--out", str(tmp_path / "usb"), "--home", str(reviewer_home), "--again"]
    assert main(args) == 0, capsys.readouterr().err
    assert main(args) == 1 and "is already there" in capsys.readouterr().err
    again = tmp_path / "usb" / "C001_张明华_v01.pdf"
    assert again.read_bytes() != kept.read_bytes()  # signed anew

    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    try:
        pack_id = station.open_pack(demo.pack).pack_id
        entry = station.workspace.candidates(pack_id)[0]
        assert (entry.status, entry.version) == (Status.SIGNED, 1)
        assert station.workspace.sheet_version(pack_id, "C001") == 1
    finally:
        station.close()

    session = open_session(demo.session)
    again.rename(kept.parent / again.name)
    imported = import_sheets(session, kept.parent)
    assert not imported.conflicts
    # The first in path order stands for both.
    assert {r.path.rsplit("/", 1)[-1]: r.status for r in imported.records} == {
        "C001_张明华_v01.pdf": SheetStatus.COUNTED,
        "kept.pdf": SheetStatus.DUPLICATE,
    }
