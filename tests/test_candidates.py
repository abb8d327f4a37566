"""The candidate list (CSV / XLSX, Chinese headers): every problem at once, by line."""

from __future__ import annotations

import csv
import io
import os

import pytest
from openpyxl import Workbook, load_workbook

from reviewer.pack import candidates as cand
from reviewer.pack.candidates import (
    HEADERS,
    CandidatesError,
    media_type_for,
    read_candidates,
    write_template,
)
from reviewer.rubric.file import bundled_rubrics
from tests import material_fixtures

CATEGORY = bundled_rubrics()[0].id


@pytest.fixture
def materials(tmp_path):
    folder = tmp_path / "materials"
    (folder / "works").mkdir(parents=True)
    (folder / "works" / "天山深处.pdf").write_bytes(material_fixtures.pdf())
    (folder / "works" / "photo.JPG").write_bytes(material_fixtures.jpeg())
    (folder / "证明.png").write_bytes(material_fixtures.png())
    (folder / "notes.txt").write_text("说明", encoding="utf-8")
    (folder / "virus.exe").write_bytes(material_fixtures.MZ)
    (tmp_path / "secret.pdf").write_bytes(b"outside")
    return folder


def row(**values: str) -> list[str]:
    base = {
        "编号": "C001",
        "姓名": "买买提·艾力",
        "类别": CATEGORY,
        "人才计划/项目": "青年创新人才工程",
        "工作单位": "新疆广播电视台",
        "地区": "新疆维吾尔自治区",
        "中西部/边疆/民族地区（是/否）": "是",
        "新文艺群体（是/否）": "否",
        "代表作1标题": "天山深处",
        "代表作1类型": "纪录片",
        "代表作1年份": "2023",
        "代表作1文件": "works/天山深处.pdf",
        "其他材料": "证明.png; notes.txt",
    }
    base.update(values)
    return [base.get(h, "") for h in HEADERS]


def write_csv(path, rows, headers=HEADERS, bom=True):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def write_xlsx(path, rows, headers=HEADERS):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for r in rows:
        sheet.append(r)
    book.save(path)
    return path


def report(path, materials) -> list[str]:
    with pytest.raises(CandidatesError) as info:
        read_candidates(path, materials)
    return [str(p) for p in info.value.problems]


def test_csv_with_bom_reads_every_field(tmp_path, materials):
    path = write_csv(tmp_path / "c.csv", [row(), row(编号="C002", 姓名="王𠮷", 其他材料="")])
    rows = read_candidates(path, materials)
    first = rows[0]
    assert (first.line, first.id, first.name, first.category) == (
        2,
        "C001",
        "买买提·艾力",
        CATEGORY,
    )
    assert first.central_western_border_ethnic is True and first.new_arts_group is False
    assert first.works[0].year == 2023
    assert first.works[0].file.media_type == "application/pdf"
    assert first.works[0].file.path == (materials / "works" / "天山深处.pdf").resolve()
    assert [m.display_name for m in first.other_materials] == ["证明.png", "notes.txt"]
    assert [m.relative for m in first.materials()] == [
        "works/天山深处.pdf",
        "证明.png",
        "notes.txt",
    ]
    assert rows[1].line == 3 and rows[1].other_materials == ()


def test_csv_without_bom_and_english_headers(tmp_path, materials):
    english = ["id", "name", "category", "work1_title", "work1_kind", "work1_year"]
    path = write_csv(
        tmp_path / "c.csv", [["C9", "李䶮", CATEGORY, "作品", "剧", "2020"]], english, bom=False
    )
    assert read_candidates(path, materials)[0].name == "李䶮"


def test_xlsx_with_numbers_as_numbers(tmp_path, materials):
    values = row(编号="1001")
    values[HEADERS.index("代表作1年份")] = 2023
    values[HEADERS.index("编号")] = 1001
    values[HEADERS.index("新文艺群体（是/否）")] = True
    path = write_xlsx(tmp_path / "c.xlsx", [values])
    first = read_candidates(path, materials)[0]
    assert (first.id, first.works[0].year, first.new_arts_group) == ("1001", 2023, True)


