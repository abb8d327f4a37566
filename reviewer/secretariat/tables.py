"""The tables of an aggregation result, as headers and rows of plain values.

One definition serves the CSV files, the XLSX workbook and the GUI, so that every
output shows the same numbers. Cells are ``str``, ``int``, ``Decimal`` (already rounded
for display: two places, half up) or ``None`` (empty). Headers are English msgids,
translated when the table is built (Chinese by default).

A table may also carry stable id columns (``candidate_id``, ``category_id``,
``reviewer_id`` …): untranslated headers, ids as the sheets state them, one tuple per
row. The CSV files lead with them, so that a script reads the same columns whatever the
language; a reviewer's id is the SHA-256 of their certificate, which two reviewers of one
name cannot share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from reviewer.base.i18n import _, join_list
from reviewer.rubric.model import CheckKind, Level, Rubric
from reviewer.secretariat.aggregate import AggregateResult, CandidateAggregate, Method, RankRow
from reviewer.secretariat.candidates import ListedCandidate
from reviewer.secretariat.intake import SheetStatus
from reviewer.secretariat.stats import shown

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    id_headers: tuple[str, ...] = ()  # untranslated, for scripts (see the module docstring)
    id_rows: tuple[tuple[Cell, ...], ...] = ()  # one per row when there are id headers


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def _sd(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def check_name(kind: CheckKind) -> str:
    return _("ethics check") if kind is CheckKind.ETHICS else _("political quality check")


def flag_text(value: bool | None) -> str:
    """A tilt flag of the candidate list: yes, no, or not known (no such column)."""
    if value is None:
        return _("not known")
    return _("yes") if value else _("no")


def tilt_text(listed: ListedCandidate | None) -> str:
    """The plan's tilt flags that apply to a candidate, in words ("" when none or unknown)."""
    if listed is None:
        return ""
    flags = []
    if listed.central_western_border_ethnic:
        flags.append(_("central/western, border or ethnic region"))
    if listed.new_arts_group:
        flags.append(_("new arts group"))
    return join_list(flags)


def recommendation_counts(a: CandidateAggregate, rubric: Rubric | None) -> tuple[int, int]:
    """(recommended, not recommended): the sheets whose recommendation is a positive
    option of the rubric, and those whose is a negative one."""
    positive = negative = 0
    for rec_id, n in a.recommendations.items():
        option = rubric.recommendation(rec_id) if rubric else None
        if option is None:
            continue
        if option.negative:
            negative += n
        else:
            positive += n
    return positive, negative


def recommendation_name(rubric: Rubric | None, rec_id: str | None) -> str:
    if not rec_id:
        return ""
    option = rubric.recommendation(rec_id) if rubric else None
    return option.name.get() if option else rec_id


def flagged_text(a: CandidateAggregate) -> str:
    """Every 有疑虑/不通过 check of a candidate's counted sheets, with its note."""
    return "; ".join(
        f"{f.reviewer}: {check_name(f.check)} {f.result.label()}"
        + (f" — {f.note}" if f.note else "")
        for f in a.flagged_checks
    )


def level_text(counts: Mapping[str, int]) -> str:
    return join_list(
        f"{Level(level).label()} {counts[level]}"
        for level in (lv.value for lv in reversed(list(Level)))
        if counts.get(level)
    )


def recommendation_text(a: CandidateAggregate, rubric: Rubric | None) -> str:
    return join_list(
        f"{recommendation_name(rubric, k)} {v}" for k, v in sorted(a.recommendations.items())
    )


def criterion_name(rubric: Rubric | None, criterion_id: str) -> str:
    c = rubric.criterion(criterion_id) if rubric else None
    return c.name.get() if c else criterion_id


def _row_of(result: AggregateResult, candidate_id: str) -> RankRow | None:
    for category in result.categories:
        for row in category.rows:
            if row.candidate_id == candidate_id:
                return row
    return None


