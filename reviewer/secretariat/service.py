"""The secretariat's core service: one session, from a folder of signed sheets to the
reports for the decision body.

``reviewer aggregate`` and the secretariat window both call this, so the pipeline
(intake → aggregate → report, with the secretariat's keys) is wired once. The packs and
the candidate list are read and checked when they are chosen, so a bad one is refused
before the slow part; the import remembers the candidate list it was checked against,
and ``aggregate`` ranks that import again with other options without verifying anything.

API:
    sec = Secretariat.open(session_dir)             # SessionError
    sec.reload_session() -> Session                 # after the set-up changed the roster
    sec.session, sec.can_sign, sec.can_unseal, sec.imported
    sec.read_packs(paths) -> Packs                  # AggregateError: unreadable, another session's
    sec.read_candidates(path) -> CandidateList      # CandidatesError (every problem: .report())
    sec.needs_unsealing(folder) -> bool             # sealed sheets there, and no key to open them
    sec.unlock(passphrase, *, sign=True, unseal=True)   # WrongPassphrase, SessionError,
                                                        # SheetSigningError; nothing kept on error
    sec.import_sheets(folder, *, packs, candidates, workers, use_cache, progress, cancelled)
        -> ImportResult                             # AggregateError, ImportCancelled
    sec.aggregate(options) -> AggregateResult       # of the last import; quick, no I/O
    sec.preview_summary(result) -> bytes            # the summary PDF, unsigned
    sec.write_reports(out_dir, result, *, progress) -> WrittenReports   # ReportError,
                                                        # SheetSigningError; needs unlock()
    counts_line(result) -> str                      # "N sheets counted, N refused, …"

Not thread-safe: one call at a time (the window runs one task at a time). State changes
only when a call succeeds: a failed or cancelled import keeps the previous one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyrage import x25519

from reviewer.base import crash_log
from reviewer.base.i18n import _
from reviewer.people.session import Session, open_session
from reviewer.secretariat import aggregate as aggregation
from reviewer.secretariat import intake, report, verdict_cache
from reviewer.secretariat.aggregate import AggregateOptions, AggregateResult
from reviewer.secretariat.candidates import (
    ListedCandidate,
    read_candidate_list,
    session_categories,
)
from reviewer.secretariat.intake import DEFAULT_WORKERS, ImportProgress, ImportResult
from reviewer.secretariat.report import WrittenReports
from reviewer.sheet.sign import SheetSigner


@dataclass(frozen=True)
class Packs:
    """The packs the secretariat built for this session: sheets from any other are refused."""

    paths: tuple[Path, ...]
    ids: tuple[str, ...]
    # SHA-256 of each pack's signed manifest, in the order of ``ids``: a sheet naming
    # the pack but another manifest is refused.
    manifests: tuple[str, ...] = ()
    # Whom they were built for (the session's record of each build); None: not known.
    reviewers: tuple[str, ...] | None = None
    # Name → the candidates their packs hold (None: every one); None: not known.
    assigned: Mapping[str, frozenset[str] | None] | None = None

    @property
    def manifest_by_id(self) -> dict[str, str]:
        return dict(zip(self.ids, self.manifests, strict=True))


@dataclass(frozen=True)
class CandidateList:
    """The candidate list (CSV or XLSX) the packs were built from."""

    path: Path
    candidates: tuple[ListedCandidate, ...]

    @property
    def categories(self) -> Mapping[str, str]:
        """Candidate id → rubric id, what each sheet is checked against."""
        return {c.candidate_id: c.category for c in self.candidates}


@dataclass(frozen=True)
class _Import:
    result: ImportResult
    candidates: CandidateList | None  # what it was checked against, aggregated with


class Secretariat:
    def __init__(self, session: Session):
        # pyHanko logs every untrusted signature with a traceback; the refusal says it
        # all to the user, and the record goes to the log file, never to the terminal.
        crash_log.install()
        self.session = session
        self._signer: SheetSigner | None = None
        self._sealing: x25519.Identity | None = None
        # The verdict cache's MAC key, derived from the secretariat's key at unlock();
        # kept after lock() (it authenticates the cache, it cannot sign anything).
        self._cache_key: bytes | None = None
        self._last: _Import | None = None

    @classmethod
    def open(cls, session_dir: Path) -> Secretariat:
        """The session in ``session_dir`` (the folder with session.json); ``SessionError``."""
        return cls(open_session(Path(session_dir)))

    def reload_session(self) -> Session:
        """Read the session again after the set-up changed it (a reviewer enrolled, a
        pack recorded); what was imported stays."""
        self.session = open_session(self.session.folder)
        return self.session

    # --- what the sheets are checked against -------------------------------------------

    def read_packs(self, paths: Iterable[Path]) -> Packs:
        """Only the public header of each pack is read (no key needed); ``AggregateError``
        if one cannot be read or was built for another session."""
        paths = tuple(Path(p) for p in paths)
        found = intake.session_packs(self.session, paths)
        ids = tuple(found)
        assigned = intake.pack_assignment(self.session, ids)
        return Packs(
            paths,
            ids,
            manifests=tuple(found.values()),
            reviewers=tuple(assigned) if assigned is not None else None,
            assigned=assigned,
        )

    def read_candidates(self, path: Path) -> CandidateList:
        listed = read_candidate_list(Path(path), session_categories(self.session))
        return CandidateList(Path(path), tuple(listed))

    # --- the keys ----------------------------------------------------------------------

    @property
    def can_sign(self) -> bool:
        return self._signer is not None

    @property
    def can_unseal(self) -> bool:
        return self._sealing is not None

    def needs_unsealing(self, folder: Path) -> bool:
        """Whether ``folder`` holds sealed sheets (``*.pdf.age``) that cannot be opened
        until ``unlock`` (without it they are refused, with the reason)."""
        return (
            self.session.seal_recipient is not None
            and self._sealing is None
            and any(Path(folder).rglob("*" + intake.SEALED_SUFFIX))
        )

    def unlock(self, passphrase: str, *, sign: bool = True, unseal: bool = True) -> None:
        """Open the secretariat's keys with the session passphrase (Argon2id each): its
        signing key (``sign``), for the summary, and, in a session whose sheets travel
        sealed, its sealing identity (``unseal``), for ``*.pdf.age``. On an error
        (``WrongPassphrase``, ``SessionError``, ``SheetSigningError``) nothing changes."""
        s = self.session
        signer, sealing = self._signer, self._sealing
        cache = self._cache_key
        if sign:
            key = s.load_secretariat_key(passphrase)
            signer = SheetSigner(key, s.secretariat_certificate, s.ca_certificate)
            cache = verdict_cache.cache_key(key, s.id)
        if unseal and s.seal_recipient:
            sealing = s.load_sealing_identity(passphrase)
        self._signer, self._sealing, self._cache_key = signer, sealing, cache

    def lock(self, *, sign: bool = True, unseal: bool = True) -> None:
        """Forget the signing key (``sign``) and the sealing identity (``unseal``). The
        window asks for the passphrase at each export and forgets the key after it, so a
        laptop left open does not hold a key that can sign a summary."""
        if sign:
            self._signer = None
        if unseal:
            self._sealing = None

    # --- the pipeline ------------------------------------------------------------------

    @property
    def imported(self) -> ImportResult | None:
        """The last import that succeeded, None before."""
        return self._last.result if self._last is not None else None

    def import_sheets(
        self,
        folder: Path,
        *,
        packs: Packs | None = None,
        candidates: CandidateList | None = None,
        workers: int = DEFAULT_WORKERS,
        use_cache: bool = True,
        progress: Callable[[ImportProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportResult:
        """Verify and sort every sheet under ``folder`` (``intake.import_sheets``).

        Without ``packs`` the pack of each sheet is not checked (``packs_checked`` is
        False and the reports say so); without ``candidates`` the candidates are those
        the sheets name. ``progress`` and ``cancelled`` are called from the calling
        thread between sheets; ``ImportCancelled`` once ``cancelled()`` is true."""
        result = intake.import_sheets(
            self.session,
            Path(folder),
            pack_ids=packs.ids if packs is not None else None,
            pack_manifests=packs.manifest_by_id if packs is not None else None,
            candidate_categories=candidates.categories if candidates is not None else None,
            workers=workers,
            use_cache=use_cache,
            progress=progress,
            cancelled=cancelled,
            sealing=self._sealing,
            reviewers=packs.reviewers if packs is not None else None,
            assigned=packs.assigned if packs is not None else None,
            cache_key=self._cache_key,
        )
        self._last = _Import(result, candidates)
        return result

    def aggregate(self, options: AggregateOptions | None = None) -> AggregateResult:
        """Rank the last import with ``options``, against the candidate list it was
        checked against."""
        if self._last is None:
            raise RuntimeError("import_sheets() before aggregate()")
        listed = list(self._last.candidates.candidates) if self._last.candidates else None
        return aggregation.aggregate(self.session, self._last.result, options, listed)

    def preview_summary(self, result: AggregateResult) -> bytes:
        """The summary PDF with its charts, unsigned: for showing, not for handing out."""
        from reviewer.secretariat.summary_pdf import render_summary  # reportlab: slow import

        return render_summary(result)

    def write_reports(
        self,
        out_dir: Path,
        result: AggregateResult,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> WrittenReports:
        """The reports of ``result`` in ``out_dir`` (see ``report``), the summary signed
        with the key ``unlock`` opened. Held candidates (conflicting sheets) are written
        as held, with the conflicts beside them."""
        if self._signer is None:
            raise RuntimeError("unlock() before write_reports()")
        return report.write_reports(result, Path(out_dir), signer=self._signer, progress=progress)


def counts_line(result: AggregateResult) -> str:
    """What became of the sheets, in one line (the CLI's last words, the window's status)."""
    imported = result.imported
    return _(
        "{counted} sheets counted, {refused} refused, {superseded} superseded, "
        "{duplicates} duplicate, {missing} missing"
    ).format(
        counted=len(imported.counted),
        refused=len(imported.refused),
        superseded=len(imported.superseded),
        duplicates=len(imported.duplicates),
        missing=len(result.missing),
    )