def test_every_problem_is_reported_with_its_line(tmp_path, materials, english):
    rows = [
        row(),
        row(编号="C001"),  # duplicate id
        row(编号="C003", 姓名=""),
        row(编号="C004", 类别="poetry"),
        row(编号="C005", 代表作1年份="二〇二三"),
        row(编号="C006", 代表作1文件="works/missing.pdf"),
        row(编号="C007", 代表作1文件="../secret.pdf"),
        row(编号="C008", 代表作1文件="/etc/passwd"),
        row(编号="C009", 其他材料="virus.exe"),
        row(编号="C010", **{"新文艺群体（是/否）": "maybe"}),
        row(编号="C011", 代表作1标题="", 代表作1类型="", 代表作1年份="", 代表作1文件=""),
        row(编号="C012", 代表作1年份="1850"),
    ]
    found = report(write_csv(tmp_path / "c.csv", rows), materials)
    text = "\n".join(found)
    assert "line 3, 编号: duplicate id 'C001' (also on line 2)" in text
    assert "line 4, 姓名: must not be empty" in text
    assert "line 5, 类别: unknown category 'poetry'" in text
    assert "line 6, 代表作1年份:" in text
    assert "line 7, 代表作1文件: file not found: works/missing.pdf" in text
    assert "line 8, 代表作1文件: '../secret.pdf' points outside the materials folder" in text
    assert "line 9, 代表作1文件:" in text
    assert "line 10, 其他材料: 'virus.exe': a Windows program (MZ/PE)" in text
    assert "line 11, 新文艺群体（是/否）:" in text
    assert "line 12: name at least one representative work" in text
    assert "line 13, 代表作1年份:" in text
    assert len(found) == 11


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_escaping_the_materials_folder_is_refused(tmp_path, materials):
    (materials / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    found = report(write_csv(tmp_path / "c.csv", [row(代表作1文件="link.pdf")]), materials)
    assert len(found) == 1 and "link.pdf" in found[0]


def test_line_numbers_follow_multi_line_cells(tmp_path, materials, english):
    rows = [row(工作单位="第一行\n第二行"), row(编号="C002", 姓名="")]
    found = report(write_csv(tmp_path / "c.csv", rows), materials)
    # The first record spans lines 2-3, so the bad one starts on line 4.
    assert found == ["line 4, 姓名: must not be empty"]


def test_header_problems(tmp_path, materials, english):
    headers = ["编号", "姓名", "年龄", "编号", "代表作6标题"]
    found = report(
        write_csv(tmp_path / "c.csv", [["C1", "x", "3", "C1", "作品"]], headers), materials
    )
    # An office's own column is ignored; one that looks like a sixth work would drop it.
    assert not any("年龄" in p for p in found)
    assert any("代表作6标题: unknown column" in p for p in found)
    assert any("编号: the column appears twice" in p for p in found)
    assert any("类别: required column is missing" in p for p in found)


def test_too_many_rows(tmp_path, materials, monkeypatch, english):
    monkeypatch.setattr(cand, "MAX_CANDIDATES", 3)
    rows = [row(编号=f"C{i}") for i in range(5)]
    found = report(write_csv(tmp_path / "c.csv", rows), materials)
    assert found == ["line 5: too many candidates; at most 3 per pack"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("c.xlsx", b"not a workbook"),
        ("c.xlsx", b"PK\x03\x04garbage"),
        ("c.csv", b"\xff\xfe"),  # a UTF-16 BOM and nothing else
        ("c.csv", b""),
        ("c.txt", b"anything"),
    ],
)
def test_unreadable_inputs(tmp_path, materials, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert report(path, materials)


def test_missing_materials_folder(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row()])
    assert report(path, tmp_path / "nowhere")


