"""Aggregation end to end on a generated session with injected faults.

One practice session (7 reviewers × 18 candidates, built once for the module, ~40 s)
gets: a tampered sheet, a sheet from another session, a sheet signed by a reviewer of
another CA, a superseded version, a forced veto (as version 2), an identical copy, a
sealed file, junk, and one reviewer's sheets deleted for four candidates. The expected
numbers are computed here from the raw ``review.json`` of each sheet (read with
pyHanko's PDF reader and the rubric weights), never by calling the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import shutil
import statistics
import subprocess
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyhanko.pdf_utils.reader import PdfFileReader

from reviewer.cli import main
from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.demo.sheets import write_demo_sheets
from reviewer.people.session import open_session
from reviewer.review.scoring import Conflict
from reviewer.rubric.file import find_rubric
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.secretariat.aggregate import AggregateOptions, aggregate
from reviewer.secretariat.intake import SheetStatus, import_sheets
from reviewer.secretariat.report import csv_bytes, xlsx_bytes
from reviewer.secretariat.tables import candidates_table
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import embed_and_sign
from reviewer.sheet.verify import verify_sheet
from reviewer.station.export import export_sheet
from reviewer.station.workstation import Workstation

REVIEWERS = 7
CANDIDATES = 18
pytestmark = pytest.mark.slow


def raw_json(path: Path) -> dict:
    """review.json straight from the PDF's embedded files (no code under test)."""
    with path.open("rb") as fh:
        reader = PdfFileReader(fh, strict=False)
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        spec = names[1].get_object()
        return json.loads(spec["/EF"]["/F"].get_object().data)


def total_of(doc: dict) -> Fraction | None:
    review = doc["review"]
    if review["conflict"] == "recused":
        return None
    if any(c["result"] == "fail" for c in review["checks"].values()):
        return None
    rubric = find_rubric(doc["rubric"]["id"])
    return sum(
        (
            Fraction(c.weight) * Fraction(review["scores"][c.id]) / Fraction(c.max_score)
            for c in rubric.criteria
        ),
        Fraction(0),
    )


def two(value: Fraction | float) -> str:
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else Decimal(repr(value))
    )
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _version_two(home: Path, pack: Path, out: Path, change) -> Path:
    """Change one candidate's review in a reviewer's workspace and sign version 2."""
    station = Workstation(home)
    try:
        station.unlock(DEMO_PASSPHRASE)
        pack_id = station.open_pack(pack).pack_id
        for candidate in station.workspace.pack(pack_id).candidates:
            review = station.workspace.review(pack_id, candidate.candidate_id)
            changed = change(review, station.workspace.pack(pack_id).rubric(candidate.rubric_id))
            if changed is not None:
                station.workspace.save_review(pack_id, changed)
                return export_sheet(station, pack_id, candidate.candidate_id, out).path
    finally:
        station.close()
    raise AssertionError("no candidate to change")


def _lower_a_score(review, rubric):
    if review.conflict is not Conflict.NONE or review.checks[CheckKind.ETHICS].result.is_veto:
        return None
    c = rubric.criteria[0]
    old = review.scores[c.id]
    new = old - c.step if old - c.step >= 0 else old + c.step
    return review.with_score(c.id, new).with_opinion("复核后修改评分。")