def candidates_table(result: AggregateResult) -> Table:
    """candidates.csv: one row per candidate with every aggregate."""
    method = result.options.method
    rubrics = result.imported.rubrics
    headers = [
        _("Category"),
        _("Rank"),
        _("Candidate ID"),
        _("Candidate"),
        _("Affiliation"),
        _("Region"),
        _("Central/western, border or ethnic region"),
        _("New arts group"),
        _("Valid sheets"),
        _("Scores"),
        _("Mean"),
        _("Trimmed mean"),
        _("Trimmed"),
        _("Median"),
        _("Standard deviation (sample)"),
        _("Minimum"),
        _("Maximum"),
        _("Range"),
        _("Rank by mean"),
        _("Rank by trimmed mean"),
        _("Rank by median"),
        _("Rank depends on method"),
        _("Tied"),
        _("Vetoed"),
        _("Held (conflicting sheets)"),
        _("Vetoes"),
        _("Recusals"),
        _("Missing reviewers"),
        _("Below quorum"),
        _("Disagreement"),
        _("Levels"),
        _("Recommended"),
        _("Not recommended"),
        _("Recommendations"),
        _("Concerns and failed checks"),
        _("Criterion means"),
    ]
    if result.options.calibrate:
        headers += [_("Calibrated score"), _("Calibrated rank")]
    rows = []
    for a in result.candidates:
        row = _row_of(result, a.candidate_id)
        ranks = row.ranks if row else {}
        rubric = rubrics.get(a.rubric_id)
        listed = a.listed
        recommended, not_recommended = recommendation_counts(a, rubric)
        cells: list[Cell] = [
            a.category,
            ranks.get(method),
            a.candidate_id,
            a.name,
            listed.affiliation if listed else "",
            listed.region if listed else "",
            flag_text(listed.central_western_border_ethnic if listed else None),
            flag_text(listed.new_arts_group if listed else None),
            a.count,
            len(a.scores),
            shown(a.mean),
            shown(a.trimmed_mean),
            _yes(a.trimmed),
            shown(a.median),
            _sd(a.sd),
            shown(a.minimum),
            shown(a.maximum),
            shown(a.spread),
            ranks.get(Method.MEAN),
            ranks.get(Method.TRIMMED),
            ranks.get(Method.MEDIAN),
            _yes(bool(row and row.method_dependent)),
            _yes(bool(row and row.tied)),
            _yes(a.vetoed),
            _yes(a.held),
            "; ".join(
                f"{v.reviewer}: {check_name(v.check)}" + (f" — {v.note}" if v.note else "")
                for v in a.vetoes
            ),
            "; ".join(f"{r.reviewer}" + (f" — {r.reason}" if r.reason else "") for r in a.recusals),
            join_list(a.missing),
            _yes(a.below_quorum),
            _yes(a.disagreement),
            level_text(a.levels),
            recommended,
            not_recommended,
            recommendation_text(a, rubric),
            flagged_text(a),
            "; ".join(f"{criterion_name(rubric, c)} {shown(m)}" for c, m in a.criterion_means),
        ]
        if result.options.calibrate:
            cells += [shown(a.calibrated), row.calibrated_rank if row else None]
        rows.append(tuple(cells))
    return Table(
        _("Candidates"),
        tuple(headers),
        tuple(rows),
        ("candidate_id", "category_id"),
        tuple((a.candidate_id, a.rubric_id) for a in result.candidates),
    )


def opinions_table(result: AggregateResult) -> Table:
    """opinions.csv: each counted sheet's opinion (评审意见) and recommendation."""
    rubrics = result.imported.rubrics
    rows, ids = [], []
    for a in result.candidates:
        rubric = rubrics.get(a.rubric_id)
        for o in a.opinions:
            rows.append(
                (
                    a.category,
                    a.candidate_id,
                    a.name,
                    o.reviewer,
                    recommendation_name(rubric, o.recommendation),
                    o.text,
                )
            )
            ids.append((a.candidate_id, a.rubric_id, o.cert_sha256, o.recommendation or ""))
    return Table(
        _("Opinions"),
        (
            _("Category"),
            _("Candidate ID"),
            _("Candidate"),
            _("Reviewer"),
            _("Recommendation"),
            _("Opinion"),
        ),
        tuple(rows),
        ("candidate_id", "category_id", "reviewer_id", "recommendation_id"),
        tuple(ids),
    )


