"""The secretariat's set-up of a session, from nothing to the packs: one service for
``reviewer session init|enroll``, ``reviewer pack build`` and the secretariat window's
会话设置, so that both run the same checks and give the same messages.

API:
    check_new_folder(folder)                    # SessionError: exists and is not empty
    ca_fingerprint(session) -> str              # the session CA's SHA-256
    new_session(folder, name, passphrase, *, short_name, programme, rubric_ids,
                seal_sheets, quorum="2/3") -> Session  # SessionError, WeakPassphrase,
                                                       # QuorumError
    read_quorum(text) -> Fraction               # QuorumError: what both the CLI and the
                                                # New session dialog refuse
    read_request(session, path) -> PendingEnrolment   # EnrolmentError
        .name .key_fingerprint .already_enrolled (then no passphrase is needed)
    response_path(request_path) -> Path         # beside the request, *.response.json
    enrol(session, pending, passphrase, out) -> Enrolled   # SessionError, WrongPassphrase
    enrol_many(session, pendings, passphrase) -> [Enrolled]   # responses beside requests
    flag_line(flag) -> str                      # a conflict flagged by rule, one line
    session_rubrics(session) -> list[Rubric]    # SetupError: not the session's version
    read_pack_candidates(session, file, materials) -> rows   # CandidatesError
    pack_roster(session, names=None) -> roster  # SetupError: unknown name, nobody enrolled
    plan_packs(session, rows, roster, *, assignment_file, per_candidate, groups_file)
        -> {reviewer: (candidate id, …)} | None  # None: one pack for everyone
    build_packs(session, passphrase, rows, roster, plan, out, *, min_watched_percent,
                progress, cancelled) -> PacksBuilt   # PackError, SessionError, SetupError,
                                                     # WrongPassphrase, BuildCancelled
        .outcomes (reviewer, built pack or None), .packs, .escrow_added

``build_packs`` asks ``cancelled()`` whenever the build reports progress and between
packs; a cancelled pack is never left behind (the pack writer removes its temporary
file), but packs already finished for other reviewers stay, recorded in the session.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto.passphrase_strength import require_strong
from reviewer.pack.build import BuildProgress, BuiltPack, build_pack
from reviewer.pack.candidates import CandidateRow, category_aliases, read_candidates
from reviewer.panel import assignment, conflicts
from reviewer.panel.candidates import PanelCandidate
from reviewer.people import ca
from reviewer.people.enrolment import (
    MAX_REQUEST_BYTES,
    EnrolmentRequest,
    parse_request,
    read_capped,
)
from reviewer.people.quorum import DEFAULT_QUORUM, parse_quorum, quorum_text
from reviewer.people.session import (
    EnrolOutcome,
    RosterEntry,
    Session,
    SessionError,
    add_escrow,
    create_session,
    enroll,
    record_pack,
    write_response,
)
from reviewer.rubric.file import find_rubric
from reviewer.rubric.model import Rubric


class SetupError(ReviewerError):
    """The set-up cannot go on as asked: a rubric changed, a name not on the roster…"""


class BuildCancelled(ReviewerError):
    """The user cancelled building the packs; the message says what was kept."""


# --- the session -----------------------------------------------------------------------


def check_new_folder(folder: Path) -> None:
    """Refuse a folder a session cannot be made in (asked before the passphrase)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SessionError(_("{folder} exists and is not an empty folder").format(folder=folder))


def ca_fingerprint(session: Session) -> str:
    """The session CA's SHA-256, which reviewers compare when they accept a response."""
    return ca.certificate_fingerprint(session.ca_certificate)


def new_session(
    folder: Path,
    name: str,
    passphrase: str,
    *,
    short_name: str | None = None,
    programme: str | None = None,
    rubric_ids: list[str] | None = None,
    seal_sheets: bool = False,
    quorum: str = quorum_text(DEFAULT_QUORUM),
) -> Session:
    """Create the session in ``folder`` (new or empty), its CA protected by
    ``passphrase``, which the strength rule must accept; ``quorum`` as typed (2/3, 4/5,
    0.75), the share of members its meetings need."""
    share = read_quorum(quorum)
    check_new_folder(folder)
    require_strong(passphrase)
    return create_session(
        folder,
        name,
        passphrase,
        programme=programme,
        rubric_ids=rubric_ids,
        seal_sheets=seal_sheets,
        short_name=short_name,
        quorum=share,
    )


def read_quorum(text: str) -> Fraction:
    """The quorum as the secretary typed it, read for ``new_session``; the dialog asks
    it too, before the passphrase, so that nothing typed is lost."""
    return parse_quorum(text)


# --- enrolment ------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingEnrolment:
    """A request read and checked, not yet answered: what the secretary reads out."""

    path: Path
    request: EnrolmentRequest
    already_enrolled: bool

    @property
    def name(self) -> str:
        return self.request.name

    @property
    def key_fingerprint(self) -> str:
        return self.request.key_fingerprint