def test_csv_template_has_the_chinese_headers_and_a_bom(tmp_path, materials):
    path = write_template(tmp_path / "t.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == list(HEADERS)
    assert "中西部/边疆/民族地区（是/否）" in header and "代表作5文件" in header
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(row())
    assert read_candidates(path, materials)[0].id == "C001"


def test_xlsx_template_round_trips(tmp_path, materials):
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert "说明" in book.sheetnames
    sheet.append(row())
    book.save(path)
    assert read_candidates(path, materials)[0].name == "买买提·艾力"


def test_template_refuses_other_suffixes(tmp_path):
    with pytest.raises(ValueError):
        write_template(tmp_path / "t.ods")


def test_media_types():
    assert media_type_for("a.PDF") == "application/pdf"
    assert media_type_for("a.jpeg") == media_type_for("b.jpg") == "image/jpeg"
    assert media_type_for("a.png") == "image/png"
    assert media_type_for("a.txt").startswith("text/plain")
    assert media_type_for("a.exe") is None


# -- materials are checked by content ---------------------------------------------------


def test_media_types_come_from_the_content_and_media_carry_their_length(tmp_path, materials):
    import shutil

    shutil.copyfile(material_fixtures.MEDIA / "h264_aac.mov", materials / "作品.mp4")
    shutil.copyfile(material_fixtures.MEDIA / "tone.mp3", materials / "录音.mp3")
    path = write_csv(tmp_path / "c.csv", [row(代表作1文件="作品.mp4", 其他材料="录音.mp3")])
    first = read_candidates(path, materials)[0]
    video, audio = first.works[0].file, first.other_materials[0]
    assert video.media_type == "video/quicktime"  # the content's, not the name's video/mp4
    assert abs(video.duration_ms - 2000) <= 100 and abs(audio.duration_ms - 2000) <= 100
    assert audio.media_type == "audio/mpeg"
    assert (
        read_candidates(write_csv(tmp_path / "d.csv", [row()]), materials)[0]
        .works[0]
        .file.duration_ms
        is None
    )


def test_every_refused_material_is_reported_at_once_with_its_reason(tmp_path, materials, english):
    """MaterialRefusedError for each file becomes one line of one CandidatesError."""
    offenders = {
        "empty.pdf": b"",
        "tool.pdf": material_fixtures.ELF,
        "setup.txt": material_fixtures.MZ,
        "run.txt": material_fixtures.SCRIPT,
        "logo.png": material_fixtures.SVG,
        "photo.pdf": material_fixtures.png(),
        "report.docx": material_fixtures.docx(),
        "公文.ofd": material_fixtures.ofd(),
        "blob.mp4": bytes(range(256)) * 8,
    }
    for name, data in offenders.items():
        (materials / name).write_bytes(data)
    names = list(offenders)
    rows = [
        row(编号=f"C{n:03d}", 代表作1文件=name, 其他材料="")
        for n, name in enumerate(names[:5], start=1)
    ]
    rows.append(row(编号="C006", 其他材料=";".join(names[5:])))
    found = report(write_csv(tmp_path / "c.csv", rows), materials)
    assert len(found) == len(offenders), "\n".join(found)
    expected = {
        "empty.pdf": "line 2, 代表作1文件: 'empty.pdf': the file is empty (0 bytes)",
        "tool.pdf": "line 3, 代表作1文件: 'tool.pdf': named .pdf but it is a Linux program (ELF)",
        "setup.txt": "line 4, 代表作1文件: 'setup.txt': named .txt but it is a Windows program",
        "run.txt": "line 5, 代表作1文件: 'run.txt': named .txt but it is a script (#!)",
        "logo.png": "line 6, 代表作1文件: 'logo.png': named .png but it is SVG, XML or HTML",
        "photo.pdf": "line 7, 其他材料: 'photo.pdf': named .pdf (a PDF document) but the "
        "content is a PNG image",
        "report.docx": "line 7, 其他材料: 'report.docx': a Word document (docx), which the "
        "viewer cannot show: convert it to PDF first",
        "公文.ofd": "line 7, 其他材料: '公文.ofd': an OFD document, which the viewer cannot "
        "show: convert it to PDF first",
        "blob.mp4": "line 7, 其他材料: 'blob.mp4': named .mp4 but the content is not an MP4 "
        "or QuickTime video",
    }
    for name, start in expected.items():
        assert any(p.startswith(start) for p in found), (name, found)


# -- lists as offices write them (issue #17) ---------------------------------------------


def _csv_text(rows, headers=HEADERS, delimiter=","):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def test_gbk_csv_with_chinese_category_names_is_read(tmp_path, materials):
    # Excel's plain "CSV" on Chinese Windows is GBK; offices write the category's name.
    rows = [row(类别="新闻传播人才"), row(编号="C002", 类别="文艺创作表演类"), row(编号="C003")]
    path = tmp_path / "c.csv"
    title = "2026年度候选人名单,,,\r\n\r\n"  # a title and a blank line above the header
    path.write_bytes((title + _csv_text(rows)).encode("gbk"))
    found = read_candidates(path, materials)
    assert [(r.name, r.category) for r in found] == [
        ("买买提·艾力", "news"),
        ("买买提·艾力", "arts"),
        ("买买提·艾力", CATEGORY),
    ]
    assert found[0].affiliation == "新疆广播电视台" and found[0].line == 4


def test_utf16_tab_separated_csv_is_read(tmp_path, materials):
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated, often renamed .csv.
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_text([row(姓名="王𠮷")], delimiter="\t").encode("utf-16"))
    assert read_candidates(path, materials)[0].name == "王𠮷"


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + "编号,姓名,类别".encode("gbk"),  # a UTF-8 BOM over GBK bytes
        b"\xff\xfe\x00\xd8,\x00",  # UTF-16 with a lone surrogate
        "编号,姓名".encode("gbk") + b"\x81\x20\xff",  # no encoding reads this
        "编号,姓名,类别".encode("utf-16-le"),  # UTF-16 without its BOM
    ],
)
def test_csv_in_no_known_encoding_is_refused(tmp_path, materials, english, data):
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    assert report(path, materials) == [
        "the file is not text in UTF-8, UTF-16 or GBK/GB18030; "
        'in Excel or WPS save it as "CSV UTF-8"'
    ]