def flagged_checks_table(result: AggregateResult) -> Table:
    """checks.csv: every ethics or political-quality check recorded as 有疑虑 or 不通过."""
    rows, ids = [], []
    for a in result.candidates:
        for f in a.flagged_checks:
            rows.append(
                (
                    a.category,
                    a.candidate_id,
                    a.name,
                    f.reviewer,
                    check_name(f.check),
                    f.result.label(),
                    f.note,
                )
            )
            ids.append((a.candidate_id, a.rubric_id, f.cert_sha256, f.check.value, f.result.value))
    return Table(
        _("Concerns and failed checks"),
        (
            _("Category"),
            _("Candidate ID"),
            _("Candidate"),
            _("Reviewer"),
            _("Check"),
            _("Result"),
            _("Note"),
        ),
        tuple(rows),
        ("candidate_id", "category_id", "reviewer_id", "check_id", "result_id"),
        tuple(ids),
    )


def counted_sheets_table(result: AggregateResult) -> Table:
    """counted.csv: the sheets that count, each with the SHA-256 of its file."""
    rows, ids = [], []
    for r in result.imported.counted:
        data = r.data
        if data is None:
            continue
        rows.append(
            (
                r.path,
                r.reviewer or "",
                data.candidate_id,
                data.candidate_name,
                data.version,
                _("recused") if data.recused else "",
                r.sha256 or "",
            )
        )
        ids.append((data.candidate_id, data.rubric_id, data.reviewer_cert_sha256))
    return Table(
        _("Counted sheets"),
        (
            _("File"),
            _("Reviewer"),
            _("Candidate ID"),
            _("Candidate"),
            _("Version"),
            _("Recused"),
            _("SHA-256"),
        ),
        tuple(rows),
        ("candidate_id", "category_id", "reviewer_id"),
        tuple(ids),
    )


def refused_table(result: AggregateResult) -> Table:
    """refused.csv: every sheet that does not count because it was refused."""
    refused = result.imported.refused
    rows = tuple(
        (r.path, r.reason_text, " ".join(r.codes), r.signer_name or "", r.sha256 or "")
        for r in refused
    )
    return Table(
        _("Refused sheets"),
        (_("File"), _("Reason"), _("Code"), _("Signer"), _("SHA-256")),
        rows,
        ("candidate_id", "reviewer_id"),
        tuple((r.data.candidate_id if r.data else "", r.signer_cert_sha256 or "") for r in refused),
    )


def other_sheets_table(result: AggregateResult) -> Table:
    """Superseded, duplicate and conflicting sheets: listed, not counted."""
    labels = {
        SheetStatus.SUPERSEDED: _("superseded"),
        SheetStatus.DUPLICATE: _("duplicate"),
        SheetStatus.CONFLICT: _("conflict"),
    }
    rows = []
    for r in result.imported.records:
        if r.status not in labels or r.data is None:
            continue
        note = r.superseded_by or r.duplicate_of or ""
        rows.append(
            (
                r.path,
                labels[r.status],
                r.reviewer or "",
                r.data.candidate_id,
                r.data.version,
                note,
            )
        )
    return Table(
        _("Superseded and duplicate sheets"),
        (_("File"), _("Status"), _("Reviewer"), _("Candidate ID"), _("Version"), _("See")),
        tuple(rows),
    )


def conflicts_table(result: AggregateResult) -> Table:
    certificates = result.reviewer_certificates
    rows: list[tuple[Cell, ...]] = [
        (c.reviewer, c.candidate_id, c.version, " | ".join(c.files))
        for c in result.imported.conflicts
    ]
    ids: list[tuple[Cell, ...]] = [
        (c.candidate_id, certificates.get(c.reviewer, "")) for c in result.imported.conflicts
    ]
    rows += [
        ("", cid, None, _("sheets use different rubrics: {ids}").format(ids=", ".join(ids)))
        for cid, ids in result.category_conflicts
    ]
    ids += [(cid, "") for cid, _ids in result.category_conflicts]
    return Table(
        _("Conflicts"),
        (_("Reviewer"), _("Candidate ID"), _("Version"), _("Files")),
        tuple(rows),
        ("candidate_id", "reviewer_id"),
        tuple(ids),
    )