@dataclass(frozen=True)
class Enrolled:
    entry: RosterEntry
    outcome: EnrolOutcome
    response: Path


def read_request(session: Session, path: Path) -> PendingEnrolment:
    request = parse_request(read_capped(Path(path), MAX_REQUEST_BYTES))
    return PendingEnrolment(Path(path), request, session.existing_entry(request) is not None)


def response_path(request_path: Path) -> Path:
    return request_path.with_name(request_path.stem + ".response.json")


def enrol(
    session: Session, pending: PendingEnrolment, passphrase: str | None, out: Path
) -> Enrolled:
    """Issue the certificate (or find the one issued before) and write the response.
    ``passphrase`` may be None for a reviewer already enrolled."""
    entry, response, outcome = enroll(session, pending.request, passphrase)
    write_response(out, response)
    return Enrolled(entry, outcome, out)


def enrol_many(
    session: Session, pending: Sequence[PendingEnrolment], passphrase: str | None
) -> list[Enrolled]:
    """``enrol`` each request, its response beside it (``response_path``); the CA key is
    unlocked once for the lot (a key derivation takes a second or more)."""
    ca_key = None
    if any(not p.already_enrolled for p in pending):
        if passphrase is None:
            raise SessionError(_("the session passphrase is needed to enrol a new reviewer"))
        ca_key = session.load_ca_key(passphrase)
    done = []
    for p in pending:
        entry, response, outcome = enroll(session, p.request, passphrase, ca_key=ca_key)
        out = response_path(p.path)
        write_response(out, response)
        done.append(Enrolled(entry, outcome, out))
    return done


# --- the packs ------------------------------------------------------------------------


def session_rubrics(session: Session) -> list[Rubric]:
    """The session's rubrics, exactly as fingerprinted when the session was created."""
    rubrics = []
    for ref in session.rubrics:
        rubric = find_rubric(ref.id)
        if rubric is None or rubric.fingerprint != ref.fingerprint:
            raise SetupError(
                _(
                    "rubric {id} is not the one this session was created with (fingerprint "
                    "{fp}); use the same version of the app as at `session init`"
                ).format(id=ref.id, fp=ref.fingerprint[:16])
            )
        rubrics.append(rubric)
    return rubrics


def read_pack_candidates(session: Session, file: Path, materials: Path) -> list[CandidateRow]:
    """The candidate list checked against the session's categories and the materials
    folder; ``CandidatesError`` with every problem."""
    rubrics = session_rubrics(session)
    return read_candidates(file, materials, categories=category_aliases(rubrics))


def pack_roster(session: Session, names: Sequence[str] | None = None) -> list[RosterEntry]:
    """Whom the packs are for: the active roster (never a withdrawn certificate), or
    the ``names`` among it."""
    roster = list(session.active)
    if names:
        known = {entry.name: entry for entry in roster}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SetupError(_("not on the roster: {names}").format(names=", ".join(unknown)))
        roster = [known[n] for n in dict.fromkeys(names)]
    if not roster:
        raise SetupError(_("no reviewers are enrolled in this session yet"))
    return roster


def _session_conflicts(session: Session) -> conflicts.ConflictRecord | None:
    return conflicts.load_conflicts(
        session.folder,
        session.id,
        session.ca_certificate,
        ca.certificate_fingerprint(session.secretariat_certificate),
    )


def flag_line(flag: conflicts.Flag) -> str:
    rules = "; ".join(
        f"{conflicts.rule_text(r)}{f' ({d})' if d else ''}"
        for r, d in zip(flag.rules, flag.details, strict=True)
    )
    return f"  {flag.candidate_id}  {flag.reviewer}: {rules}"


def plan_packs(
    session: Session,
    rows: Sequence[CandidateRow],
    roster: Sequence[RosterEntry],
    *,
    assignment_file: Path | None = None,
    per_candidate: int | None = None,
    groups_file: Path | None = None,
) -> dict[str, tuple[str, ...]] | None:
    """Each reviewer's candidates, after checking that every conflict flagged by rule
    was decided; None when every reviewer gets every candidate in one pack."""
    candidates = [PanelCandidate(r.id, r.name, r.category, r.affiliation) for r in rows]
    names = [e.name for e in roster]
    record = _session_conflicts(session)
    flags = conflicts.find_flags(candidates, {e.name: e.affiliation for e in roster})
    undecided = flags if record is None else record.undecided(flags)
    if undecided:
        raise SetupError(
            "\n".join(
                [
                    _(
                        "conflicts flagged by rule are not decided yet; decide them first "
                        "(Panels › Conflicts… in the secretariat window, or `reviewer session "
                        "conflicts`):"
                    ),
                    *map(flag_line, undecided),
                ]
            )
        )
    ids = {c.id for c in candidates}
    excluded = {
        (cid, name)
        for cid, name in (record.confirmed if record is not None else ())
        if cid in ids and name in names
    }
    plan: dict[str, tuple[str, ...]]
    if assignment_file is not None:
        plan = assignment.read_assignment(assignment_file, candidates, names)
    elif per_candidate is not None:
        groups = (
            assignment.read_groups(groups_file, {c.category for c in candidates}, names)
            if groups_file is not None
            else None
        )
        plan = assignment.auto_assign(candidates, names, per_candidate, excluded, groups)
    elif excluded:
        plan = {c.id: tuple(n for n in names if (c.id, n) not in excluded) for c in candidates}
    else:
        return None
    assignment.check_assignment(plan, candidates, excluded)
    return assignment.by_reviewer(plan, names)


