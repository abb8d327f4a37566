"""The issue's CLI flow, end to end, as the README and docs/formats.md describe it:
session init -> identity new -> enroll -> accept -> pack template -> build -> inspect."""

from __future__ import annotations

import csv

import pytest

from reviewer.cli import main

pytestmark = pytest.mark.usefixtures("english")


def run(capsys, *argv):
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_secretariat_and_reviewer_flow(tmp_path, capsys, monkeypatch, demo):
    session, home = tmp_path / "session", tmp_path / "home"
    request, response = tmp_path / "req.json", tmp_path / "resp.json"
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "s3cret 密码")

    assert run(capsys, "session", "init", str(session), "--name", "测试评审会")[0] == 0
    code, out, err = run(
        capsys,
        "identity",
        "new",
        "--name",
        "阿依古丽·买买提",
        "--out",
        str(request),
        "--home",
        str(home),
    )
    assert code == 0, err
    code, out, err = run(
        capsys, "session", "enroll", str(session), str(request), "--out", str(response)
    )
    assert code == 0, err
    code, out, err = run(capsys, "identity", "accept", str(response), "--home", str(home))
    assert code == 0, err
    code, out, _ = run(capsys, "session", "roster", str(session))
    assert "阿依古丽·买买提" in out

    template = tmp_path / "candidates.csv"
    assert run(capsys, "pack", "template", "--out", str(template))[0] == 0
    header = next(csv.reader(template.open(encoding="utf-8-sig")))
    assert header[:3] == ["编号", "姓名", "类别"]
    # Fill the template's columns with one candidate whose work is a demo PDF.
    materials = demo.folder / "materials"
    row = {h: "" for h in header}
    first = next(h for h in header if h.startswith("代表作1"))
    row.update({"编号": "X01", "姓名": "王𠮷", "类别": "arts"})
    for h in header:
        if h.startswith("代表作1标题"):
            row[h] = "纪录片《边疆》"
        elif h.startswith("代表作1类型"):
            row[h] = "纪录片"
        elif h.startswith("代表作1年份"):
            row[h] = "2024"
        elif h.startswith("代表作1文件"):
            row[h] = "C001/work1.pdf"
    assert first
    with template.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)

    pack = tmp_path / "out.rvpack"
    code, out, err = run(
        capsys,
        "pack",
        "build",
        str(session),
        "--candidates",
        str(template),
        "--materials",
        str(materials),
        "--out",
        str(pack),
    )
    assert code == 0, err
    assert "1 candidates" in out and "for 1 reviewer" in out

    code, out, err = run(capsys, "pack", "inspect", str(pack), "--home", str(home))
    assert code == 0, err
    assert "王𠮷" in out and "测试评审会" in out and "秘书处" in out


def test_build_refuses_bad_candidates_listing_every_problem(tmp_path, capsys, demo, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,姓名,类别,代表作1标题,代表作1类型,代表作1年份,代表作1文件\n"
        "A1,甲,nonsense,作品,纪录片,2024,none.pdf\n"
        "A1,,arts,作品,纪录片,1800,../../etc/passwd\n",
        encoding="utf-8",
    )
    out_pack = tmp_path / "x.rvpack"
    code, out, err = run(
        capsys,
        "pack",
        "build",
        str(demo.session),
        "--candidates",
        str(bad),
        "--materials",
        str(demo.folder / "materials"),
        "--out",
        str(out_pack),
    )
    assert code == 1 and "Traceback" not in err
    assert err.count("line ") >= 4, err
    assert not out_pack.exists()


def test_build_lists_every_refused_material_in_one_message(tmp_path, capsys, demo, monkeypatch):
    from tests import material_fixtures

    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    materials = tmp_path / "materials"
    materials.mkdir()
    offenders = {
        "a.pdf": b"",
        "b.pdf": material_fixtures.png(),
        "c.docx": material_fixtures.docx(),
        "d.svg": material_fixtures.SVG,
    }
    for name, data in offenders.items():
        (materials / name).write_bytes(data)
    (materials / "ok.mp4").write_bytes((material_fixtures.MEDIA / "h264_aac.mp4").read_bytes())
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,姓名,类别,代表作1标题,代表作1类型,代表作1年份,代表作1文件,其他材料\n"
        "A1,甲,arts,作品,纪录片,2024,ok.mp4,a.pdf;b.pdf\n"
        "A2,乙,arts,作品,纪录片,2024,c.docx,d.svg\n",
        encoding="utf-8",
    )
    out_pack = tmp_path / "x.rvpack"
    code, out, err = run(
        capsys,
        "pack",
        "build",
        str(demo.session),
        "--candidates",
        str(bad),
        "--materials",
        str(materials),
        "--out",
        str(out_pack),
    )
    assert code == 1 and "Traceback" not in err and not out_pack.exists()
    lines = [line for line in err.splitlines() if "line " in line]
    assert len(lines) == len(offenders), err
    for name in offenders:
        assert sum(f"'{name}'" in line for line in lines) == 1, (name, err)
    assert "convert it to PDF first" in err and "SMB/NTLM" in err and "ok.mp4" not in err


def test_build_for_unknown_reviewer(tmp_path, capsys, demo, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    code, out, err = run(
        capsys,
        "pack",
        "build",
        str(demo.session),
        "--candidates",
        str(demo.folder / "candidates.csv"),
        "--materials",
        str(demo.folder / "materials"),
        "--out",
        str(tmp_path / "p.rvpack"),
        "--for",
        "无此人",
    )
    assert code == 1 and "无此人" in err


def test_demo_pack_opens_for_the_second_reviewer(capsys, demo, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "demo")
    code, out, err = run(
        capsys, "pack", "inspect", str(demo.pack), "--home", str(demo.reviewers[1])
    )
    assert code == 0, err
    assert "买买提·艾力" in out and "李䶮" in out and "6 candidates" in out


def test_inspect_with_wrong_passphrase(capsys, demo, monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSPHRASE", "wrong")
    code, out, err = run(
        capsys, "pack", "inspect", str(demo.pack), "--home", str(demo.reviewers[1])
    )
    assert code == 1 and "wrong passphrase" in err


def test_demo_with_sheets_leaves_reviewer_one_new_for_practice(tmp_path, capsys):
    """`make demo` opens reviewer 1: their sheets are in sheets/1/, signed with their key,
    yet their own workspace has nothing scored or signed."""
    from reviewer.demo.practice import DEMO_PASSPHRASE
    from reviewer.station.workstation import Workstation
    from reviewer.workspace.model import Status

    out = tmp_path / "demo"
    argv = ["demo", "--out", str(out), "--reviewers", "2", "--candidates", "3", "--sheets"]
    assert main(argv) == 0, capsys.readouterr().err
    assert len(list((out / "sheets" / "1").glob("*.pdf"))) == 3
    assert len(list((out / "sheets" / "2").glob("*.pdf"))) == 3
    for index, expected in ((1, {Status.NOT_STARTED}), (2, {Status.SIGNED, Status.RECUSED})):
        station = Workstation(out / "reviewers" / str(index))
        try:
            station.unlock(DEMO_PASSPHRASE)
            pack_id = station.open_pack(out / "pack.rvpack").pack_id
            statuses = {e.status for e in station.workspace.candidates(pack_id)}
        finally:
            station.close()
        assert statuses <= expected and statuses, (index, statuses)