def _veto(review, rubric):
    if review.conflict is not Conflict.NONE or review.checks[CheckKind.ETHICS].result.is_veto:
        return None
    negative = next(r.id for r in rubric.recommendations if r.negative)
    return (
        review.with_check(CheckKind.ETHICS, CheckResult.FAIL, "经核实存在学术不端 <b>&")
        .with_recommendation(negative)
        .with_opinion("一票否决。")
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("aggregate")
    demo = build_demo(root / "demo", REVIEWERS, CANDIDATES)
    write_demo_sheets(demo)
    other = build_demo(root / "other", 1, 2)
    write_demo_sheets(other)
    sheets = demo.folder / "sheets"
    faults = sheets / "faults"
    faults.mkdir()
    expected_refused: dict[str, set[str]] = {}

    # Tampered: one byte flipped inside a compressed page stream of a copy.
    original = sorted((sheets / "1").glob("*.pdf"))[4]
    data = bytearray(original.read_bytes())
    at = data.index(b"stream", 2000) + 60
    data[at] ^= 0x01
    (faults / "tampered.pdf").write_bytes(bytes(data))
    expected_refused["faults/tampered.pdf"] = {"signature_invalid"}

    # From another session (its CA, its session id).
    other_sheet = sorted((other.folder / "sheets" / "1").glob("*.pdf"))[0]
    shutil.copy(other_sheet, faults / "other_session.pdf")
    expected_refused["faults/other_session.pdf"] = {"untrusted", "other_session"}

    # This session's data, signed by a reviewer enrolled under another CA.
    session = open_session(demo.session)
    base = verify_sheet(original.read_bytes(), session.ca_certificate, session_id=session.id)
    assert base.valid
    station = Workstation(other.reviewers[0])
    try:
        station.unlock(DEMO_PASSPHRASE)
        signer = station.sheet_signer(open_session(other.session).id)
        forged = replace(
            base.data, reviewer_cert_sha256=signer.cert_sha256, reviewer_name=signer.name
        )
        rubric = find_rubric(forged.rubric_id)
        (faults / "unknown_signer.pdf").write_bytes(
            embed_and_sign(render_sheet(forged, rubric), forged, signer)
        )
    finally:
        station.close()
    expected_refused["faults/unknown_signer.pdf"] = {"untrusted"}

    # Sealed and junk.
    (faults / "sealed.pdf.age").write_bytes(b"age-encryption.org/v1\n-> X25519 junk\n")
    expected_refused["faults/sealed.pdf.age"] = {"sealed"}
    (faults / "junk.pdf").write_bytes(b"%PDF-1.7\n\x00\x01 not really")
    expected_refused["faults/junk.pdf"] = {"not_pdf"}

    # Version 2 by reviewer 2 (a changed score) and by reviewer 3 (a forced veto).
    v2_score = _version_two(demo.reviewers[1], demo.pack, sheets / "2", _lower_a_score)
    v2_veto = _version_two(demo.reviewers[2], demo.pack, sheets / "3", _veto)

    # An identical copy of a counted sheet.
    copied = sorted((sheets / "4").glob("*.pdf"))[5]
    shutil.copy(copied, faults / "copy.pdf")

    # Reviewer 7 lost four sheets.
    deleted = sorted((sheets / "7").glob("*.pdf"))[:4]
    for path in deleted:
        path.unlink()

    return {
        "demo": demo,
        "other": other,
        "sheets": sheets,
        "session": session,
        "expected_refused": expected_refused,
        "v2": [v2_score, v2_veto],
        "copy": (copied, faults / "copy.pdf"),
        "deleted": deleted,
        "root": root,
    }


def expected(world) -> dict:
    """What should count and what the aggregates are, from the files themselves."""
    if "expected" not in world:
        world["expected"] = _expected(world)
    return world["expected"]


def _expected(world) -> dict:
    sheets: Path = world["sheets"]
    latest: dict[tuple[str, str], tuple[int, Path]] = {}
    for n in range(1, REVIEWERS + 1):
        for path in sorted((sheets / str(n)).glob("*.pdf")):
            doc = raw_json(path)
            key = (doc["reviewer"]["name"], doc["candidate"]["id"])
            version = doc["sheet"]["version"]
            if key not in latest or latest[key][0] < version:
                latest[key] = (version, path)
    per_candidate: dict[str, dict] = defaultdict(
        lambda: {
            "scores": [],
            "vetoes": [],
            "recusals": [],
            "criteria": defaultdict(list),
            "opinions": [],
            "flagged": [],
            "recommended": 0,
            "not_recommended": 0,
        }
    )
    for (reviewer, cid), (_v, path) in latest.items():
        doc = raw_json(path)
        entry = per_candidate[cid]
        entry["name"] = doc["candidate"]["name"]
        entry["rubric"] = doc["rubric"]["id"]
        if doc["review"]["conflict"] == "recused":
            entry["recusals"].append(reviewer)
            continue
        review = doc["review"]
        entry["opinions"].append((reviewer, review["opinion"]))
        for kind, check in review["checks"].items():
            if check["result"] in ("concern", "fail"):
                entry["flagged"].append((reviewer, kind, check["result"], check["note"]))
        if review["recommendation"]:
            option = find_rubric(doc["rubric"]["id"]).recommendation(review["recommendation"])
            entry["not_recommended" if option.negative else "recommended"] += 1
        if any(c["result"] == "fail" for c in doc["review"]["checks"].values()):
            entry["vetoes"].append(reviewer)
            continue
        entry["scores"].append(total_of(doc))
        for k, v in doc["review"]["scores"].items():
            entry["criteria"][k].append(Fraction(v))
    return {"latest": latest, "candidates": per_candidate}


def test_import_sorts_every_sheet(world):
    session = world["session"]
    result = import_sheets(session, world["sheets"])
    refused = {r.path: set(r.codes) for r in result.refused}
    assert refused == world["expected_refused"]
    for r in result.refused:
        assert r.reasons and all(r.reasons)
    # One file per version 2 superseded its version 1.
    superseded = result.superseded
    assert len(superseded) == 2
    v2_names = {p.name for p in world["v2"]}
    assert {Path(r.superseded_by).name for r in superseded} == v2_names
    # The copy counts once: it is listed as a duplicate of the original.
    copied, copy = world["copy"]
    duplicate = {r.path: r for r in result.duplicates}
    assert set(duplicate) == {"faults/copy.pdf"}
    assert (
        duplicate["faults/copy.pdf"].duplicate_of == copied.relative_to(world["sheets"]).as_posix()
    )
    assert not result.conflicts
    exp = expected(world)
    assert len(result.counted) == len(exp["latest"])
    assert {(r.reviewer, r.data.candidate_id, r.data.version) for r in result.counted} == {
        (reviewer, cid, v) for (reviewer, cid), (v, _p) in exp["latest"].items()
    }
    # Everything but the sealed file is verified now or taken from the cache.
    assert result.verified + result.from_cache == len(result.records) - 1


def test_aggregates_match_independent_computation(world):
    session = world["session"]
    imported = import_sheets(session, world["sheets"])
    result = aggregate(session, imported, AggregateOptions())
    exp = expected(world)["candidates"]
    assert {a.candidate_id for a in result.candidates} == set(exp)
    for a in result.candidates:
        e = exp[a.candidate_id]
        scores = sorted(e["scores"])
        assert sorted(a.scores) == scores
        assert a.vetoed == bool(e["vetoes"])
        assert sorted(v.reviewer for v in a.vetoes) == sorted(e["vetoes"])
        assert sorted(r.reviewer for r in a.recusals) == sorted(e["recusals"])
        assert a.count == len(e["scores"]) + len(e["vetoes"])
        if not scores:
            continue
        assert a.mean == sum(scores, Fraction(0)) / len(scores)
        if len(scores) >= 5:
            assert a.trimmed and a.trimmed_mean == sum(scores[1:-1], Fraction(0)) / (
                len(scores) - 2
            )
        assert a.median == Fraction(statistics.median(scores))
        if len(scores) > 1:
            assert math.isclose(a.sd, statistics.stdev(float(s) for s in scores), rel_tol=1e-9)
        assert (a.minimum, a.maximum) == (scores[0], scores[-1])
        for criterion_id, value in a.criterion_means:
            got = e["criteria"][criterion_id]
            assert value == sum(got, Fraction(0)) / len(got)
    # At least five scores for most candidates, so the trimmed mean is exercised.
    assert sum(1 for a in result.candidates if a.trimmed) >= CANDIDATES // 2
    # The forced veto is there, with its check and note.
    vetoes = [v for a in result.candidates for v in a.vetoes]
    assert any(v.check is CheckKind.ETHICS and "学术不端" in v.note for v in vetoes)


def test_missing_lists_deleted_sheets(world):
    session = world["session"]
    result = aggregate(session, import_sheets(session, world["sheets"]))
    reviewer7 = session.roster[6].name
    deleted = {p.name.split("_")[0] for p in world["deleted"]}
    assert set(result.missing_by_reviewer()[reviewer7]) == deleted
    assert {(m.reviewer, m.candidate_id) for m in result.missing} == {
        (reviewer7, cid) for cid in deleted
    }
    for cid in deleted:
        assert reviewer7 in result.candidate(cid).missing


def test_ranking_by_trimmed_mean_with_ties_and_vetoes(world):
    session = world["session"]
    result = aggregate(session, import_sheets(session, world["sheets"]))
    exp = expected(world)["candidates"]
    for category in result.categories:
        values = {}
        for cid, e in exp.items():
            if e["rubric"] != category.rubric_id or e["vetoes"] or not e["scores"]:
                continue
            s = sorted(e["scores"])
            t = s[1:-1] if len(s) >= 5 else s
            values[cid] = two(sum(t, Fraction(0)) / len(t))
        for row in category.rows:
            if row.candidate_id not in values:
                assert row.ranks[result.options.method] is None
                continue
            better = sum(
                1 for v in values.values() if Decimal(v) > Decimal(values[row.candidate_id])
            )
            assert row.ranks[result.options.method] == better + 1


def test_cli_writes_reports_that_agree(world, english, tmp_path):
    out = tmp_path / "out"
    pp = tmp_path / "pp"
    pp.write_text(DEMO_PASSPHRASE)
    demo = world["demo"]
    code = main(
        [
            "--lang",
            "en",
            "aggregate",
            str(demo.session),
            str(world["sheets"]),
            "--out",
            str(out),
            "--pack",
            str(demo.pack),
            "--candidates",
            str(demo.folder / "candidates.csv"),
            "--calibrate",
            "--quorum",
            str(REVIEWERS),
            "--passphrase-file",
            str(pp),
        ]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "candidates.csv",
        "checks.csv",
        "counted.csv",
        "missing.csv",
        "opinions.csv",
        "refused.csv",
        "results.xlsx",
        "summary.pdf",
    ]
    exp = expected(world)["candidates"]
    raw = (out / "candidates.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert {r["Candidate ID"] for r in rows} == set(exp)
    for r in rows:
        e = exp[r["Candidate ID"]]
        s = sorted(e["scores"])
        assert r["Candidate"] == e["name"]
        assert r["Vetoed"] == ("yes" if e["vetoes"] else "")
        if s:
            assert r["Mean"] == two(sum(s, Fraction(0)) / len(s))
            assert r["Minimum"] == two(s[0]) and r["Maximum"] == two(s[-1])
    refused = list(csv.DictReader((out / "refused.csv").read_text("utf-8-sig").splitlines()))
    assert {r["File"]: set(r["Code"].split()) for r in refused} == world["expected_refused"]
    assert all(r["Reason"] for r in refused)
    missing = list(csv.DictReader((out / "missing.csv").read_text("utf-8-sig").splitlines()))
    assert len(missing) == 4
    # Untranslated id columns for scripts: a reviewer is their certificate's SHA-256.
    certificates = {e.name: e.certificate_fingerprint for e in world["session"].roster}
    assert {(m["candidate_id"], m["reviewer_id"]) for m in missing} == {
        (m["Candidate ID"], certificates[m["Reviewer"]]) for m in missing
    }
    assert all(r["candidate_id"] == r["Candidate ID"] and r["category_id"] for r in rows)
    with (out / "opinions.csv").open(encoding="utf-8-sig", newline="") as fh:
        opinions = list(csv.DictReader(fh))
    assert sorted((o["candidate_id"], o["reviewer_id"], o["Opinion"]) for o in opinions) == sorted(
        (cid, certificates[reviewer], text)
        for cid, e in exp.items()
        for reviewer, text in e["opinions"]
    )

    listed = {
        r["编号"]: r
        for r in csv.DictReader(
            (demo.folder / "candidates.csv").read_text("utf-8-sig").splitlines()
        )
    }
    flagged = {
        (cid, reviewer, note) for cid, e in exp.items() for reviewer, _k, _r, note in e["flagged"]
    }
    # The demo's odd 有疑虑 and the forced veto's note are both there.
    assert {r for e in exp.values() for _rv, _k, r, _n in e["flagged"]} == {"concern", "fail"}

    book = load_workbook(out / "results.xlsx", read_only=True)
    sheet = book["Candidates"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    by_id = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        by_id[values[header.index("Candidate ID")]] = dict(zip(header, values, strict=True))
    for cid, e in exp.items():
        s = sorted(e["scores"])
        if not s:
            continue
        t = s[1:-1] if len(s) >= 5 else s
        assert by_id[cid]["Mean"] == float(two(sum(s, Fraction(0)) / len(s)))
        assert by_id[cid]["Trimmed mean"] == float(two(sum(t, Fraction(0)) / len(t)))
        assert by_id[cid]["Median"] == float(two(Fraction(statistics.median(s))))
        row = by_id[cid]
        assert (row["Below quorum"] or "") == (
            "yes" if len(e["scores"]) + len(e["vetoes"]) < REVIEWERS else ""
        )
    for cid, e in exp.items():
        row, source = by_id[cid], listed[cid]
        assert (row["Affiliation"], row["Region"]) == (source["工作单位"], source["地区"])
        assert row["Central/western, border or ethnic region"] == (
            "yes" if source["中西部/边疆/民族地区"] == "是" else "no"
        )
        assert row["New arts group"] == ("yes" if source["新文艺群体"] == "是" else "no")
        assert (row["Recommended"], row["Not recommended"]) == (
            e["recommended"],
            e["not_recommended"],
        )
    assert any(row["Below quorum"] for row in by_id.values())
    assert {"Refused sheets", "Missing sheets", "Methods side by side", "Criterion means"} <= set(
        book.sheetnames
    )
    sheet_rows = list(book["Opinions"].iter_rows(values_only=True))
    assert sorted((r[1], r[3], r[5]) for r in sheet_rows[1:]) == sorted(
        (cid, reviewer, text) for cid, e in exp.items() for reviewer, text in e["opinions"]
    )
    sheet_rows = list(book["Concerns and failed checks"].iter_rows(values_only=True))
    assert {(r[1], r[3], r[6]) for r in sheet_rows[1:]} == flagged
    assert any("学术不端 <b>&" in note for _c, _r, note in flagged)
    book.close()

    # Laid out for reading and printing: filters, fitted widths, landscape, header repeated.
    book = load_workbook(out / "results.xlsx")
    for name in ("Candidates", "Opinions", "Concerns and failed checks", "Counted sheets"):
        sheet = book[name]
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"
    opinions_sheet = book["Opinions"]
    header = [c.value for c in opinions_sheet[1]]
    longest = max(len(o["Opinion"]) for o in opinions)
    # CJK characters count two columns: a column of Chinese opinions is wide (capped, wrapped).
    width = opinions_sheet.column_dimensions["F"].width
    assert header[5] == "Opinion" and min(60, 2 * longest) <= width <= 62
    assert opinions_sheet.column_dimensions["B"].width < 20  # "C001": narrow
    # Text is text: no apostrophe shown, no quote prefix, ids stay strings.
    for sheet in book.worksheets:
        for cell in (c for r in sheet.iter_rows() for c in r):
            assert not cell.quotePrefix
            assert not (isinstance(cell.value, str) and cell.value.startswith("'"))
    assert all(isinstance(c.value, str) for c in book["Candidates"]["C"][1:])
    book.close()

    sig = subprocess.run(["pdfsig", str(out / "summary.pdf")], capture_output=True, text=True)
    assert "Signature is Valid" in sig.stdout, sig.stdout
    assert "Total document signed" in sig.stdout
    assert sig.stdout.count("Signature #") == 1
    text = subprocess.run(
        ["pdftotext", str(out / "summary.pdf"), "-"], capture_output=True, text=True
    ).stdout
    for e in exp.values():
        assert e["name"] in text
    # The summary vouches, under its signature, for every other file written beside it…
    layout = subprocess.run(
        ["pdftotext", "-layout", str(out / "summary.pdf"), "-"], capture_output=True, text=True
    ).stdout
    stated = dict(re.findall(r"^\s*(\S+\.(?:csv|xlsx))\s+\d+\s+([0-9a-f]{64})\s*$", layout, re.M))
    others = {p.name for p in out.iterdir()} - {"summary.pdf"}
    assert set(stated) == others
    for name in others:
        assert stated[name] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    # …and lists every counted sheet with its own.
    for _v, path in expected(world)["latest"].values():
        assert hashlib.sha256(path.read_bytes()).hexdigest() in text
    # A candidate below quorum says so in its ranking row: "6 < 7" valid sheets.
    for cid, row in by_id.items():
        marked = re.search(
            rf"^\s*\S*\s+{cid}\s.*\s{row['Valid sheets']}\s?<\s?{REVIEWERS}\s", layout, re.M
        )
        assert bool(marked) == bool(row["Below quorum"]), cid
    assert "Opinions and checks" in text and "Sign-off" in text
    assert "Committee chair (signature)" in text
    flat = text.replace("\n", "")
    for e in exp.values():
        for _r, opinion in e["opinions"]:
            assert opinion in flat
    fonts = subprocess.run(["pdffonts", str(out / "summary.pdf")], capture_output=True, text=True)
    assert "Helvetica" not in fonts.stdout


def _good_sheets(world, folder: Path) -> None:
    """The reviewers' own folders of the world's sheets, without the planted faults."""
    for sub in sorted(world["sheets"].iterdir()):
        if sub.is_dir() and sub.name.isdigit():
            shutil.copytree(sub, folder / sub.name)


def test_conflicting_versions_hold_only_that_candidate(world, english, tmp_path, capsys):
    """Two different files, same reviewer, candidate and version: that candidate is held
    (no score, no rank, none of its sheets in the statistics); every other result is
    written and signed, and the run says which candidate waits (exit 3). Once the wrong
    file is removed, the next run completes the result and removes conflicts.csv."""
    demo, session = world["demo"], world["session"]
    folder = tmp_path / "sheets"
    _good_sheets(world, folder)
    first = sorted((folder / "5").glob("*_v01.pdf"))[0]
    data = verify_sheet(first.read_bytes(), session.ca_certificate).data
    held_id = data.candidate_id
    # The same version saying something else (a workspace restored from a backup and
    # changed): the same review.json signed again would be a copy, not a conflict.
    data = replace(data, review=data.review.with_opinion(data.review.opinion + "（另一份）"))
    station = Workstation(demo.reviewers[4])
    try:
        station.unlock(DEMO_PASSPHRASE)
        signer = station.sheet_signer(session.id)
        again = embed_and_sign(render_sheet(data, find_rubric(data.rubric_id)), data, signer)
    finally:
        station.close()
    (folder / "5" / "resigned.pdf").write_bytes(again)
    imported = import_sheets(session, folder)
    (conflict,) = imported.conflicts
    assert conflict.version == 1 and conflict.candidate_id == held_id
    assert {Path(f).name for f in conflict.files} == {first.name, "resigned.pdf"}

    result = aggregate(session, imported)
    assert result.held == (held_id,)
    held = result.candidate(held_id)
    assert held is not None and held.held
    assert held.scores == () and held.mean is None and held.count == 0
    others = [a for a in result.candidates if a.candidate_id != held_id]
    assert others and all(not a.held for a in others)
    assert any(a.mean is not None for a in others)
    row = next(r for c in result.categories for r in c.rows if r.candidate_id == held_id)
    assert row.excluded == "conflict" and all(v is None for v in row.ranks.values())
    # The held candidate's other sheets feed no reviewer's statistics.
    for summary in result.reviewers:
        assert len(summary.scores) == sum(
            1
            for a in others
            for s in a.sheets
            if s.reviewer == summary.reviewer and s.total is not None
        )

    out = tmp_path / "out"
    pp = tmp_path / "pp"
    pp.write_text(DEMO_PASSPHRASE)
    argv = ["aggregate", str(demo.session), str(folder), "--out", str(out)]
    code = main([*argv, "--passphrase-file", str(pp)])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "Traceback" not in err
    assert (
        f"held until the conflicts are resolved (remove the wrong sheets and run again): {held_id}"
        in err
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "candidates.csv",
            "checks.csv",
            "conflicts.csv",
            "counted.csv",
            "opinions.csv",
            "missing.csv",
            "refused.csv",
            "results.xlsx",
            "summary.pdf",
        ]
    )
    sig = subprocess.run(["pdfsig", str(out / "summary.pdf")], capture_output=True, text=True)
    assert "Signature is Valid" in sig.stdout, sig.stdout
    text = subprocess.run(
        ["pdftotext", str(out / "summary.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Held until the secretariat resolves conflicting sheets" in text and held_id in text
    with (out / "candidates.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["Candidate ID"]: r for r in csv.DictReader(fh)}
    assert rows[held_id]["Held (conflicting sheets)"] == "yes" and rows[held_id]["Mean"] == ""
    assert any(r["Mean"] for cid, r in rows.items() if cid != held_id)
    with (out / "conflicts.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [r["Candidate ID"] for r in csv.DictReader(fh)] == [held_id]

    (folder / "5" / "resigned.pdf").unlink()
    code = main([*argv, "--passphrase-file", str(pp)])
    assert code == 0, capsys.readouterr().err
    assert not (out / "conflicts.csv").exists()
    with (out / "candidates.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["Candidate ID"]: r for r in csv.DictReader(fh)}
    assert rows[held_id]["Held (conflicting sheets)"] == "" and rows[held_id]["Mean"] != ""


def test_sheets_under_two_rubrics_hold_only_that_candidate(world):
    """One candidate's counted sheets name different rubrics (a candidate list changed
    between packs): that candidate is held, the others are ranked."""
    session = world["session"]
    folder = world["sheets"]
    imported = import_sheets(session, folder)
    records = list(imported.records)
    counted = [i for i, r in enumerate(records) if r.status is SheetStatus.COUNTED]
    target = records[counted[0]].data
    others = [
        r.data.rubric_id
        for r in imported.counted
        if r.data is not None and r.data.rubric_id != target.rubric_id
    ]
    assert others, "the demo has more than one rubric"
    twin = next(i for i in counted[1:] if records[i].data.candidate_id == target.candidate_id)
    records[twin] = replace(records[twin], data=replace(records[twin].data, rubric_id=others[0]))
    result = aggregate(session, replace(imported, records=tuple(records)))
    assert result.held == (target.candidate_id,)
    assert result.category_conflicts[0][0] == target.candidate_id
    assert result.has_conflicts and not imported.conflicts
    ranked = [r for c in result.categories for r in c.rows if r.excluded is None]
    assert ranked and all(r.candidate_id != target.candidate_id for r in ranked)


def test_cli_fails_when_nothing_was_counted(world, english, tmp_path, capsys):
    """A run that counted no sheet (wrong folder, every sheet refused) exits 1 saying
    so, rather than 0 with empty reports."""
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "junk.pdf").write_bytes(b"not a sheet")
    pp = tmp_path / "pp"
    pp.write_text(DEMO_PASSPHRASE)
    argv = ["aggregate", str(world["demo"].session), str(folder), "--out", str(tmp_path / "o")]
    code = main([*argv, "--no-cache", "--passphrase-file", str(pp)])
    assert code == 1
    err = capsys.readouterr().err
    assert "no sheet was counted (1 refused)" in err and "Traceback" not in err


def test_trust_settings_are_part_of_the_cache_key(world, tmp_path):
    """A cache from one session must not make another session accept its sheets."""
    session, other = world["session"], open_session(world["other"].session)
    folder = tmp_path / "sheets"
    shutil.copytree(world["sheets"] / "1", folder)
    key = b"k" * 32  # the same MAC key for both: only the trust key differs
    assert len(import_sheets(session, folder, cache_key=key).counted) > 0  # cached
    cache = session.folder / "aggregate-cache.json"
    shutil.copy(cache, other.folder / "aggregate-cache.json")
    result = import_sheets(other, folder, cache_key=key)
    assert result.from_cache == 0
    assert not result.counted
    assert all("untrusted" in r.codes for r in result.refused)


def test_roster_pack_and_category_bindings(world, tmp_path):
    session = world["session"]
    folder = tmp_path / "sheets"
    shutil.copytree(world["sheets"] / "6", folder)
    # A pack the secretariat did not name.
    result = import_sheets(session, folder, pack_ids=["another-pack"])
    assert result.refused and all(r.codes == ("unknown_pack",) for r in result.refused)
    # The candidate list puts C001 in another category, and lacks C002.
    some = {cid: e["rubric"] for cid, e in expected(world)["candidates"].items()}
    some["C001"] = "arts" if some["C001"] != "arts" else "news"
    del some["C002"]
    result = import_sheets(session, folder, candidate_categories=some)
    codes = {r.data.candidate_id: r.codes for r in result.refused if r.data}
    assert codes["C001"] == ("wrong_category",)
    assert codes["C002"] == ("unknown_candidate",)
    # A roster without reviewer 6: the CA signed the sheets, but the roster refuses them.
    copy = tmp_path / "session"
    shutil.copytree(session.folder, copy)
    roster = json.loads((copy / "roster.json").read_text("utf-8"))
    roster["reviewers"] = [r for r in roster["reviewers"] if r["name"] != session.roster[5].name]
    (copy / "roster.json").write_text(json.dumps(roster, ensure_ascii=False), "utf-8")
    result = import_sheets(open_session(copy), folder)
    assert result.refused and all(r.codes == ("not_on_roster",) for r in result.refused)


def test_import_can_be_cancelled(world, tmp_path):
    from reviewer.secretariat.intake import ImportCancelled

    calls = []
    with pytest.raises(ImportCancelled):
        import_sheets(
            world["session"],
            world["sheets"],
            use_cache=False,
            progress=calls.append,
            cancelled=lambda: len(calls) >= 3,
        )


def test_workbook_text_is_text_and_csv_text_is_never_a_formula(world, english):
    """A number-looking id stays the text 001 in the workbook, and text that looks like a
    formula is a string cell there, shown as written; the CSV file defuses it instead."""
    session = world["session"]
    result = aggregate(session, import_sheets(session, world["sheets"]))
    formula = '=HYPERLINK("http://example.invalid","x")'
    first = result.candidates[0]

    def renamed(row):
        return replace(row, candidate_id="001") if row.candidate_id == first.candidate_id else row

    result = replace(
        result,
        candidates=(replace(first, candidate_id="001", name=formula), *result.candidates[1:]),
        categories=tuple(
            replace(c, rows=tuple(renamed(r) for r in c.rows)) for c in result.categories
        ),
    )
    book = load_workbook(io.BytesIO(xlsx_bytes(result)))
    sheet = book["Candidates"]
    header = [c.value for c in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[header.index("Candidate ID")].value == "001"
    )
    name = row[header.index("Candidate")]
    assert name.value == formula and name.data_type == "s" and not name.quotePrefix
    assert row[header.index("Candidate ID")].data_type == "s"
    text = csv_bytes(candidates_table(result)).decode("utf-8-sig")
    assert f"'{formula}" in text.replace('""', '"') and ",001," in text