def excluded_text(excluded: str | None) -> str:
    """Why a candidate has no rank, in words."""
    return {
        "conflict": _("held: conflicting sheets"),
        "vetoed": _("vetoed"),
        "no_scores": _("no scores"),
    }.get(excluded or "", "")


def conflict_lines(result: AggregateResult) -> list[str]:
    """Why candidates are held, one sentence per conflict (the CLI and the GUI say it)."""
    lines = [
        _(
            "conflict: {reviewer} signed two different sheets as version {v} "
            "for {candidate}: {files}"
        ).format(
            reviewer=c.reviewer, v=c.version, candidate=c.candidate_id, files=", ".join(c.files)
        )
        for c in result.imported.conflicts
    ]
    lines += [
        _("conflict: the sheets for {candidate} use different rubrics: {ids}").format(
            candidate=cid, ids=", ".join(ids)
        )
        for cid, ids in result.category_conflicts
    ]
    return lines


def missing_table(result: AggregateResult) -> Table:
    """missing.csv: (reviewer, candidate) pairs without a counted sheet or a recusal."""
    rows = tuple(
        (
            m.reviewer,
            m.candidate_id,
            m.candidate_name,
            _("a sheet was sent but refused") if m.refused else "",
        )
        for m in result.missing
    )
    certificates = result.reviewer_certificates
    return Table(
        _("Missing sheets"),
        (_("Reviewer"), _("Candidate ID"), _("Candidate"), _("Note")),
        rows,
        ("candidate_id", "reviewer_id"),
        tuple((m.candidate_id, certificates.get(m.reviewer, "")) for m in result.missing),
    )


def reviewer_scores_table(result: AggregateResult) -> Table:
    """Candidates × reviewers: each counted total; recusals and vetoes in words."""
    names = [r.reviewer for r in result.reviewers]
    rows = []
    for a in result.candidates:
        by_reviewer = {s.reviewer: s for s in a.sheets}
        cells: list[Cell] = [a.category, a.candidate_id, a.name]
        for name in names:
            sheet = by_reviewer.get(name)
            if sheet is None:
                cells.append(None)
            elif sheet.record.data is not None and sheet.record.data.recused:
                cells.append(_("recused"))
            elif sheet.total is None:
                cells.append(_("veto"))
            else:
                cells.append(shown(sheet.total))
        rows.append(tuple(cells))
    return Table(
        _("Scores by reviewer"),
        (_("Category"), _("Candidate ID"), _("Candidate"), *names),
        tuple(rows),
    )


def criterion_means_table(result: AggregateResult) -> Table:
    rubrics = result.imported.rubrics
    rows = []
    for a in result.candidates:
        rubric = rubrics.get(a.rubric_id)
        for criterion_id, value in a.criterion_means:
            c = rubric.criterion(criterion_id) if rubric else None
            rows.append(
                (
                    a.category,
                    a.candidate_id,
                    a.name,
                    criterion_name(rubric, criterion_id),
                    shown(value),
                    c.max_score if c else None,
                )
            )
    return Table(
        _("Criterion means"),
        (
            _("Category"),
            _("Candidate ID"),
            _("Candidate"),
            _("Criterion"),
            _("Mean"),
            _("Maximum score"),
        ),
        tuple(rows),
    )


def methods_table(result: AggregateResult) -> Table:
    """The ranking under every method side by side, per category."""
    by_id = {a.candidate_id: a for a in result.candidates}
    rows = []
    for category in result.categories:
        for row in category.rows:
            a = by_id[row.candidate_id]
            excluded = excluded_text(row.excluded)
            rows.append(
                (
                    category.category,
                    a.candidate_id,
                    a.name,
                    shown(a.trimmed_mean),
                    row.ranks.get(Method.TRIMMED),
                    shown(a.mean),
                    row.ranks.get(Method.MEAN),
                    shown(a.median),
                    row.ranks.get(Method.MEDIAN),
                    _yes(row.method_dependent),
                    excluded,
                )
            )
    return Table(
        _("Methods side by side"),
        (
            _("Category"),
            _("Candidate ID"),
            _("Candidate"),
            _("Trimmed mean"),
            _("Rank by trimmed mean"),
            _("Mean"),
            _("Rank by mean"),
            _("Median"),
            _("Rank by median"),
            _("Rank depends on method"),
            _("Not ranked"),
        ),
        tuple(rows),
    )