def _office_workbook(path, rows, headers=HEADERS):
    """The list as an office keeps it: an explanation sheet first, then 候选人 with a
    title merged over the top, a blank row, the header with a 备注 column of its own."""
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["类别填写类别名称或编号"])
    sheet = book.create_sheet("候选人")
    sheet.append(["2026年度全国广播电视和网络视听人才评审候选人名单"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers) + 1)
    sheet.append([])
    sheet.append([*headers, "备注"])
    for r in rows:
        sheet.append(r)
    return book, sheet


def test_office_xlsx_with_title_notes_and_a_category_merged_down(tmp_path, materials):
    rows = [
        [*row(类别="新闻传播人才"), "已初审"],
        [*row(编号="C002", 类别=""), ""],
        [*row(编号="C003", 类别=""), "补交材料"],
        [*row(编号="C004", 类别="international"), ""],
    ]
    book, sheet = _office_workbook(tmp_path / "c.xlsx", rows)
    category = HEADERS.index("类别") + 1
    sheet.merge_cells(start_row=4, start_column=category, end_row=6, end_column=category)
    book.save(tmp_path / "c.xlsx")
    found = read_candidates(tmp_path / "c.xlsx", materials)
    assert [(r.line, r.id, r.category) for r in found] == [
        (4, "C001", "news"),
        (5, "C002", "news"),
        (6, "C003", "news"),
        (7, "C004", "international"),
    ]


def test_formulas_and_merges_across_columns_are_refused_by_cell(tmp_path, materials, english):
    rows = [[*row(), ""], [*row(编号="C002"), ""], [*row(编号="C003"), ""]]
    book, sheet = _office_workbook(tmp_path / "c.xlsx", rows)
    # The year computed (no cached value: openpyxl writes none, as some systems do).
    year = HEADERS.index("代表作1年份") + 1
    sheet.cell(row=5, column=year).value = "=2020+3"
    # 工作单位 merged over 地区 on one candidate's row: which column is it?
    unit = HEADERS.index("工作单位") + 1
    sheet.cell(row=6, column=unit + 1).value = None
    sheet.merge_cells(start_row=6, start_column=unit, end_row=6, end_column=unit + 1)
    book.save(tmp_path / "c.xlsx")
    found = report(tmp_path / "c.xlsx", materials)
    assert "K5: the cell holds a formula; paste values instead" in found
    assert (
        "E6:F6: the cells are merged across columns; unmerge them and give each column its value"
        in found
    )
    # The formula's cell reads as empty, never as a cached value.
    assert "line 5, 代表作1年份: the year is missing" in found
    assert len(found) == 3, found


def test_aggregation_reads_the_office_list_too(tmp_path, materials):
    from reviewer.pack.candidates import category_aliases
    from reviewer.secretariat.candidates import read_candidate_list

    book, _sheet = _office_workbook(tmp_path / "c.xlsx", [[*row(类别="国际传播人才"), "x"]])
    book.save(tmp_path / "c.xlsx")
    listed = read_candidate_list(tmp_path / "c.xlsx", category_aliases(bundled_rubrics()))
    assert [(c.candidate_id, c.category) for c in listed] == [("C001", "international")]


def test_the_xlsx_templates_category_drop_down_offers_names_the_reader_takes(tmp_path, materials):
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    sheet = book["候选人"]
    col = HEADERS.index("类别") + 1
    (validation,) = [
        v for v in sheet.data_validations.dataValidation if f"{chr(64 + col)}2" in v.sqref
    ]
    # The list is on a hidden sheet, through a defined name: never the 255-character
    # limit of an inline list.
    assert validation.type == "list" and not validation.formula1.startswith('"')
    sheet_name, cells = book.defined_names[validation.formula1].attr_text.split("!")
    choices = book[sheet_name.strip("'")]
    assert choices.sheet_state == "hidden"
    offered = [c.value for row in choices[cells.replace("$", "")] for c in row]
    rubrics = bundled_rubrics()
    assert offered == [r.category.zh for r in rubrics]
    # Filled from the drop-down, one row per value: each reads back as its rubric's id.
    for i, value in enumerate(offered):
        sheet.append(row(**{"编号": f"C{i:03d}", "类别": value}))
    book.save(path)
    assert [c.category for c in read_candidates(path, materials)] == [r.id for r in rubrics]


def test_a_category_name_two_rubrics_share_is_offered_as_ids():
    from dataclasses import replace

    news, arts = bundled_rubrics()[:2]
    twin = replace(arts, category=news.category)
    assert cand.template_categories([news, twin]) == [news.id, twin.id]
    assert cand.template_categories([news, arts]) == [news.category.zh, arts.category.zh]
