"""review.json: canonical bytes, strict reading, every failure naming its JSON path."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import jsonschema
import pytest

from reviewer.rubric.model import CheckKind, Level
from reviewer.sheet.data import (
    SheetData,
    SheetDataError,
    SheetError,
    SheetIncompleteError,
    SheetSchemaError,
    Supersedes,
    sheet_schema,
)
from tests.sheet_fixtures import recused_review, rubric, scored_review, sheet, vetoed_review


def _doc(data: SheetData) -> dict:
    return json.loads(data.to_json_bytes())


def _bytes(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("fmt", [1, 2])
def test_schema_is_valid_draft_2020_12_and_closed_everywhere(fmt):
    schema = sheet_schema(fmt)
    jsonschema.Draft202012Validator.check_schema(schema)

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    for obj in objects(schema):
        assert obj.get("additionalProperties") is False, obj.get("required")


@pytest.mark.parametrize("make", [scored_review, recused_review, vetoed_review])
def test_round_trip(make):
    data = sheet(make(rubric()))
    again = SheetData.from_json_bytes(data.to_json_bytes())
    assert again == data
    assert again.to_json_bytes() == data.to_json_bytes()


def test_bytes_are_canonical_and_hash_is_sha256_of_them():
    import hashlib

    data = sheet()
    raw = data.to_json_bytes()
    assert raw == json.dumps(
        json.loads(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    assert "王𠮷".encode() in raw
    assert data.data_hash == hashlib.sha256(raw).hexdigest()


def test_result_fields():
    scored = _doc(sheet())
    assert scored["format"] == 2
    assert scored["result"] == {"total": "80.25", "level": "good", "vetoes": []}
    assert scored["recusal"] is None
    assert scored["sheet"] == {"version": 1, "supersedes": None, "created": "2026-05-01T06:30:00Z"}
    vetoed = sheet(vetoed_review(rubric()))
    assert vetoed.total is None and vetoed.level is None
    assert vetoed.vetoes == (CheckKind.ETHICS,)
    recused = _doc(sheet(recused_review(rubric())))
    assert recused["recusal"]["reason"].startswith("候选人系")
    assert recused["result"] == {"total": None, "level": None, "vetoes": []}


def test_later_version_names_the_one_it_supersedes():
    data = sheet(version=2, supersedes=Supersedes(1, "cd" * 32))
    assert _doc(data)["sheet"]["supersedes"] == {"version": 1, "sha256": "cd" * 32}
    assert SheetData.from_json_bytes(data.to_json_bytes()).supersedes == Supersedes(1, "cd" * 32)
    with pytest.raises(SheetError):
        sheet(version=2)
    with pytest.raises(SheetError):
        sheet(version=1, supersedes=Supersedes(1, "cd" * 32))


def test_incomplete_review_is_refused_naming_what_is_missing(english):
    review = scored_review(rubric()).with_score("works_influence", None)
    with pytest.raises(SheetIncompleteError) as info:
        sheet(review)
    assert "Influence of the representative works" in str(info.value)
    assert info.value.missing


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(format=3), "$.format"),
        (lambda d: d.update(format=True), "$.format"),
        (lambda d: d.update(format=1), "$"),  # format 1 has no viewing
        (lambda d: d.pop("viewing"), "$"),
        (lambda d: d["viewing"].update(min_percent=0), "$.viewing.min_percent"),
        (lambda d: d.update(extra=1), "$"),
        (lambda d: d["candidate"].update(nickname="x"), "$.candidate"),
        (lambda d: d["pack"].update(manifest_sha256="AB" * 32), "$.pack.manifest_sha256"),
        (lambda d: d["reviewer"].pop("cert_sha256"), "$.reviewer"),
        (lambda d: d["result"].update(total=80.25), "$.result.total"),
        (lambda d: d["result"].update(level="superb"), "$.result.level"),
        (
            lambda d: d["review"]["scores"].update(works_influence=8.5),
            "$.review.scores.works_influence",
        ),
        (
            lambda d: d["review"]["checks"].update(other={"result": "pass", "note": ""}),
            "$.review.checks",
        ),
        (lambda d: d["sheet"].update(version=0), "$.sheet.version"),
        (lambda d: d["sheet"].update(created="yesterday"), "$.sheet.created"),
        (
            lambda d: d["candidate"]["representative_works"].append(5),
            "$.candidate.representative_works[2]",
        ),
        (lambda d: d["review"].update(candidate_id="C999"), "$.review.candidate_id"),
        (lambda d: d.update(recusal={"reason": "x"}), "$.recusal"),
        (lambda d: d["sheet"].update(version=2), "$.sheet.supersedes"),
        (lambda d: d["review"].update(conflict="undeclared"), "$.review.conflict"),
    ],
)
def test_invalid_documents_name_the_path(mutate, path):
    doc = _doc(sheet())
    mutate(doc)
    with pytest.raises(SheetSchemaError) as info:
        SheetData.from_json_bytes(_bytes(doc))
    assert info.value.path == path


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b"null",
        b'{"format": NaN}',
        b'{"format": 1, "format": 1}',
        b"[" * 100_000,
        b'{"format": 1e999}',
        b'{"a": "\\ud800"}',
        b"1" * 5000,
        b" " * (2 * 1024 * 1024),
    ],
)
def test_hostile_bytes_raise_sheet_errors_only(raw):
    with pytest.raises(SheetDataError):
        SheetData.from_json_bytes(raw)


def test_lone_surrogate_inside_valid_document_is_refused_with_path():
    doc = _doc(sheet())
    raw = _bytes(doc).replace("王𠮷".encode(), b"\\ud842")
    with pytest.raises(SheetDataError) as info:
        SheetData.from_json_bytes(raw)
    assert info.value.path == "$.candidate.name"


def test_data_model_values():
    data = sheet()
    assert data.total == Decimal("80.25")
    assert data.level is Level.GOOD
    assert data.rubric_fingerprint == rubric().fingerprint
    assert not data.recused and data.recusal_reason is None
    assert replace(data, version=3) != data
