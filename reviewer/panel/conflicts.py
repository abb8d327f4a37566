"""Conflicts of interest by rule, decided by the secretariat before any pack is built.

A pair (candidate, reviewer) is flagged when

* ``same_affiliation``: the reviewer's 工作单位 (the roster's) and the candidate's are
  the same after ``normalise_affiliation`` (NFKC, so full-width forms fold; every space
  removed; a trailing company-form suffix such as 有限公司 dropped);
* ``declared_relation``: the relations file declares one (a teacher, a relative, a
  co-author…);
* ``excluded_by_candidate``: the candidate asked that this reviewer not review them
  (申请回避), in the relations file too.

The secretariat then confirms each flag (the reviewer never gets the candidate) or
overrides it, always with a reason; ``decide`` refuses a flag left undecided. The
decisions are written to ``SESSION/conflicts.json`` with a detached CMS signature by
the secretariat (``conflicts.json.sig``), checked whenever the file is read.

API:
    normalise_affiliation(text) -> str
    @dataclass Relation(candidate_id, reviewer, rule, detail)
    @dataclass Flag(candidate_id, reviewer, rules, details)
    @dataclass Decision(candidate_id, reviewer, confirmed, reason)
    @dataclass ConflictRecord(session_id, decided_at, flags, decisions)
        .confirmed -> frozenset[(candidate_id, reviewer)]
        .undecided(flags) -> list[Flag]      # flags this record does not decide
    read_relations(path, candidates, reviewers) -> list[Relation]    # PanelFileError
    read_decisions(path, candidates, reviewers) -> list[Decision]    # PanelFileError
    find_flags(candidates, reviewers: {name: affiliation}, relations) -> list[Flag]
    decide(session_id, flags, decisions, now=None) -> ConflictRecord  # ConflictError
    write_conflicts(folder, record, key, certificate) -> Path
    load_conflicts(folder, session_id, ca_cert, secretariat_sha256) -> ConflictRecord | None
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.base.atomic_file import write_atomically
from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.base.strict import load_json
from reviewer.crypto import cms
from reviewer.panel.candidates import PanelCandidate
from reviewer.panel.table import Column, PanelFileError, read_table

CONFLICTS_FILE = "conflicts.json"
SIGNATURE_FILE = "conflicts.json.sig"
CONFLICTS_FORMAT = "reviewer-conflicts"
CONFLICTS_VERSION = 1
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_TEXT_CHARS = 500

SAME_AFFILIATION = "same_affiliation"
DECLARED_RELATION = "declared_relation"
EXCLUDED_BY_CANDIDATE = "excluded_by_candidate"
RULES = (SAME_AFFILIATION, DECLARED_RELATION, EXCLUDED_BY_CANDIDATE)

# Longest first: 有限责任公司 must not leave 有限责任 behind as if it were a name.
_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "(集团)", "集团", "公司")
_RELATION_WORDS = {
    "关系": DECLARED_RELATION,
    "relation": DECLARED_RELATION,
    "申请回避": EXCLUDED_BY_CANDIDATE,
    "回避": EXCLUDED_BY_CANDIDATE,
    "excluded": EXCLUDED_BY_CANDIDATE,
}
_CONFIRM_WORDS = {"确认": True, "回避": True, "confirm": True, "不回避": False, "override": False}

_KEY_COLUMNS = (
    Column("candidate", ("编号", "candidate", "id")),
    Column("reviewer", ("评审专家", "reviewer", "专家", "expert")),
)
_RELATION_COLUMNS = (
    *_KEY_COLUMNS,
    Column("kind", ("类型", "kind")),
    Column("detail", ("说明", "detail")),
)
_DECISION_COLUMNS = (
    *_KEY_COLUMNS,
    Column("decision", ("决定", "decision")),
    Column("reason", ("理由", "reason")),
)


class ConflictError(ReviewerError):
    """Conflict decisions that are incomplete, or a conflicts file that cannot be trusted."""


def normalise_affiliation(text: str) -> str:
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if folded.endswith(suffix) and len(folded) > len(suffix):
                folded = folded.removesuffix(suffix)
                changed = True
    return folded


def rule_text(rule: str) -> str:
    return {
        SAME_AFFILIATION: _("same affiliation"),
        DECLARED_RELATION: _("declared relation"),
        EXCLUDED_BY_CANDIDATE: _("excluded by the candidate"),
    }[rule]


@dataclass(frozen=True)
class Relation:
    candidate_id: str
    reviewer: str
    rule: str  # DECLARED_RELATION or EXCLUDED_BY_CANDIDATE
    detail: str


@dataclass(frozen=True)
class Flag:
    candidate_id: str
    reviewer: str
    rules: tuple[str, ...]
    details: tuple[str, ...]

    @property
    def pair(self) -> tuple[str, str]:
        return (self.candidate_id, self.reviewer)


@dataclass(frozen=True)
class Decision:
    candidate_id: str
    reviewer: str
    confirmed: bool
    reason: str


@dataclass(frozen=True)
class ConflictRecord:
    session_id: str
    decided_at: dt.datetime
    flags: tuple[Flag, ...]
    decisions: tuple[Decision, ...]  # one for each flag, in the same order

    @property
    def confirmed(self) -> frozenset[tuple[str, str]]:
        return frozenset((d.candidate_id, d.reviewer) for d in self.decisions if d.confirmed)

    def undecided(self, flags: Iterable[Flag]) -> list[Flag]:
        """The flags among ``flags`` whose pair and rules this record did not decide."""
        known = {f.pair: set(f.rules) for f in self.flags}
        return [f for f in flags if not set(f.rules) <= known.get(f.pair, set())]

    def to_json(self) -> dict[str, object]:
        return {
            "format": CONFLICTS_FORMAT,
            "format_version": CONFLICTS_VERSION,
            "session_id": self.session_id,
            "decided_at": self.decided_at.isoformat().replace("+00:00", "Z"),
            "flags": [
                {
                    "candidate_id": f.candidate_id,
                    "reviewer": f.reviewer,
                    "rules": list(f.rules),
                    "details": list(f.details),
                    "decision": "confirmed" if d.confirmed else "overridden",
                    "reason": d.reason,
                }
                for f, d in zip(self.flags, self.decisions, strict=True)
            ],
        }


def _pairs(
    path: Path,
    columns: Sequence[Column],
    required: Sequence[str],
    candidates: Iterable[str],
    reviewers: Iterable[str],
) -> list[tuple[str, str, dict[str, str], str]]:
    """Rows naming a known candidate and a known reviewer: (cid, reviewer, row, where)."""
    ids = set(candidates)
    names = {unicodedata.normalize("NFKC", n): n for n in reviewers}
    problems: list[Problem] = []
    found = []
    for line, row in read_table(Path(path), columns, required):
        where = _("line {n}").format(n=line)
        name = names.get(unicodedata.normalize("NFKC", row["reviewer"]))
        if row["candidate"] not in ids:
            problems.append(
                Problem(where, _("no candidate has the id {id}").format(id=row["candidate"]))
            )
        elif name is None:
            problems.append(
                Problem(
                    where, _("no enrolled reviewer is named {name}").format(name=row["reviewer"])
                )
            )
        else:
            found.append((row["candidate"], name, row, where))
    if problems:
        raise PanelFileError(str(path), problems)
    return found


def read_relations(
    path: Path, candidates: Iterable[str], reviewers: Iterable[str]
) -> list[Relation]:
    problems: list[Problem] = []
    found: list[Relation] = []
    rows = _pairs(path, _RELATION_COLUMNS, ("candidate", "reviewer", "kind"), candidates, reviewers)
    for cid, name, row, where in rows:
        rule = _RELATION_WORDS.get(unicodedata.normalize("NFKC", row["kind"]).casefold())
        if rule is None:
            problems.append(
                Problem(
                    where,
                    _("{value!r} is not a kind of relation (关系 or 申请回避)").format(
                        value=row["kind"]
                    ),
                )
            )
            continue
        found.append(Relation(cid, name, rule, row.get("detail", "")[:MAX_TEXT_CHARS]))
    if problems:
        raise PanelFileError(str(path), problems)
    return found


def read_decisions(
    path: Path, candidates: Iterable[str], reviewers: Iterable[str]
) -> list[Decision]:
    problems: list[Problem] = []
    found: dict[tuple[str, str], Decision] = {}
    required = ("candidate", "reviewer", "decision", "reason")
    for cid, name, row, where in _pairs(path, _DECISION_COLUMNS, required, candidates, reviewers):
        confirmed = _CONFIRM_WORDS.get(unicodedata.normalize("NFKC", row["decision"]).casefold())
        reason = row["reason"]
        if confirmed is None:
            problems.append(
                Problem(
                    where,
                    _("{value!r} is not a decision (确认 or 不回避)").format(value=row["decision"]),
                )
            )
        elif not reason or len(reason) > MAX_TEXT_CHARS:
            problems.append(Problem(where, _("a reason of 1 to 500 characters is needed")))
        elif (cid, name) in found:
            problems.append(
                Problem(
                    where,
                    _("{name} and {id} are decided twice").format(name=name, id=cid),
                )
            )
        else:
            found[(cid, name)] = Decision(cid, name, confirmed, reason)
    if problems:
        raise PanelFileError(str(path), problems)
    return list(found.values())


def find_flags(
    candidates: Sequence[PanelCandidate],
    reviewers: Mapping[str, str | None],
    relations: Iterable[Relation] = (),
) -> list[Flag]:
    """Every flagged pair, in candidate then reviewer order. ``reviewers``: name →
    工作单位 (None or empty: unknown, never flagged by affiliation)."""
    rules: dict[tuple[str, str], dict[str, str]] = {}
    for c in candidates:
        unit = normalise_affiliation(c.affiliation)
        for name, affiliation in reviewers.items():
            if unit and affiliation and normalise_affiliation(affiliation) == unit:
                rules.setdefault((c.id, name), {})[SAME_AFFILIATION] = affiliation
    for r in relations:
        rules.setdefault((r.candidate_id, r.reviewer), {})[r.rule] = r.detail
    order = {c.id: i for i, c in enumerate(candidates)}
    names = {n: i for i, n in enumerate(reviewers)}
    return [
        Flag(
            cid,
            name,
            tuple(sorted(found, key=RULES.index)),
            tuple(found[r] for r in sorted(found, key=RULES.index)),
        )
        for (cid, name), found in sorted(
            rules.items(), key=lambda item: (order.get(item[0][0], 0), names.get(item[0][1], 0))
        )
    ]


def decide(
    session_id: str,
    flags: Sequence[Flag],
    decisions: Iterable[Decision],
    now: dt.datetime | None = None,
) -> ConflictRecord:
    """Pair every flag with its decision; ``ConflictError`` naming each flag left
    undecided, each decision about a pair that is not flagged and each override
    without a reason."""
    by_pair = {(d.candidate_id, d.reviewer): d for d in decisions}
    flagged = {f.pair for f in flags}
    problems = [
        Problem(
            f"{f.candidate_id}, {f.reviewer}",
            _("flagged ({rules}) but not decided").format(
                rules=", ".join(rule_text(r) for r in f.rules)
            ),
        )
        for f in flags
        if f.pair not in by_pair
    ]
    problems += [
        Problem(f"{cid}, {name}", _("decided but not flagged"))
        for cid, name in by_pair
        if (cid, name) not in flagged
    ]
    # An override puts a flagged reviewer back on the candidate: the record must say why.
    problems += [
        Problem(f"{d.candidate_id}, {d.reviewer}", _("an override needs a reason"))
        for d in by_pair.values()
        if not d.confirmed and not d.reason.strip()
    ]
    problems += [
        Problem(f"{d.candidate_id}, {d.reviewer}", _("a reason of 1 to 500 characters is needed"))
        for d in by_pair.values()
        if len(d.reason) > MAX_TEXT_CHARS
    ]
    if problems:
        raise ConflictError(_("every flagged pair needs one decision"), problems)
    return ConflictRecord(
        session_id,
        (now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        tuple(flags),
        tuple(by_pair[f.pair] for f in flags),
    )


def write_conflicts(
    folder: Path,
    record: ConflictRecord,
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
) -> Path:
    data = json.dumps(record.to_json(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    path = Path(folder) / CONFLICTS_FILE
    try:
        write_atomically(Path(folder) / SIGNATURE_FILE, cms.sign_detached(data, key, certificate))
        write_atomically(path, data)
    except OSError as exc:
        raise ConflictError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    return path


def _damaged(path: Path, why: str) -> ConflictError:
    return ConflictError(_("{file} cannot be trusted: {why}").format(file=path, why=why))


def load_conflicts(
    folder: Path, session_id: str, ca_cert: x509.Certificate, secretariat_sha256: str
) -> ConflictRecord | None:
    """The session's signed decisions; None when none were made; ``ConflictError`` when
    the file or its signature is not the secretariat's."""
    path = Path(folder) / CONFLICTS_FILE
    sig_path = Path(folder) / SIGNATURE_FILE
    if not path.exists() and not sig_path.exists():
        return None
    try:
        data = path.read_bytes()
        signature = sig_path.read_bytes()
    except OSError as exc:
        raise _damaged(path, str(exc.strerror or exc)) from None
    try:
        signer = cms.verify_detached(signature, data, ca_cert)
    except cms.CmsError as exc:
        raise _damaged(path, str(exc)) from None
    if signer.fingerprint != secretariat_sha256:
        raise _damaged(path, _("it is not signed by the secretariat"))
    try:
        doc = load_json(data, MAX_FILE_BYTES)
        if (
            doc["format"] != CONFLICTS_FORMAT
            or doc["format_version"] != CONFLICTS_VERSION
            or doc["session_id"] != session_id
        ):
            raise ValueError("format")
        flags, decisions = [], []
        for raw in doc["flags"]:
            cid, name = str(raw["candidate_id"]), str(raw["reviewer"])
            rules = tuple(str(r) for r in raw["rules"])
            if not rules or any(r not in RULES for r in rules):
                raise ValueError("rule")
            if raw["decision"] not in ("confirmed", "overridden"):
                raise ValueError("decision")
            flags.append(Flag(cid, name, rules, tuple(str(d) for d in raw["details"])))
            decisions.append(
                Decision(cid, name, raw["decision"] == "confirmed", str(raw["reason"]))
            )
        return ConflictRecord(
            session_id,
            dt.datetime.fromisoformat(doc["decided_at"]),
            tuple(flags),
            tuple(decisions),
        )
    except (ReviewerError, KeyError, TypeError, ValueError):
        raise _damaged(path, _("it is not a conflicts file of this session")) from None


__all__ = [
    "ConflictError",
    "ConflictRecord",
    "Decision",
    "Flag",
    "Relation",
    "decide",
    "find_flags",
    "load_conflicts",
    "normalise_affiliation",
    "read_decisions",
    "read_relations",
    "rule_text",
    "write_conflicts",
]
