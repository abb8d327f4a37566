"""The rendered sheet: its text, its fonts, its pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from reviewer.base.pdf_fonts import sheet_fonts
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.sheet.render import render_sheet
from tests.sheet_fixtures import recused_review, rubric, scored_review, sheet, vetoed_review

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm")),
    reason="poppler-utils not installed",
)


def _write(tmp_path: Path, pdf: bytes, name: str = "sheet.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_text_has_candidate_each_criterion_and_score(tmp_path):
    data = sheet(candidate_name="买买提·艾力")
    text = _text(_write(tmp_path, render_sheet(data, rubric())))
    flat = _flat(text)
    assert "买买提·艾力" in flat
    assert "评审表" in flat
    for c in rubric().criteria:
        assert _flat(c.name.zh) in flat
        score = data.review.scores[c.id]
        assert f"{score.normalize():f}/10" in flat
    assert "80.25" in flat
    assert "本人与该候选人不存在利益冲突" in flat
    assert "第1页共1页" in flat
    assert "pack-0001" in flat
    assert data.rubric_fingerprint[:12] in flat


def test_only_embedded_fonts(tmp_path):
    path = _write(tmp_path, render_sheet(sheet(), rubric()))
    rows = _fonts(path)
    assert rows
    for row in rows:
        # name type encoding emb sub uni id gen: "emb" is the fourth column from the end+4
        assert row[-5] == "yes", row
    assert not any("Helvetica" in row[0] for row in rows)


def test_pages_render_and_are_not_blank(tmp_path):
    path = _write(tmp_path, render_sheet(sheet(), rubric()))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    for page in pages:
        image = Image.open(page).convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 500, page


def test_long_opinion_wraps_to_a_second_page(tmp_path):
    opinion = "\n".join(["该候选人长期扎根边疆，创作了大量反映各族群众生活的优秀作品。" * 12] * 8)
    data = sheet(scored_review(rubric(), opinion=opinion))
    flat = _flat(_text(_write(tmp_path, render_sheet(data, rubric()))))
    total = int(re.search(r"第1页共(\d+)页", flat).group(1))
    assert total >= 2
    for n in range(1, total + 1):
        assert f"第{n}页共{total}页" in flat


def test_recusal_and_veto_are_stated(tmp_path):
    recused = _flat(
        _text(_write(tmp_path, render_sheet(sheet(recused_review(rubric())), rubric())))
    )
    assert "回避理由" in recused and "候选人系本人所在单位同事" in recused
    assert "回避，不评分" in recused
    vetoed = _flat(
        _text(_write(tmp_path, render_sheet(sheet(vetoed_review(rubric())), rubric()), "v.pdf"))
    )
    assert "一票否决" in vetoed
    assert "经核实存在偷逃税款问题" in vetoed


def test_hostile_text_is_shown_literally(tmp_path):
    hostile = '<font name="Helvetica">X</font>&amp;<b>粗</b>\x00\x07<br/>'
    review = scored_review(rubric(), opinion=hostile * 3)
    review = review.with_check(CheckKind.ETHICS, CheckResult.CONCERN, hostile)
    data = sheet(review, candidate_name=hostile)
    path = _write(tmp_path, render_sheet(data, rubric()))
    flat = _flat(_text(path))
    assert _flat('<font name="Helvetica">X</font>&amp;<b>粗</b>') in flat
    assert not any("Helvetica" in row[0] for row in _fonts(path))


def test_very_long_notes_and_works_split_across_pages(tmp_path):
    note = "说明" * 1000
    review = scored_review(rubric()).with_check(CheckKind.ETHICS, CheckResult.CONCERN, note)
    data = sheet(review)
    data = type(data)(**{**data.__dict__, "representative_works": ("作品" * 900,) * 3})
    pdf = render_sheet(data, rubric())
    assert _flat(_text(_write(tmp_path, pdf))).count("说明说明") > 100


def test_rare_characters_without_a_fallback_font_show_their_code_point(tmp_path):
    fonts = sheet_fonts([])
    assert fonts.covers("买买提·艾力")
    assert not fonts.covers("王𠮷")
    flat = _flat(_text(_write(tmp_path, render_sheet(sheet(), rubric(), fonts=fonts))))
    assert "王〔U+20BB7〕" in flat
    assert "李〔U+4DAE〕" in flat


def test_rare_characters_render_with_the_bundled_fallback_font(tmp_path):
    fonts = sheet_fonts()
    assert fonts.covers("王𠮷李䶮买买提·艾力")
    path = _write(tmp_path, render_sheet(sheet(), rubric(), fonts=fonts))
    flat = _flat(_text(path))
    assert "王𠮷" in flat and "李䶮" in flat
    assert all(row[-5] == "yes" for row in _fonts(path))


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_qr_code_carries_the_data_hash(tmp_path):
    data = sheet()
    path = _write(tmp_path, render_sheet(data, rubric()))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "p")], check=True)
    (page,) = sorted(tmp_path.glob("p*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
    assert out.stdout.strip() == f"SHA256:{data.data_hash.upper()}"
