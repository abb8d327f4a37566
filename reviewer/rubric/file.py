"""Reading rubric files (TOML) strictly: every problem at once, each naming its place.

Rubric files come from outside (a secretariat may write its own), so nothing in them is
trusted: size, encoding, syntax, types, unknown keys, ids, weights, bands, the plan
quotes and the 破四唯 rule are all checked before a ``Rubric`` is built.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewer.base import strict
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.resources import rubrics_dir
from reviewer.rubric.four_onlys import forbidden_measures_in
from reviewer.rubric.model import (
    LEVEL_ORDER,
    RUBRIC_FORMAT,
    Band,
    Check,
    CheckKind,
    Criterion,
    Level,
    PlanQuote,
    Recommendation,
    Rubric,
    Text,
)
from reviewer.rubric.plan import Plan, load_plan, normalise_section

MAX_FILE_BYTES = 1024 * 1024
MAX_TEXT_CHARS = 4000
MAX_CRITERIA = 30
# Weights, scores and steps are small decimals; the caps keep decimal arithmetic exact
# (a hostile 1e999 % 0.5 would raise) without refusing any plausible rubric.
MAX_NUMBER = 1_000_000
MIN_EXPONENT = -6
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")


class RubricError(ReviewerError):
    """A rubric file that cannot be used; carries every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        super().__init__(_("{source}: the rubric cannot be used").format(source=source), problems)

    def report(self) -> str:
        # One line a problem, each naming the file, as compilers do.
        return "\n".join(f"{self.source}: {p}" for p in self.problems)


