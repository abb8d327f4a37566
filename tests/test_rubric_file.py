"""Rubric files: the bundled six, the fingerprint, and every kind of bad file."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from reviewer.base.resources import rubrics_dir
from reviewer.cli import main
from reviewer.rubric.file import MAX_FILE_BYTES, RubricError, bundled_rubrics, parse_rubric
from reviewer.rubric.four_onlys import FORBIDDEN_MEASURES
from reviewer.rubric.model import canonical_json
from reviewer.rubric.plan import load_plan

# Messages are asserted in English; the Chinese catalogue is checked in test_catalogue.
pytestmark = pytest.mark.usefixtures("english")

NEWS_FILE = rubrics_dir() / "01-news.toml"
NEWS_TEXT = NEWS_FILE.read_text(encoding="utf-8")
CATEGORIES = {
    "news": "新闻传播人才",
    "arts": "文艺创作表演人才",
    "basic_research": "基础研究人才",
    "applied_research": "应用研究和技术开发人才",
    "management": "经营管理人才",
    "international": "国际传播人才",
}


def problems_of(text: str | bytes) -> list[str]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(RubricError) as info:
        parse_rubric(data, "bad.toml")
    return [str(p) for p in info.value.problems]


def test_six_bundled_rubrics_cover_the_plan_categories():
    rubrics = bundled_rubrics()
    assert {r.id: r.category.zh for r in rubrics} == CATEGORIES
    for r in rubrics:
        assert sum(c.weight for c in r.criteria) == 100
        assert any(c.representative_works for c in r.criteria)
        assert [c.kind.value for c in r.checks] == ["ethics", "political"]
        assert len({c.id for c in r.criteria}) == len(r.criteria)


def test_research_rubrics_name_research_integrity():
    for r in bundled_rubrics():
        aspects = "".join(a.zh for a in r.checks[0].aspects) + r.checks[0].guidance.zh
        assert ("科研诚信" in aspects) == r.research


def test_every_quote_is_verbatim_from_its_section():
    plan = load_plan()
    for r in bundled_rubrics():
        quotes = [r.source] + [c.source for c in r.checks] + [c.source for c in r.criteria]
        for q in quotes:
            assert plan.contains(q.section, q.quote), (r.id, q)


def test_fingerprint_ignores_formatting_and_key_order():
    original = parse_rubric(NEWS_TEXT.encode(), "a")
    data = tomllib.loads(NEWS_TEXT, parse_float=Decimal)
    # Rewrite as TOML with other spacing, comments, and 7.5 written as 7.50.
    reformatted = "# another layout\n" + NEWS_TEXT.replace(" = ", "=").replace("7.5", "7.50")
    again = parse_rubric(reformatted.encode(), "b")
    assert again.fingerprint == original.fingerprint
    assert data["id"] == original.id
    assert len(original.fingerprint) == 64 and re.fullmatch(r"[0-9a-f]{64}", original.fingerprint)


def test_fingerprint_changes_with_content():
    original = parse_rubric(NEWS_TEXT.encode(), "a")
    changed = parse_rubric(NEWS_TEXT.replace("综合表现良好。", "综合表现良好！").encode(), "b")
    assert changed.fingerprint != original.fingerprint


def test_canonical_json_is_stable_bytes():
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    # NFC: a decomposed é and a composed one give the same bytes.
    assert canonical_json({"a": "e\u0301"}) == canonical_json({"a": "\u00e9"})


def test_fingerprint_is_pinned_for_news():
    # A change in the canonical form would silently orphan every sheet that names a
    # rubric; this pin makes such a change deliberate (and documented in docs/rubrics.md).
    news = parse_rubric(NEWS_TEXT.encode())
    assert news.fingerprint == ("c950502b9a3afdbfddff2ba2e12b51d07d6079643ec8aeb35c932ff41c910fb0")


# --- bad files: each gets a clear message naming the place --------------------------


def test_syntax_error():
    problems = problems_of(NEWS_TEXT + "\nthis is = = not toml\n")
    assert len(problems) == 1 and "TOML" in problems[0]


def test_not_utf8():
    problems = problems_of(NEWS_TEXT.encode("gb18030"))
    assert "UTF-8" in problems[0]


def test_huge_file():
    problems = problems_of(b"#" * (MAX_FILE_BYTES + 1))
    assert str(MAX_FILE_BYTES) in problems[0]


def test_missing_fields_are_all_reported():
    text = NEWS_TEXT.replace('version = "2026.1"\n', "").replace("research = false\n", "")
    text = text.replace("weight = 20\n", "")
    problems = problems_of(text)
    assert any(p.startswith("version:") for p in problems)
    assert any(p.startswith("criteria[3].weight:") for p in problems)
    # research is optional
    assert not any(p.startswith("research") for p in problems)


def test_wrong_types():
    text = NEWS_TEXT.replace("weight = 30", 'weight = "30"').replace(
        "representative_works = true", 'representative_works = "yes"', 1
    )
    problems = problems_of(text)
    assert any(p.startswith("criteria[0].weight: expected a number") for p in problems)
    assert any(p.startswith("criteria[0].representative_works:") for p in problems)


def test_unknown_field_is_refused():
    problems = problems_of(NEWS_TEXT.replace("weight = 30", "weight = 30\nwieght = 3"))
    assert any("criteria[0].wieght" in p and "unknown" in p for p in problems)


def test_weights_must_add_up():
    problems = problems_of(NEWS_TEXT.replace("weight = 30", "weight = 35"))
    assert any("105" in p and "100" in p for p in problems)


def test_overlapping_bands():
    problems = problems_of(NEWS_TEXT.replace("min = 7.5\nmax = 9\n", "min = 7\nmax = 9\n", 1))
    assert any(p.startswith("criteria[0].bands:") and "overlap" in p for p in problems)


def test_gap_between_bands():
    problems = problems_of(NEWS_TEXT.replace("min = 9\nmax = 10\n", "min = 9.5\nmax = 10\n", 1))
    assert any("gap" in p for p in problems)


def test_band_not_reaching_the_maximum():
    problems = problems_of(NEWS_TEXT.replace("min = 9\nmax = 10\n", "min = 9\nmax = 9.5\n", 1))
    assert any("highest band must end at 10" in p for p in problems)


def test_off_step_bounds_and_bad_level():
    text = NEWS_TEXT.replace("min = 7.5\nmax = 9\n", "min = 7.5\nmax = 8.75\n", 1)
    text = text.replace('level = "fair"', 'level = "average"', 1)
    problems = problems_of(text)
    assert any("8.75" in p and "step" in p for p in problems)
    assert any("'average'" in p for p in problems)


def test_duplicate_criterion_ids():
    text = NEWS_TEXT.replace('id = "mainstream_values"', 'id = "works_social_impact"')
    problems = problems_of(text)
    assert any(p.startswith("criteria[1].id: duplicate id") for p in problems)


def test_bad_identifier():
    problems = problems_of(NEWS_TEXT.replace('id = "news"', 'id = "新闻"'))
    assert any(p.startswith("id:") for p in problems)


@pytest.mark.parametrize(
    ("measure", "name"),
    [
        ("papers", "发表论文数量"),
        ("titles", "职称等级"),
        ("degrees", "学历层次"),
        ("awards", "获奖数量"),
        ("papers", "Number of papers published"),
        ("awards", "Awards won"),
    ],
)
def test_four_onlys_rule(measure, name):
    lang = "en" if name.isascii() else "zh"
    old = (
        'zh = "新闻舆论业务能力"'
        if lang == "zh"
        else 'en = "Journalistic craft and opinion guidance"'
    )
    assert old in NEWS_TEXT
    problems = problems_of(NEWS_TEXT.replace(old, f'{lang} = "{name}"'))
    assert any(p.startswith(f"criteria[3].name.{lang}:") and "破除唯论文" in p for p in problems)
    assert measure in {m.id for m in FORBIDDEN_MEASURES}


def test_four_onlys_list_is_documented():
    doc = (Path(__file__).parent.parent / "docs" / "rubrics.md").read_text(encoding="utf-8")
    for m in FORBIDDEN_MEASURES:
        assert f"`{m.id}`" in doc


def test_quote_not_in_the_plan():
    problems = problems_of(NEWS_TEXT.replace("聚焦提高新闻舆论传播力", "聚焦提高新闻传播能力"))
    assert any(p.startswith("criteria[3].source.quote:") for p in problems)


def test_quote_in_wrong_section_says_where_it_is():
    problems = problems_of(NEWS_TEXT.replace('section = "四（一）"', 'section = "四（二）"', 1))
    assert any("四（一）" in p for p in problems)


def test_unknown_section():
    problems = problems_of(NEWS_TEXT.replace('section = "四（一）"', 'section = "九（九）"', 1))
    assert any("九（九）" in p for p in problems)


def test_missing_representative_works_criterion():
    problems = problems_of(NEWS_TEXT.replace("representative_works = true\n", ""))
    assert any("代表作" in p for p in problems)


def test_check_rules():
    text = NEWS_TEXT.replace('kind = "political"', 'kind = "ethics"')
    problems = problems_of(text)
    assert any("political" in p for p in problems)


def test_recommendations_need_a_negative():
    problems = problems_of(NEWS_TEXT.replace("negative = true\n", ""))
    assert any(p.startswith("recommendations:") for p in problems)


def test_trailing_newline_in_id_is_refused():
    problems = problems_of(NEWS_TEXT.replace('id = "news"', 'id = "news\\n"'))
    assert any(p.startswith("id:") for p in problems)


@pytest.mark.parametrize("value", ["true", "1.0", '"1"'])
def test_format_must_be_the_integer(value):
    problems = problems_of(NEWS_TEXT.replace("format = 1", f"format = {value}"))
    assert problems[0].startswith("format:")


def test_section_spelling_does_not_change_the_fingerprint():
    ascii_parens = NEWS_TEXT.replace('section = "四（一）"', 'section = "四(一)"')
    assert (
        parse_rubric(ascii_parens.encode()).fingerprint
        == parse_rubric(NEWS_TEXT.encode()).fingerprint
    )


def test_four_onlys_rule_reaches_guidance_and_total_bands():
    text = NEWS_TEXT.replace("综合表现良好。", "按获奖数量评定。").replace(
        "结论须有书面依据。", "参考论文数量。"
    )
    problems = problems_of(text)
    assert any(p.startswith("total_bands[level=good].description.zh:") for p in problems)
    assert any(p.startswith("checks[political].guidance.zh:") for p in problems)


def test_one_problem_is_reported_once():
    problems = problems_of(NEWS_TEXT.replace("weight = 30", 'weight = "30"'))
    assert len(problems) == 1, problems


def test_rubric_survives_its_canonical_form():
    from reviewer.rubric.file import rubric_from_canonical

    for r in bundled_rubrics():
        assert rubric_from_canonical(r.canonical()).fingerprint == r.fingerprint
    doc = bundled_rubrics()[0].canonical()
    doc["criteria"][0]["weight"] = "31"
    with pytest.raises(RubricError):
        rubric_from_canonical(doc)


def test_future_format_is_refused():
    problems = problems_of(NEWS_TEXT.replace("format = 1", "format = 2"))
    assert len(problems) == 1
    assert problems[0].startswith("format:") and "2" in problems[0]


def test_every_problem_at_once():
    text = NEWS_TEXT.replace("weight = 30", "weight = 31").replace('id = "news"', 'id = "N"')
    text = text.replace("wieght", "").replace("step = 0.5", "step = 0", 1)
    assert len(problems_of(text)) >= 3


# --- CLI ------------------------------------------------------------------------------


def test_cli_list(capsys):
    assert main(["rubric", "list"]) == 0
    out = capsys.readouterr().out
    for r in bundled_rubrics():
        assert r.id in out and r.fingerprint in out and r.category.en in out


def test_cli_show_in_english_keeps_the_plan_quote_in_chinese(capsys):
    assert main(["--lang", "en", "rubric", "show", "news"]) == 0
    out = capsys.readouterr().out
    assert "Social impact of the representative works" in out
    assert "对新闻传播人才，着重评价其成果作品的社会影响" in out


def test_cli_show_unknown(capsys):
    assert main(["rubric", "show", "nope"]) == 1
    err = capsys.readouterr().err
    assert "nope" in err and "news" in err


def test_cli_check_valid(capsys):
    assert main(["rubric", "check", str(NEWS_FILE)]) == 0
    assert bundled_rubrics()[0].fingerprint in capsys.readouterr().out


def test_cli_check_lists_every_problem_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        NEWS_TEXT.replace("weight = 30", "weight = 31").replace('id = "news"', 'id = "N"'),
        encoding="utf-8",
    )
    assert main(["--lang", "en", "rubric", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{bad}: id:" in err and "weights add up to 101" in err
    assert "2 problem(s) found." in err


def test_cli_check_missing_file(tmp_path, capsys):
    assert main(["rubric", "check", str(tmp_path / "none.toml")]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_cli_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["rubric", "frobnicate"])
    assert info.value.code == 2
