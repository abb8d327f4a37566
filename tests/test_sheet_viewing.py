"""review.json format 2 carries what was watched; format 1 sheets still verify and count;
the printed sheet says how much of each audiovisual work was watched."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from reviewer.secretariat.intake import SheetStatus, import_sheets
from reviewer.sheet.data import SheetData, SheetSchemaError
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import SheetSigner, embed_and_sign
from reviewer.sheet.verify import verify_sheet
from tests.sheet_fixtures import SESSION_ID, VIEWING, pki, rubric, scored_review, sheet
from tests.test_refusal_codes import session_for

poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def signed(data: SheetData) -> bytes:
    p = pki()
    return embed_and_sign(render_sheet(data, rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert))


def format_1(data: SheetData) -> SheetData:
    """The same sheet as a build before viewing records wrote it."""
    return replace(data, viewing=None)


def test_format_2_round_trip_carries_the_viewing():
    data = sheet(viewing=VIEWING)
    doc = json.loads(data.to_json_bytes())
    assert doc["format"] == 2
    assert doc["viewing"] == {
        "min_percent": 80,
        "works": [
            {
                "number": 1,
                "title": "纪录片《天山脚下》",
                "sha256": "f1" * 32,
                "duration_ms": 880_000,
                "watched_ms": 723_000,
                "intervals": [[0, 600_000], [700_000, 823_000]],
                "required": True,
            }
        ],
    }
    again = SheetData.from_json_bytes(data.to_json_bytes())
    assert again == data and again.to_json_bytes() == data.to_json_bytes()
    # A sheet without audiovisual works says so: format 2, no works, no minimum.
    plain = json.loads(sheet().to_json_bytes())
    assert plain["format"] == 2 and plain["viewing"] == {"min_percent": None, "works": []}


def test_format_1_is_read_and_written_back_as_format_1():
    old = format_1(sheet())
    raw = old.to_json_bytes()
    doc = json.loads(raw)
    assert doc["format"] == 1 and "viewing" not in doc
    again = SheetData.from_json_bytes(raw)
    assert again.viewing is None and again == old and again.to_json_bytes() == raw


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["viewing"]["works"][0].update(title="另一部"), "$.viewing.works[0].title"),
        (lambda d: d["viewing"]["works"][0].update(number=3), "$.viewing.works[0].title"),
        (
            lambda d: d["viewing"]["works"][0].update(watched_ms=800_000),
            "$.viewing.works[0].watched_ms",
        ),
        (
            lambda d: d["viewing"]["works"][0].update(intervals=[[0, 10], [5, 20]]),
            "$.viewing.works[0].intervals[1]",
        ),
        (
            lambda d: d["viewing"]["works"][0].update(intervals=[[0, 900_000]]),
            "$.viewing.works[0].intervals[0]",
        ),
        (lambda d: d["viewing"].update(min_percent=None), "$.viewing.works"),
        (lambda d: d["viewing"]["works"][0].update(extra=1), "$.viewing.works[0]"),
    ],
)
def test_an_inconsistent_viewing_is_refused_naming_the_place(mutate, path):
    doc = json.loads(sheet(viewing=VIEWING).to_json_bytes())
    mutate(doc)
    with pytest.raises(SheetSchemaError) as info:
        SheetData.from_json_bytes(json.dumps(doc, ensure_ascii=False).encode())
    assert info.value.path == path


@pytest.mark.parametrize("make", [lambda: sheet(viewing=VIEWING), lambda: format_1(sheet())])
def test_both_formats_verify(make):
    data = make()
    result = verify_sheet(signed(data), pki().ca_pem)
    assert result.valid, result.reasons
    assert result.data == data


def test_the_secretariat_counts_both_formats(tmp_path):
    folder = tmp_path / "sheets"
    folder.mkdir()
    new = sheet(scored_review(rubric(), "C002"), viewing=VIEWING, session_id=SESSION_ID)
    old = format_1(sheet(scored_review(rubric(), "C005"), session_id=SESSION_ID))
    (folder / "C002_v01.pdf").write_bytes(signed(new))
    (folder / "C005_v01.pdf").write_bytes(signed(old))
    result = import_sheets(session_for(tmp_path / "session"), folder, workers=1, use_cache=False)
    by_candidate = {r.data.candidate_id: r for r in result.records if r.data is not None}
    assert {r.status for r in result.records} == {SheetStatus.COUNTED}
    assert by_candidate["C002"].data.viewing == VIEWING
    assert by_candidate["C005"].data.viewing is None


@poppler
def test_the_printed_sheet_says_how_much_was_watched(tmp_path):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(render_sheet(sheet(viewing=VIEWING), rubric()))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "观看记录" in flat
    assert "已观看作品1《纪录片《天山脚下》》82%（12:03/14:40）；要求不少于80%" in flat
    # Below the minimum, the sheet says so.
    short = replace(VIEWING, works=(replace(VIEWING.works[0], intervals=((0, 60_000),)),))
    path.write_bytes(render_sheet(sheet(viewing=short), rubric()))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "6%（1:00/14:40）未达要求" in re.sub(r"\s+", "", text)