@dataclass(frozen=True)
class PackOutcome:
    """One reviewer's pack (or the one pack for all); ``built`` None: no candidate."""

    reviewer: str | None
    built: BuiltPack | None


@dataclass(frozen=True)
class PacksBuilt:
    outcomes: tuple[PackOutcome, ...]
    escrow_added: bool  # a session made before escrow got its identity with this build

    @property
    def packs(self) -> tuple[BuiltPack, ...]:
        return tuple(o.built for o in self.outcomes if o.built is not None)


# What FAT32 and Windows refuse in a file name.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def build_packs(
    session: Session,
    passphrase: str,
    rows: Sequence[CandidateRow],
    roster: Sequence[RosterEntry],
    plan: dict[str, tuple[str, ...]] | None,
    out: Path,
    *,
    min_watched_percent: int | None = None,
    progress: Callable[[BuildProgress], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> PacksBuilt:
    """Sign and encrypt the packs: one at ``out`` for the whole ``roster`` when ``plan``
    is None, else one per reviewer in the new folder ``out``."""
    key = session.load_secretariat_key(passphrase)
    escrow_added = session.escrow_recipient is None
    if escrow_added:
        # A session made before escrow: its first pack gives it the identity, so that
        # no pack leaves that the secretariat cannot open again.
        session = add_escrow(session, passphrase)
    rubrics = session_rubrics(session)
    finished: list[PackOutcome] = []
    stopped: list[BuildCancelled] = []

    def stop_if_cancelled() -> None:
        if cancelled():
            kept = [o.built.path.name for o in finished if o.built is not None]
            stopped.append(
                BuildCancelled(
                    _("Building the packs was cancelled; finished before that: {files}").format(
                        files=", ".join(kept)
                    )
                    if kept
                    else _("Building the packs was cancelled; no pack was written.")
                )
            )
            raise stopped[-1]

    def report(p: BuildProgress) -> None:
        stop_if_cancelled()
        if progress is not None:
            progress(p)

    def one(chosen: Sequence[CandidateRow], to: Sequence[RosterEntry], path: Path) -> BuiltPack:
        used = {row.category for row in chosen}
        try:
            built = build_pack(
                path,
                session_id=session.id,
                session_name=session.name,
                candidates=chosen,
                recipients=[entry.age_recipient for entry in to],
                signer_key=key,
                signer_cert=session.secretariat_certificate,
                rubrics=[r for r in rubrics if r.id in used],
                seal_recipient=session.seal_recipient,
                escrow_recipient=session.escrow_recipient,
                withdrawn=session.withdrawn_certificates,
                min_watched_percent=min_watched_percent,
                progress=report,
            )
        except Exception:
            # Raised from inside pyrage's read, the cancellation comes back wrapped in
            # pyrage's EncryptError; the pack writer has removed the half-written file.
            if stopped:
                raise stopped[-1] from None
            raise
        # Aggregation lists missing sheets from this record (the public header is not
        # signed, and opening every manifest would need the session passphrase).
        record_pack(
            session,
            built.pack_id,
            dt.datetime.now(dt.UTC),
            to,
            candidates=[row.id for row in chosen],
        )
        return built

    stop_if_cancelled()
    if plan is None:
        finished.append(PackOutcome(None, one(rows, roster, Path(out))))
        return PacksBuilt(tuple(finished), escrow_added)
    try:
        Path(out).mkdir(parents=True)
    except OSError as exc:
        raise SetupError(
            _("{folder}: a new folder is needed for the reviewers' packs ({error})").format(
                folder=out, error=exc.strerror or exc
            )
        ) from None
    by_id = {row.id: row for row in rows}
    for i, entry in enumerate(roster, start=1):
        stop_if_cancelled()
        mine = plan.get(entry.name, ())
        if not mine:
            finished.append(PackOutcome(entry.name, None))
            continue
        name = _UNSAFE.sub("_", entry.name)
        path = Path(out) / f"{i:02d}-{name}.rvpack"
        built = one([by_id[cid] for cid in mine], [entry], path)
        finished.append(PackOutcome(entry.name, built))
    return PacksBuilt(tuple(finished), escrow_added)