class _Reader(strict.Collector):
    """Walks the parsed document, recording problems instead of stopping at the first."""

    def __init__(self, plan: Plan):
        super().__init__()
        self.plan = plan

    def table(self, doc: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(doc, dict):
            self.fail(path, _("expected a table"))
            return None
        return doc

    def keys(self, doc: dict[str, Any], path: str, required: set[str], optional: set[str]) -> None:
        for key in sorted(required - doc.keys()):
            self.fail(strict.join(path, key), _("required field is missing"))
        for key in sorted(doc.keys() - required - optional):
            self.fail(strict.join(path, key), _("unknown field (check its spelling)"))

    def string(
        self, doc: dict[str, Any], key: str, path: str, pattern: re.Pattern[str] | None = None
    ) -> str:
        value = doc.get(key)
        where = strict.join(path, key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(where, _("expected text, found {kind}").format(kind=strict.toml_kind(value)))
            return ""
        if not value.strip():
            self.fail(where, _("must not be empty"))
        elif len(value) > MAX_TEXT_CHARS:
            self.fail(where, _("text is longer than {n} characters").format(n=MAX_TEXT_CHARS))
        elif pattern is not None and not pattern.fullmatch(value):
            self.fail(where, _("{value!r} is not a valid identifier").format(value=value))
        return value

    def boolean(self, doc: dict[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = doc.get(key, default)
        if not isinstance(value, bool):
            self.fail(strict.join(path, key), _("expected true or false"))
            return default
        return value

    def number(self, doc: dict[str, Any], key: str, path: str) -> Decimal | None:
        value = doc.get(key)
        where = strict.join(path, key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(
                where, _("expected a number, found {kind}").format(kind=strict.toml_kind(value))
            )
            return None
        number = Decimal(value)
        if not number.is_finite():
            self.fail(where, _("expected a finite number"))
            return None
        exponent = number.as_tuple().exponent  # an int: the number is finite
        if abs(number) > MAX_NUMBER or (
            number and isinstance(exponent, int) and exponent < MIN_EXPONENT
        ):
            # 1e999 % 0.5 and the like are beyond what decimal arithmetic can do exactly.
            self.fail(
                where,
                _("expected a number up to {max} with at most {places} decimal places").format(
                    max=MAX_NUMBER, places=-MIN_EXPONENT
                ),
            )
            return None
        return number

    def array(self, doc: dict[str, Any], key: str, path: str) -> list[Any]:
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(strict.join(path, key), _("expected a list"))
            return []
        return value

    def text(self, doc: dict[str, Any], key: str, path: str) -> Text:
        return self.text_value(doc.get(key), strict.join(path, key))

    def text_value(self, raw: Any, where: str) -> Text:
        if raw is None:
            return Text("", "")
        table = self.table(raw, where)
        if table is None:
            return Text("", "")
        self.keys(table, where, {"zh", "en"}, set())
        return Text(self.string(table, "zh", where), self.string(table, "en", where))

    def quote(self, doc: dict[str, Any], key: str, path: str) -> PlanQuote:
        where = strict.join(path, key)
        raw = doc.get(key)
        table = self.table(raw, where) if raw is not None else None
        if table is None:
            return PlanQuote("", "")
        self.keys(table, where, {"section", "quote"}, set())
        # 五(一) and 五（一） name one section; store one spelling so the fingerprint agrees.
        section = normalise_section(self.string(table, "section", where))
        quote = self.string(table, "quote", where)
        if section and quote:
            if self.plan.section_text(section) is None:
                self.fail(
                    strict.join(where, "section"),
                    _("the plan has no section {section!r}").format(section=section),
                )
            elif not self.plan.contains(section, quote):
                found = self.plan.locate(quote)
                hint = (
                    _("it is found in section {where}").format(where=", ".join(found[-1:]))
                    if found
                    else _("it is not found anywhere in the plan")
                )
                self.fail(
                    strict.join(where, "quote"),
                    _("not a verbatim quote of section {section}; {hint}").format(
                        section=section, hint=hint
                    ),
                )
        return PlanQuote(section, quote)

    def bands(
        self, doc: dict[str, Any], key: str, path: str, top: Decimal | None, step: Decimal | None
    ) -> tuple[Band, ...]:
        bands: list[Band] = []
        items = self.array(doc, key, path)
        for i, raw in enumerate(items):
            where = f"{strict.join(path, key)}[{i}]"
            table = self.table(raw, where)
            if table is None:
                continue
            self.keys(table, where, {"level", "min", "max", "description"}, set())
            level_name = self.string(table, "level", where)
            try:
                level = Level(level_name)
            except ValueError:
                if level_name:
                    self.fail(
                        strict.join(where, "level"),
                        _("unknown level {value!r}; use one of {choices}").format(
                            value=level_name, choices=", ".join(v.value for v in LEVEL_ORDER)
                        ),
                    )
                continue
            low, high = self.number(table, "min", where), self.number(table, "max", where)
            description = self.text(table, "description", where)
            if low is None or high is None:
                continue
            if low >= high:
                self.fail(where, _("min must be below max"))
            if step is not None and step > 0:
                for name, bound in (("min", low), ("max", high)):
                    if bound % step != 0:
                        self.fail(
                            strict.join(where, name),
                            _("{value} is not a multiple of the step {step}").format(
                                value=bound, step=step
                            ),
                        )
            bands.append(Band(level, low, high, description))
        where = strict.join(path, key)
        levels = [b.level for b in bands]
        if len(bands) != len(items):
            return tuple(bands)
        if sorted(levels, key=LEVEL_ORDER.index) != list(LEVEL_ORDER) or len(levels) != 4:
            self.fail(
                where,
                _("needs exactly one band for each level: {levels}").format(
                    levels=", ".join(v.value for v in LEVEL_ORDER)
                ),
            )
            return tuple(bands)
        bands.sort(key=lambda b: b.low)
        if [b.level for b in bands] != list(LEVEL_ORDER):
            self.fail(where, _("bands must rise from poor to excellent"))
        if bands[0].low != 0:
            self.fail(where, _("the lowest band must start at 0"))
        if top is not None and bands[-1].high != top:
            self.fail(where, _("the highest band must end at {top}").format(top=top))
        for lower, upper in zip(bands, bands[1:], strict=False):
            if upper.low < lower.high:
                self.fail(
                    where,
                    _("bands {a} and {b} overlap").format(a=lower.level.value, b=upper.level.value),
                )
            elif upper.low > lower.high:
                message = _("a gap between bands {a} and {b}: scores from {x} to {y} have no level")
                self.fail(
                    where,
                    message.format(
                        a=lower.level.value, b=upper.level.value, x=lower.high, y=upper.low
                    ),
                )
        return tuple(bands)


def _check(r: _Reader, raw: Any, where: str) -> Check | None:
    table = r.table(raw, where)
    if table is None:
        return None
    r.keys(table, where, {"kind", "name", "aspects", "source", "guidance"}, set())
    kind_name = r.string(table, "kind", where)
    try:
        kind = CheckKind(kind_name)
    except ValueError:
        if kind_name:
            r.fail(
                strict.join(where, "kind"),
                _("unknown check {value!r}; use ethics or political").format(value=kind_name),
            )
        return None
    aspects = []
    for j, a in enumerate(r.array(table, "aspects", where)):
        aspects.append(r.text_value(a, f"{strict.join(where, 'aspects')}[{j}]"))
    if not aspects:
        r.fail(strict.join(where, "aspects"), _("name at least one aspect the check covers"))
    return Check(
        kind=kind,
        name=r.text(table, "name", where),
        aspects=tuple(aspects),
        source=r.quote(table, "source", where),
        guidance=r.text(table, "guidance", where),
    )


def _criterion(r: _Reader, raw: Any, where: str) -> Criterion | None:
    table = r.table(raw, where)
    if table is None:
        return None
    r.keys(
        table,
        where,
        {"id", "name", "source", "weight", "max_score", "step", "bands"},
        {"representative_works", "guidance"},
    )
    cid = r.string(table, "id", where, _ID)
    weight = r.number(table, "weight", where)
    top = r.number(table, "max_score", where)
    step = r.number(table, "step", where)
    if weight is not None and weight <= 0:
        r.fail(strict.join(where, "weight"), _("must be greater than 0"))
    if top is not None and top <= 0:
        r.fail(strict.join(where, "max_score"), _("must be greater than 0"))
    if step is not None and step <= 0:
        r.fail(strict.join(where, "step"), _("must be greater than 0"))
    elif step is not None and top is not None and top > 0 and top % step != 0:
        r.fail(
            strict.join(where, "max_score"),
            _("{value} is not a multiple of the step {step}").format(value=top, step=step),
        )
    name = r.text(table, "name", where)
    bands = r.bands(table, "bands", where, top, step)
    guidance = r.text(table, "guidance", where) if "guidance" in table else None
    for measure, text_where in forbidden_measures_in(
        [(strict.join(where, "name"), name)]
        + [(f"{where}.bands[level={b.level.value}].description", b.description) for b in bands]
        + ([(strict.join(where, "guidance"), guidance)] if guidance else [])
    ):
        r.fail(text_where, measure.explain())
    return Criterion(
        id=cid,
        name=name,
        source=r.quote(table, "source", where),
        weight=weight or Decimal(0),
        max_score=top or Decimal(0),
        step=step or Decimal(1),
        bands=bands,
        representative_works=r.boolean(table, "representative_works", where),
        guidance=guidance,
    )


def parse_rubric(data: bytes, source: str = "<rubric>", plan: Plan | None = None) -> Rubric:
    """Validate and build a rubric from the bytes of a TOML file; raise RubricError."""
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(source, len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(
            source,
            [Problem("", _("not UTF-8 text (bad byte at offset {pos})").format(pos=exc.start))],
        ) from None
    try:
        doc = tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(
            source, [Problem("", _("TOML syntax error: {error}").format(error=exc))]
        ) from None
    return parse_rubric_document(doc, source, plan)


_NUMBER_KEYS = {"weight", "max_score", "step", "min", "max"}


def rubric_from_canonical(doc: Any, source: str = "<canonical>") -> Rubric:
    """Rebuild a rubric from its canonical form (as a pack's manifest carries it), through
    the same validation as a file, so a rubric from outside is never trusted as is."""

    def revive(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: revive(v, k) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [revive(v) for v in value]
        if key in _NUMBER_KEYS and isinstance(value, str):
            try:
                return Decimal(value)
            except ArithmeticError:
                return value  # the validator reports it as not a number
        return value

    if not isinstance(doc, dict):
        raise RubricError(source, [Problem("", _("expected a table"))])
    return parse_rubric_document(revive(doc), source)


def parse_rubric_document(doc: dict[str, Any], source: str, plan: Plan | None = None) -> Rubric:
    r = _Reader(plan or load_plan())
    r.keys(
        doc,
        "",
        {
            "format",
            "id",
            "version",
            "category",
            "source",
            "checks",
            "criteria",
            "total_bands",
            "recommendations",
        },
        {"research"},
    )
    fmt = doc.get("format")
    # `true == 1` and `1.0 == 1` in Python; the format must be the integer itself.
    if "format" in doc and not (type(fmt) is int and fmt == RUBRIC_FORMAT):
        r.fail(
            "format",
            _("format {found!r} is not supported; this version reads format {ours}").format(
                found=fmt, ours=RUBRIC_FORMAT
            ),
        )
        raise RubricError(source, r.problems)
    rubric_id = r.string(doc, "id", "", _ID)
    version = r.string(doc, "version", "", _VERSION)
    category = r.text(doc, "category", "")
    rubric_source = r.quote(doc, "source", "")
    research = r.boolean(doc, "research", "")

    checks = []
    raw_checks = r.array(doc, "checks", "")
    for i, raw in enumerate(raw_checks):
        check = _check(r, raw, f"checks[{i}]")
        if check is not None:
            checks.append(check)
    kinds = [c.kind for c in checks]
    for kind in CheckKind:
        if kinds.count(kind) != 1 and len(checks) == len(raw_checks) and raw_checks:
            r.fail(
                "checks",
                _("needs exactly one {kind} check (found {n})").format(
                    kind=kind.value, n=kinds.count(kind)
                ),
            )
    checks.sort(key=lambda c: list(CheckKind).index(c.kind))

    criteria = []
    raw_criteria = r.array(doc, "criteria", "")
    if "criteria" in doc and not raw_criteria:
        r.fail("criteria", _("a rubric needs at least one criterion"))
    if len(raw_criteria) > MAX_CRITERIA:
        r.fail("criteria", _("at most {n} criteria").format(n=MAX_CRITERIA))
    for i, raw in enumerate(raw_criteria[:MAX_CRITERIA]):
        criterion = _criterion(r, raw, f"criteria[{i}]")
        if criterion is not None:
            criteria.append(criterion)
    seen: dict[str, int] = {}
    for i, c in enumerate(criteria):
        if c.id and c.id in seen:
            r.fail(
                f"criteria[{i}].id",
                _("duplicate id {id!r} (also criteria[{j}])").format(id=c.id, j=seen[c.id]),
            )
        seen.setdefault(c.id, i)
    if criteria and len(criteria) == len(raw_criteria):
        total = sum((c.weight for c in criteria), Decimal(0))
        weights_read = all(
            isinstance(raw, dict)
            and isinstance(raw.get("weight"), int | Decimal)
            and not isinstance(raw.get("weight"), bool)
            for raw in raw_criteria
        )
        if weights_read and total != 100:
            r.fail(
                "criteria",
                _("weights add up to {total}; they must add up to 100").format(
                    total=format(total.normalize(), "f")
                ),
            )
        if not any(c.representative_works for c in criteria):
            r.fail(
                "criteria",
                _(
                    "no criterion judges the representative works (代表作); mark at least one "
                    "with representative_works = true"
                ),
            )

    total_bands = r.bands(doc, "total_bands", "", Decimal(100), None)
    # The rule reaches every text a committee reads as guidance, not only criteria.
    for measure, where in forbidden_measures_in(
        [(f"total_bands[level={b.level.value}].description", b.description) for b in total_bands]
        + [(f"checks[{c.kind.value}].guidance", c.guidance) for c in checks]
        + [
            (f"checks[{c.kind.value}].aspects[{j}]", a)
            for c in checks
            for j, a in enumerate(c.aspects)
        ]
    ):
        r.fail(where, measure.explain())

    recommendations = []
    rec_ids: set[str] = set()
    for i, raw in enumerate(r.array(doc, "recommendations", "")):
        where = f"recommendations[{i}]"
        table = r.table(raw, where)
        if table is None:
            continue
        r.keys(table, where, {"id", "name"}, {"negative"})
        rid = r.string(table, "id", where, _ID)
        if rid in rec_ids:
            r.fail(strict.join(where, "id"), _("duplicate id {id!r}").format(id=rid))
        rec_ids.add(rid)
        recommendations.append(
            Recommendation(rid, r.text(table, "name", where), r.boolean(table, "negative", where))
        )
    if "recommendations" in doc and (
        not any(x.negative for x in recommendations) or all(x.negative for x in recommendations)
    ):
        r.fail(
            "recommendations",
            _("needs at least one positive and one negative (negative = true) recommendation"),
        )

    if r.problems:
        raise RubricError(source, r.problems)
    return Rubric(
        id=rubric_id,
        version=version,
        category=category,
        source=rubric_source,
        research=research,
        checks=tuple(checks),
        criteria=tuple(criteria),
        total_bands=total_bands,
        recommendations=tuple(recommendations),
        origin=source,
    )


def _too_large(source: str, size: int) -> RubricError:
    message = _("the file is {size} bytes; a rubric file may be at most {limit}")
    return RubricError(source, [Problem("", message.format(size=size, limit=MAX_FILE_BYTES))])


def load_rubric_file(path: Path) -> Rubric:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(str(path), size)
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RubricError(
            str(path), [Problem("", _("cannot read the file: {error}").format(error=exc.strerror))]
        ) from None
    return parse_rubric(data, str(path))


def bundled_rubrics() -> list[Rubric]:
    """The plan's six category rubrics shipped in resources/rubrics, in file-name order."""
    return list(_rubrics_in(rubrics_dir()))


@lru_cache(maxsize=4)
def _rubrics_in(folder: Path) -> tuple[Rubric, ...]:
    # Rubrics are immutable, so the folder is read and validated once per process
    # rather than on every lookup (find_rubric is called per candidate category).
    rubrics = tuple(load_rubric_file(p) for p in sorted(folder.glob("*.toml")))
    ids = [r.id for r in rubrics]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RubricError(
            str(folder),
            [Problem("", _("duplicate rubric ids: {ids}").format(ids=", ".join(duplicates)))],
        )
    return rubrics


def find_rubric(rubric_id: str) -> Rubric | None:
    return next((r for r in bundled_rubrics() if r.id == rubric_id), None)


def category_label(rubric_id: str) -> str:
    """The category's name in the current language (the id of a rubric not bundled)."""
    rubric = find_rubric(rubric_id)
    return rubric.category.get() if rubric else rubric_id
