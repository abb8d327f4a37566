"""The manifest as hostile JSON: every problem at once, each with its JSON path."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from reviewer.pack.errors import ManifestInvalidError
from reviewer.pack.manifest import (
    MAX_DEPTH,
    MAX_MANIFEST_BYTES,
    Manifest,
    load_json,
    parse_manifest,
)
from reviewer.rubric.file import bundled_rubrics
from reviewer.rubric.model import canonical_json

A1, A2 = "a1" * 32, "b2" * 32


def valid() -> dict:
    rubric = bundled_rubrics()[0]
    return {
        "format": 1,
        "pack_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "session": {"id": "S-2026-01", "name": "2026年度全国广播电视和网络视听人才评审会"},
        "created": "2026-03-01T08:00:00Z",
        "secretariat": "评审秘书处",
        "rubrics": [{"id": rubric.id, "sha256": rubric.fingerprint, "rubric": rubric.canonical()}],
        "candidates": [
            {
                "id": "C001",
                "name": "买买提·艾力",
                "category": rubric.id,
                "programme": "青年创新人才工程",
                "affiliation": "新疆广播电视台",
                "region": "新疆维吾尔自治区",
                "central_western_border_ethnic": True,
                "new_arts_group": False,
                "works": [
                    {"title": "天山深处", "kind": "纪录片", "year": 2023, "attachment": A1},
                    {"title": "边疆新闻", "kind": "新闻专题", "year": 2022, "attachment": None},
                ],
                "other_materials": [A2],
            }
        ],
        "attachments": [
            {"sha256": A1, "size": 10, "media_type": "application/pdf", "name": "天山深处.pdf"},
            {"sha256": A2, "size": 0, "media_type": "image/png", "name": "证明.png"},
        ],
    }


def problems(doc) -> list[str]:
    data = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
    with pytest.raises(ManifestInvalidError) as info:
        parse_manifest(data)
    return [str(p) for p in info.value.problems]


def test_valid_manifest_round_trips_canonically():
    data = canonical_json(valid())
    manifest = parse_manifest(data)
    assert isinstance(manifest, Manifest)
    assert manifest.to_bytes() == data
    assert manifest.sha256 == hashlib.sha256(data).hexdigest()
    assert manifest.candidate("C001").works[0].attachment == A1
    assert manifest.candidate("C001").attachment_hashes() == [A1, A2]
    assert manifest.attachment(A2).media_type == "image/png"
    assert manifest.rubric(manifest.rubrics[0].id).canonical == bundled_rubrics()[0].canonical()
    assert manifest.created_at.year == 2026


def test_errors_name_the_json_path_and_come_all_at_once(english):
    doc = valid()
    doc["candidates"][0]["works"][0]["year"] = "2023"
    doc["candidates"][0]["name"] = ""
    doc["candidates"][0]["new_arts_group"] = "否"
    doc["attachments"][0]["size"] = -1
    found = problems(doc)
    assert "candidates[0].works[0].year: expected an integer, found text" in found
    assert "candidates[0].name: must not be empty" in found
    assert any(p.startswith("candidates[0].new_arts_group: expected true or false") for p in found)
    assert any(p.startswith("attachments[0].size:") for p in found)
    assert len(found) == 4


def test_unknown_and_missing_fields(english):
    doc = valid()
    doc["candidates"][0]["score"] = 99
    del doc["candidates"][0]["region"]
    doc["extra"] = True
    found = problems(doc)
    assert "candidates[0].score: unknown field" in found
    assert "candidates[0].region: required field is missing" in found
    assert "extra: unknown field" in found


def test_references_must_resolve_and_attachments_must_be_used(english):
    doc = valid()
    doc["candidates"][0]["works"][1]["attachment"] = "c3" * 32
    doc["candidates"][0]["category"] = "no_such_rubric"
    doc["candidates"][0]["other_materials"] = []
    found = problems(doc)
    assert any(p.startswith("candidates[0].works[1].attachment:") for p in found)
    assert any(p.startswith("candidates[0].category:") for p in found)
    assert "attachments[1]: no candidate refers to this attachment" in found


def test_duplicates_are_refused():
    doc = valid()
    doc["candidates"].append(copy.deepcopy(doc["candidates"][0]))
    doc["attachments"].append(copy.deepcopy(doc["attachments"][0]))
    found = problems(doc)
    assert any(p.startswith("candidates[1].id:") for p in found)
    assert any(p.startswith("attachments[2].sha256:") for p in found)


def test_rubric_fingerprint_is_checked():
    doc = valid()
    doc["rubrics"][0]["rubric"]["version"] = "forged"
    found = problems(doc)
    assert any(p.startswith("rubrics[0].sha256:") for p in found)


def test_rubric_id_must_match_its_body():
    doc = valid()
    doc["rubrics"][0]["id"] = "other"
    assert any(p.startswith("rubrics[0].rubric.id") for p in problems(doc))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("pack_id",), "not-a-uuid"),
        (("created",), "2026-02-30T00:00:00Z"),
        (("created",), "yesterday"),
        (("session", "id"), 7),
        (("candidates", 0, "id"), "../../etc"),
        (("candidates", 0, "works"), []),
        (("candidates", 0, "works", 0, "year"), 1800),
        (("candidates", 0, "works", 0, "year"), True),
        (("candidates", 0, "works", 0, "year"), 2023.0),
        (("attachments", 0, "name"), "../../evil.pdf"),
        (("attachments", 0, "name"), "a\u0000b"),
        (("attachments", 0, "media_type"), "text/html<script>"),
        (("attachments", 0, "size"), 2**40),
        (("rubrics",), []),
        (("candidates",), {}),
    ],
)
def test_field_level_breaks_are_refused(path, value):
    doc = valid()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems(doc)


@pytest.mark.parametrize("fmt", [0, 3, True, "2"])
def test_unknown_formats_are_refused(english, fmt):
    doc = valid()
    doc["format"] = fmt
    assert problems(doc)[0].startswith(f"format: format {fmt!r} is not supported")
    assert "reads formats 1, 2" in problems(doc)[0]


# -- format 2: block hashes ----------------------------------------------------------

BLOCK = 4 * 1024 * 1024


def valid_v2(size: int = 10) -> dict:
    doc = valid()
    doc["format"] = 2
    doc["attachments"][0]["size"] = size
    n = max(1, -(-size // BLOCK))
    doc["attachments"][0]["blocks"] = [A1] if n == 1 else [f"{i:064x}" for i in range(n)]
    doc["attachments"][1]["blocks"] = [A2]
    return doc


def test_format_2_carries_block_hashes_and_round_trips():
    doc = valid_v2(2 * BLOCK + 1)
    data = canonical_json(doc)
    manifest = parse_manifest(data)
    assert manifest.format == 2
    assert manifest.to_bytes() == data
    assert manifest.attachment(A1).blocks == tuple(f"{i:064x}" for i in range(3))
    assert manifest.attachment(A2).blocks == (A2,)


def test_format_1_has_no_block_hashes(english):
    manifest = parse_manifest(canonical_json(valid()))
    assert manifest.format == 1 and manifest.attachment(A1).blocks is None
    doc = valid()
    doc["attachments"][0]["blocks"] = [A1]
    assert problems(doc) == ["attachments[0].blocks: unknown field"]


def test_format_2_requires_block_hashes(english):
    doc = valid_v2()
    del doc["attachments"][1]["blocks"]
    assert problems(doc) == ["attachments[1].blocks: required field is missing"]


@pytest.mark.parametrize(
    ("size", "count", "expected"),
    [(10, 2, 1), (BLOCK, 2, 1), (BLOCK + 1, 1, 2), (BLOCK + 1, 3, 2), (0, 2, 1)],
)
def test_wrong_block_count_is_refused(english, size, count, expected):
    doc = valid_v2(size)
    doc["attachments"][0]["blocks"] = [f"{i:064x}" for i in range(count)]
    assert problems(doc) == [
        f"attachments[0].blocks: {count} block hashes for {size} bytes; expected {expected}"
    ]


def test_empty_block_list_and_bad_hashes_are_refused(english):
    doc = valid_v2()
    doc["attachments"][0]["blocks"] = []
    assert problems(doc) == ["attachments[0].blocks: expected 1 to 512 entries, found 0"]
    doc = valid_v2(BLOCK + 1)
    doc["attachments"][0]["blocks"] = [A1, A1.upper()]
    assert problems(doc)[0].startswith("attachments[0].blocks[1]: ")
    doc["attachments"][0]["blocks"] = "ab" * 32
    assert problems(doc) == ["attachments[0].blocks: expected a list, found text"]


def test_a_single_block_is_the_whole_file(english):
    doc = valid_v2()
    doc["attachments"][0]["blocks"] = [A2]
    assert problems(doc) == [
        "attachments[0].blocks[0]: a single block must have the file's SHA-256"
    ]


def test_too_many_block_hashes_are_refused_by_the_cap(english):
    doc = valid_v2(2 * 1024**3)
    assert len(doc["attachments"][0]["blocks"]) == 512
    parse_manifest(canonical_json(doc))
    doc["attachments"][0]["blocks"].append(A1)
    assert problems(doc) == ["attachments[0].blocks: expected 1 to 512 entries, found 513"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b"null",
        b"\xff\xfe{}",
        b'{"format": 1,}',
        b'{"format": NaN}',
        b'{"a": 1, "a": 2}',
        b"1" * 5000,
    ],
)
def test_not_json_objects(data):
    with pytest.raises(ManifestInvalidError):
        parse_manifest(data)


def test_deep_nesting_is_refused_without_a_crash():
    with pytest.raises(ManifestInvalidError):
        parse_manifest(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ManifestInvalidError):
        load_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert load_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


def test_oversized_manifest_is_refused_before_parsing():
    with pytest.raises(ManifestInvalidError):
        parse_manifest(b" " * (MAX_MANIFEST_BYTES + 1))


def test_problem_list_is_capped():
    doc = valid()
    doc["candidates"] = [{"bogus": i} for i in range(1000)]
    found = problems(doc)
    assert len(found) <= 101


# -- duration_ms: optional, so manifests written before it read as before -------------


def test_duration_is_optional_and_round_trips_where_known():
    doc = valid()
    assert parse_manifest(canonical_json(doc)).attachment(A1).duration_ms is None
    doc["attachments"][0]["duration_ms"] = 8000
    data = canonical_json(doc)
    manifest = parse_manifest(data)
    assert manifest.attachment(A1).duration_ms == 8000
    assert manifest.attachment(A2).duration_ms is None
    assert manifest.to_bytes() == data


def test_a_null_duration_reads_as_unknown_and_is_not_written():
    doc = valid()
    doc["attachments"][1]["duration_ms"] = None
    manifest = parse_manifest(canonical_json(doc))
    assert manifest.attachment(A2).duration_ms is None
    assert b"duration_ms" not in manifest.to_bytes()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "-1 is outside 0 to 864000000"),
        (10 * 24 * 3600 * 1000 + 1, "is outside 0 to 864000000"),
        ("8000", "expected an integer, found text"),
        (8000.5, "expected an integer"),
        (True, "expected an integer"),
    ],
)
def test_a_bad_duration_is_refused_with_its_path(value, message, english):
    doc = valid()
    doc["attachments"][1]["duration_ms"] = value
    found = problems(doc)
    assert any(p.startswith("attachments[1].duration_ms: ") and message in p for p in found), found
