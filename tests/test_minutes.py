"""The outputs of a counted round: the signed minutes (会议记录) and the 公示 list, through
the CLI, checked with poppler and pyHanko; the publication period's working days."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openpyxl import load_workbook

from reviewer.cli import main
from reviewer.committee import publicity
from reviewer.committee.count import finish
from reviewer.committee.meeting import open_round, record_attendance
from reviewer.committee.tally import CastBallot, Choice
from reviewer.people.session import open_session

PASS = "demo"
ROUND = "表决一"
YES, NO, ABSTAIN = Choice.YES, Choice.NO, Choice.ABSTAIN


@pytest.fixture(scope="module")
def counted(demo, tmp_path_factory):
    """A copy of the practice session with one round counted: both members present on
    paper; C001 two approvals (passes: ⅔ of 2 is 2), C002 one, C003 none."""
    base = tmp_path_factory.mktemp("minutes")
    shutil.copytree(demo.session, base / "session")
    session = open_session(base / "session")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rnd = open_round(session, ROUND, ["C001", "C002", "C003"], PASS, testing_key=key)
    record_attendance(session, rnd, PASS, paper_members=[e.name for e in session.active])
    cast = [
        CastBallot("p1", {"C001": YES, "C002": YES, "C003": ABSTAIN}),
        CastBallot("p2", {"C001": YES, "C002": NO, "C003": NO}),
    ]
    finish(rnd, cast, 2)
    (base / "pass").write_text(PASS)
    opinion = "委员会认为候选人C001业绩突出，同意推荐。\n"
    (base / "opinion.txt").write_text(opinion, encoding="utf-8")
    return base, session, demo.folder / "candidates.csv"


def _text(path) -> str:
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return run.stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_minutes_carry_the_count_and_are_signed(counted, tmp_path):
    base, session, listed = counted
    out = tmp_path / "minutes.pdf"
    code = main(
        ["meeting", "minutes", str(base / "session"), ROUND, "--opinion", str(base / "opinion.txt"),
         "--candidates", str(listed), "--out", str(out), "--passphrase-file", str(base / "pass")]
    )  # fmt: skip
    assert code == 0
    text = "".join(_text(out).split())
    names = [e.name for e in session.active]
    assert all("".join(n.split()) in text for n in names)
    # The rows as result.json has them: id, name, category, 同意, 不同意, 弃权, outcome.
    assert "C001" in text and "2" in text
    assert "法定人数已达到" in text
    assert "委员会认为候选人C001业绩突出" in text
    assert "通过：C001" in text
    rows = [line.split() for line in _text(out).splitlines() if line.strip().startswith("C00")]
    assert rows, _text(out)
    by_id = {r[0]: r for r in rows}
    assert by_id["C001"][-4:] == ["2", "0", "0", "通过"]
    assert by_id["C002"][-4:] == ["1", "1", "0", "未通过"]
    assert by_id["C003"][-4:] == ["0", "1", "1", "未通过"]

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(
        session.ca_certificate.public_bytes(serialization.Encoding.DER)
    )
    with out.open("rb") as fh:
        sig = PdfFileReader(fh).embedded_signatures[0]
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in report and "Total document signed" in report


def test_minutes_refuse_an_empty_opinion_and_an_uncounted_round(counted, tmp_path, capsys):
    base, session, _listed = counted
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    args = ["meeting", "minutes", str(base / "session"), ROUND, "--opinion", str(empty),
            "--passphrase-file", str(base / "pass")]  # fmt: skip
    assert main(args) == 1
    assert "意见为空" in capsys.readouterr().err
    empty.write_text("很长" * 5001, encoding="utf-8")
    assert main(args) == 1
    assert "超过 10000 个字符" in capsys.readouterr().err
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    open_round(session, "未计票", ["C001"], PASS, testing_key=key)
    args[3], args[5] = "未计票", str(base / "opinion.txt")
    assert main(args) == 1
    assert "尚未计票" in capsys.readouterr().err


def test_the_period_holds_five_working_days_whatever_the_start():
    thursday = dt.date(2026, 12, 3)
    assert publicity.earliest_end(thursday) == dt.date(2026, 12, 9)  # Thu Fri · Mon Tue Wed
    assert publicity.earliest_end(dt.date(2026, 12, 7)) == dt.date(2026, 12, 11)  # Mon → Fri
    assert publicity.earliest_end(dt.date(2026, 12, 5)) == dt.date(2026, 12, 11)  # Sat → Fri
    for offset in range(7):
        start = thursday + dt.timedelta(days=offset)
        end = publicity.period(start).end
        assert publicity.working_days_between(start, end) == 5
        assert end.weekday() < 5
    assert publicity.period(thursday, dt.date(2026, 12, 14)).working_days == 8  # extended
    with pytest.raises(publicity.PublicityError) as refused:
        publicity.period(thursday, dt.date(2026, 12, 8))
    assert "2026-12-09" in str(refused.value)
    with pytest.raises(publicity.PublicityError):
        publicity.period(thursday, dt.date(2028, 1, 1))  # more than a year
    for text in ("2026-12-3", "3.12.2026", "2026-02-30", "２０２６-12-03"):
        with pytest.raises(publicity.PublicityError):
            publicity.parse_date(text)


def test_a_publicity_list_needs_every_passed_candidate_listed(counted):
    from reviewer.committee.count import load_result
    from reviewer.committee.meeting import load_round

    _base, session, _listed = counted
    result = load_result(load_round(session, ROUND))
    with pytest.raises(publicity.PublicityError) as refused:
        publicity.entries(result, {})
    assert [p.where for p in refused.value.problems] == ["C001"]


def test_publicity_lists_who_passed_in_pdf_csv_and_xlsx(counted, tmp_path, capsys):
    base, _session, listed = counted
    out = tmp_path / "gongshi"
    code = main(
        ["meeting", "publicity", str(base / "session"), ROUND, "--candidates", str(listed),
         "--start", "2026-12-04", "--out", str(out), "--passphrase-file", str(base / "pass")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "2026-12-10" in capsys.readouterr().out  # Fri + Mon..Thu
    with (listed).open(encoding="utf-8-sig") as fh:
        c001 = next(r for r in csv.DictReader(fh) if r["编号"] == "C001")
    rows = list(csv.reader(io.StringIO((out / "publicity.csv").read_text("utf-8-sig"))))
    assert len(rows) == 2  # the header and C001 only
    assert rows[1][1:4] == ["C001", c001["姓名"], c001["工作单位"]]
    assert rows[1][5:] == ["2026-12-04", "2026-12-10"]
    sheet = load_workbook(out / "publicity.xlsx", read_only=True).active
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][1] == "C001"
    if shutil.which("pdftotext"):
        text = _text(out / "publicity.pdf")
        assert c001["姓名"] in text and "C002" not in text
        assert "2026-12-04" in text and "2026-12-10" in text
    if shutil.which("pdfsig"):
        report = subprocess.run(
            ["pdfsig", str(out / "publicity.pdf")], capture_output=True, text=True
        ).stdout
        assert "Signature is Valid" in report