def agreement_table(result: AggregateResult) -> Table:
    rows = []
    for c in result.categories:
        least = join_list(
            f"{a.reviewer} (r={a.correlation:.2f})" for a in c.least_agreeing if a.correlation
        )
        rows.append(
            (
                c.category,
                shown(c.icc, Decimal("0.001")),
                shown(c.kendall_w, Decimal("0.001")),
                c.block[0],
                c.block[1],
                least,
            )
        )
    return Table(
        _("Agreement"),
        (
            _("Category"),
            "ICC(2,1)",
            _("Kendall's W"),
            _("Candidates in block"),
            _("Reviewers in block"),
            _("Least agreeing reviewers"),
        ),
        tuple(rows),
    )


def calibration_table(result: AggregateResult) -> Table:
    """Candidates whose rank changes with calibration."""
    by_id = {a.candidate_id: a for a in result.candidates}
    rows = []
    for category in result.categories:
        for row in category.rows:
            before = row.ranks.get(result.options.method)
            if row.calibrated_rank is not None and before != row.calibrated_rank:
                a = by_id[row.candidate_id]
                rows.append(
                    (
                        category.category,
                        a.candidate_id,
                        a.name,
                        before,
                        row.calibrated_rank,
                        shown(a.value(result.options.method)),
                        shown(a.calibrated),
                    )
                )
    return Table(
        _("Rank changes with calibration"),
        (
            _("Category"),
            _("Candidate ID"),
            _("Candidate"),
            _("Rank"),
            _("Calibrated rank"),
            _("Score"),
            _("Calibrated score"),
        ),
        tuple(rows),
    )


def reviewers_table(result: AggregateResult) -> Table:
    rows = tuple(
        (
            r.reviewer,
            r.counted,
            r.recusals,
            r.vetoes,
            len(r.scores),
            shown(r.mean),
            _sd(r.sd),
            _yes(r.calibrated),
        )
        for r in result.reviewers
    )
    return Table(
        _("Reviewers"),
        (
            _("Reviewer"),
            _("Counted sheets"),
            _("Recusals"),
            _("Vetoes"),
            _("Scores"),
            _("Mean"),
            _("Standard deviation (sample)"),
            _("Calibrated"),
        ),
        rows,
    )


def info_rows(result: AggregateResult) -> tuple[tuple[str, Cell], ...]:
    """The facts a reader needs to judge the result (session, options, what was checked)."""
    imp = result.imported
    opts = result.options
    return (
        (_("Session"), result.session_name),
        (_("Session ID"), result.session_id),
        (_("Sheets folder"), str(imp.sheets_dir)),
        (_("Files found"), len(imp.records)),
        (_("Counted sheets"), len(imp.counted)),
        (_("Refused sheets"), len(imp.refused)),
        (_("Superseded sheets"), len(imp.superseded)),
        (_("Duplicate files"), len(imp.duplicates)),
        (_("Conflicts"), len(imp.conflicts) + len(result.category_conflicts)),
        (_("Missing sheets"), len(result.missing)),
        (
            _("Pack binding"),
            _("checked against {n} pack(s): {ids}").format(
                n=len(imp.pack_ids), ids=", ".join(imp.pack_ids)
            )
            if imp.packs_checked
            else _("NOT checked: no pack was given; sheets of any pack of the session accepted"),
        ),
        (
            _("Candidates"),
            _("from the candidate list")
            if result.candidates_from_list
            else _("from the sheets (no candidate list given)"),
        ),
        (_("Ranking method"), opts.method.label()),
        (_("Quorum (valid sheets per candidate)"), opts.quorum),
        (_("Trim from (scores)"), opts.trim_min),
        (_("Disagreement (range above, points)"), opts.disagreement),
        (
            _("Calibration"),
            _("on (reviewers with at least {n} scores)").format(n=opts.calibration_min)
            if opts.calibrate
            else _("off"),
        ),
        (
            _("Rounding"),
            _("two decimals, half up; ranks compare the values as shown"),
        ),
    )
