"""One reviewer's laptop: their identity, their workspace and the packs they opened.

This is the core service the reviewer GUI calls. One passphrase unlocks both the
identity and the workspace (Argon2id each); ``lock()`` drops every decrypted
object the core holds. Materials are decrypted only after the reviewer has declared
no conflict of interest for that candidate ("conflict before content"), and each view
is recorded in the audit log: the GUI records it (``record_viewed``) when the material
is on screen, so that a file it cannot show, or a work that never played, is not
recorded as seen.

API:
    ws = Workstation(home)                       # public data only
    ws.name, ws.unlocked
    ws.unlock(passphrase); ws.lock(); ws.close()
    ws.accept_enrolment(path) -> session name    # the secretariat's enrolment response
    ws.open_pack(path) -> OpenResult             # verify, decrypt the manifest, import
    ws.workspace                                 # reviews, candidates, audit log
    ws.candidate(pack_id, candidate_id) -> manifest Candidate (profile and works)
    ws.attachment(pack_id, candidate_id, sha256, record=) -> (bytes, Attachment)
    ws.attachment_stream(pack_id, candidate_id, sha256) -> AttachmentStream   # a work
    ws.record_viewed(pack_id, candidate_id, sha256)   # it is on screen: the audit entry
    ws.record_viewing(pack_id, cid, sha256, start_ms, end_ms, duration_ms) -> ViewingRecord
    ws.viewing(pack_id, cid) -> (ViewingRecord, ...)      # every audio/video material
    ws.candidate_viewing(pack_id, cid) -> CandidateViewing  # the works, the minimum
    ws.sheet_signer(session_id) -> SheetSigner   # for sheet_export
    ws.ballot_identity() -> UnlockedIdentity     # for the secret ballot (committee.member)
    ws.candidate_names(session_id) -> {id: name} # from the packs open, for a ballot
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.crypto.passphrase import WrongPassphrase
from reviewer.crypto.secret_store import SecretStore
from reviewer.pack.errors import PackError
from reviewer.pack.manifest import Attachment, Candidate, Manifest
from reviewer.pack.reader import OpenedPack, open_pack, read_header
from reviewer.pack.stream import AttachmentStream
from reviewer.people.enrolment import (
    MAX_RESPONSE_BYTES,
    EnrolmentError,
    parse_response,
    read_capped,
)
from reviewer.people.identity import Identity, IdentityError, UnlockedIdentity, load_identity
from reviewer.review.scoring import Conflict
from reviewer.review.viewing import (
    AudiovisualWork,
    CandidateViewing,
    ViewingRecord,
    is_audiovisual,
)
from reviewer.rubric.file import RubricError, rubric_from_canonical
from reviewer.workspace.audit import EventKind
from reviewer.workspace.model import CandidateInfo, ImportResult, PackInfo
from reviewer.workspace.store import Workspace, WorkspaceError

if TYPE_CHECKING:
    from reviewer.sheet.sign import SheetSigner

WORKSPACE_DIR = "workspace"


class WorkstationError(ReviewerError):
    pass


@dataclass(frozen=True)
class OpenResult:
    pack_id: str
    session_id: str
    session_name: str
    signer: str
    candidates: int
    categories: int
    imported: ImportResult

    def summary(self) -> str:
        return _("Issued by {signer} · {n} candidates · {k} categories").format(
            signer=self.signer, n=self.candidates, k=self.categories
        )


def audiovisual_works(manifest: Manifest, candidate: Candidate) -> tuple[AudiovisualWork, ...]:
    """The candidate's works that are audio or video, numbered as the sheet lists them."""
    works = []
    for number, work in enumerate(candidate.works, start=1):
        meta = manifest.attachment(work.attachment) if work.attachment else None
        if meta is not None and is_audiovisual(meta.media_type):
            works.append(AudiovisualWork(number, work.title, meta.sha256, meta.duration_ms))
    return tuple(works)


def pack_info(opened: OpenedPack) -> PackInfo:
    """The workspace's view of an opened pack: its rubrics revalidated, its candidates."""
    manifest = opened.manifest
    try:
        rubrics = tuple(rubric_from_canonical(r.canonical) for r in manifest.rubrics)
    except RubricError as exc:
        raise WorkstationError(exc.report()) from None
    candidates = tuple(
        CandidateInfo(
            c.id,
            c.category,
            c.name,
            {
                "programme": c.programme,
                "affiliation": c.affiliation,
                "region": c.region,
                "central_western_border_ethnic": c.central_western_border_ethnic,
                "new_arts_group": c.new_arts_group,
            },
            audiovisual_works(manifest, c),
        )
        for c in manifest.candidates
    )
    return PackInfo(
        opened.pack_id,
        opened.session_id,
        manifest.session_name,
        opened.manifest_sha256,
        rubrics,
        candidates,
        manifest.min_watched_percent,
    )


class Workstation:
    def __init__(self, home: Path, secrets: SecretStore | None = None):
        """``secrets``: the OS keyring, where a copy of the workspace's write counter is
        kept (rollback detection); None keeps only the counter file."""
        self.home = Path(home)
        try:
            self.identity: Identity = load_identity(self.home)
        except IdentityError as exc:
            raise WorkstationError(str(exc)) from None
        try:
            self.workspace = Workspace.open(self.home / WORKSPACE_DIR, secrets)
        except WorkspaceError as exc:
            raise WorkstationError(str(exc)) from None
        self._unlocked: UnlockedIdentity | None = None
        self._packs: dict[str, OpenedPack] = {}
        self._signers: dict[str, SheetSigner] = {}
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def unlocked(self) -> bool:
        return self._unlocked is not None

    def unlock(self, passphrase: str) -> None:
        """Unlock identity and workspace together; a wrong passphrase changes nothing."""
        with self._lock:
            try:
                unlocked = self.identity.unlock(passphrase)
            except WrongPassphrase:
                raise WorkstationError(_("wrong passphrase")) from None
            except IdentityError as exc:
                raise WorkstationError(str(exc)) from None
            try:
                if self.workspace.initialised:
                    self.workspace.unlock(passphrase)
                else:
                    self.workspace.initialise(passphrase)
            except WorkspaceError as exc:
                raise WorkstationError(str(exc)) from None
            self._unlocked = unlocked

    def lock(self) -> None:
        """Forget every key and decrypted object; the keys go even if the workspace
        cannot record the lock (a full disk), which is then reported."""
        with self._lock:
            for opened in self._packs.values():
                opened.close()
            self._packs.clear()
            self._signers.clear()
            self._unlocked = None
            try:
                self.workspace.lock()
            except WorkspaceError as exc:
                raise WorkstationError(str(exc)) from None

    def close(self) -> None:
        """Lock and close; the workspace is closed even when the lock cannot be recorded."""
        with self._lock:
            try:
                self.lock()
            finally:
                try:
                    self.workspace.close()
                except WorkspaceError as exc:
                    raise WorkstationError(str(exc)) from None

    def accept_enrolment(self, path: Path) -> str:
        """Install the enrolment response the secretariat sent (a public file: the
        reviewer's certificate and the session CA); returns the session's name."""
        try:
            response = parse_response(read_capped(Path(path), MAX_RESPONSE_BYTES))
            self.identity.accept(response)
        except (EnrolmentError, IdentityError) as exc:
            raise WorkstationError(str(exc)) from None
        return response.session_name

    def _me(self) -> UnlockedIdentity:
        if self._unlocked is None:
            raise WorkstationError(_("unlock with your passphrase first"))
        return self._unlocked

    def ballot_identity(self) -> UnlockedIdentity:
        """The unlocked identity, for the member's side of a secret ballot: its token
        wallet is sealed to this identity and its requests are signed with its key."""
        with self._lock:
            return self._me()

    def candidate_names(self, session_id: str) -> dict[str, str]:
        """The names of the candidates in the packs open for this session: a round file
        lists only their ids."""
        with self._lock:
            self._me()
            return {
                c.id: c.name
                for opened in self._packs.values()
                if opened.manifest.session_id == session_id
                for c in opened.manifest.candidates
            }

    def sheet_signer(self, session_id: str) -> SheetSigner:
        """The reviewer's signer for one session's sheets (key converted once per unlock)."""
        # Imported here: pyHanko costs ~0.4 s at start-up and is needed only to sign.
        from reviewer.sheet.data import SheetError
        from reviewer.sheet.sign import SheetSigner

        with self._lock:
            me = self._me()
            if session_id not in self._signers:
                enrolment = me.enrolments.get(session_id)
                if enrolment is None:
                    raise WorkstationError(
                        _("you are not enrolled in session {session}").format(session=session_id)
                    )
                try:
                    self._signers[session_id] = SheetSigner(
                        me.signing_key, enrolment.certificate, enrolment.ca_certificate
                    )
                except SheetError as exc:
                    raise WorkstationError(str(exc)) from None
            return self._signers[session_id]

    def open_pack(self, path: Path) -> OpenResult:
        """Verify and import a pack. The trust anchor is the session CA from the
        reviewer's own enrolment, never anything the pack brings."""
        with self._lock:
            me = self._me()
            try:
                header = read_header(Path(path))
                enrolment = me.enrolments.get(header.session_id)
                if enrolment is None:
                    raise WorkstationError(
                        _(
                            "this pack is for session {session}, in which you are not enrolled; "
                            "import the enrolment response from the secretariat first"
                        ).format(session=header.session_id)
                    )
                opened = open_pack(
                    Path(path),
                    me.age_identity,
                    enrolment.ca_certificate,
                    expected_session_id=header.session_id,
                    secretariat_sha256=enrolment.secretariat_sha256,
                )
            except PackError as exc:
                raise WorkstationError(exc.message, exc.problems) from None
            if enrolment.certificate_fingerprint in opened.manifest.withdrawn:
                opened.close()
                raise WorkstationError(
                    _(
                        "the secretariat has withdrawn your certificate for session {session}: "
                        "sheets you sign would be refused; ask them to enrol you again"
                    ).format(session=enrolment.session_name)
                )
            try:
                info = pack_info(opened)
                imported = self.workspace.import_pack(info)
            except (WorkspaceError, WorkstationError) as exc:
                opened.close()
                raise WorkstationError(str(exc)) from None
            previous = self._packs.pop(opened.pack_id, None)
            if previous is not None:
                previous.close()
            self._packs[opened.pack_id] = opened
            return OpenResult(
                opened.pack_id,
                opened.session_id,
                info.session_name,
                opened.signer_name,
                len(info.candidates),
                len({c.rubric_id for c in info.candidates}),
                imported,
            )

    def _opened(self, pack_id: str) -> OpenedPack:
        opened = self._packs.get(pack_id)
        if opened is None:
            raise WorkstationError(_("open the pack file again to view its materials"))
        return opened

    def manifest(self, pack_id: str) -> Manifest:
        with self._lock:
            self._me()
            return self._opened(pack_id).manifest

    def candidate(self, pack_id: str, candidate_id: str) -> Candidate:
        with self._lock:
            self._me()
            found = self._opened(pack_id).manifest.candidate(candidate_id)
            if found is None:
                raise WorkstationError(_("no candidate {id} in this pack").format(id=candidate_id))
            return found

    def _material(self, pack_id: str, candidate_id: str, sha256: str) -> Attachment:
        """The attachment's entry, once the reviewer may open it: it is one of this
        candidate's, and they declared no conflict of interest with the candidate."""
        candidate = self.candidate(pack_id, candidate_id)
        if sha256 not in candidate.attachment_hashes():
            raise WorkstationError(_("this material does not belong to this candidate"))
        review = self.workspace.review(pack_id, candidate_id)
        if review.conflict is not Conflict.NONE:
            raise WorkstationError(
                _("declare first that you have no conflict of interest with this candidate")
            )
        meta = self._opened(pack_id).manifest.attachment(sha256)
        if meta is None:
            raise WorkstationError(_("this material does not belong to this candidate"))
        return meta

    def attachment(
        self, pack_id: str, candidate_id: str, sha256: str, *, record: bool = True
    ) -> tuple[bytes, Attachment]:
        """Decrypt one attachment of one candidate, in memory. Refused until the reviewer
        has declared no conflict of interest with that candidate. ``record``: the audit
        log says it was viewed (a viewer that cannot show it passes False)."""
        with self._lock:
            meta = self._material(pack_id, candidate_id, sha256)
            try:
                data = self._opened(pack_id).read_attachment(sha256)
            except PackError as exc:
                raise WorkstationError(exc.message, exc.problems) from None
            if record:
                self.record_viewed(pack_id, candidate_id, sha256)
            return data, meta

    def attachment_stream(self, pack_id: str, candidate_id: str, sha256: str) -> AttachmentStream:
        """A seekable, block-verified stream of one attachment (a video or a recording),
        under the same rule as ``attachment``; nothing is decrypted until it is read. It
        is closed, its buffers zeroed, when the pack is closed (on lock). The player
        records the viewing (``record_viewed``) once it has shown something."""
        with self._lock:
            self._material(pack_id, candidate_id, sha256)
            try:
                return self._opened(pack_id).open_attachment_stream(sha256)
            except PackError as exc:
                raise WorkstationError(exc.message, exc.problems) from None

    def record_viewed(self, pack_id: str, candidate_id: str, sha256: str) -> None:
        """The audit entry that the reviewer saw this material."""
        with self._lock:
            meta = self._material(pack_id, candidate_id, sha256)
            self.workspace.record(
                EventKind.ATTACHMENT_VIEWED, candidate_id=candidate_id, name=meta.name
            )

    def record_viewing(
        self,
        pack_id: str,
        candidate_id: str,
        sha256: str,
        start_ms: int,
        end_ms: int,
        duration_ms: int,
    ) -> ViewingRecord:
        """What the player played: the span ``[start_ms, end_ms)`` of an audio or video
        material ``duration_ms`` long (as the player knows it), added to its record.
        Refused, like opening it, until the reviewer has declared no conflict of interest
        with the candidate."""
        with self._lock:
            meta = self._material(pack_id, candidate_id, sha256)
            if not is_audiovisual(meta.media_type):
                raise WorkstationError(
                    _("only audio and video are recorded as watched, not {name}").format(
                        name=meta.name
                    )
                )
            try:
                return self.workspace.record_viewing(
                    pack_id, candidate_id, sha256, start_ms, end_ms, duration_ms
                )
            except WorkspaceError as exc:
                raise WorkstationError(str(exc)) from None

    def viewing(self, pack_id: str, candidate_id: str) -> tuple[ViewingRecord, ...]:
        """The records of the candidate's audio and video materials played so far (works
        and other materials), in the order the candidate's page lists them."""
        with self._lock:
            candidate = self.candidate(pack_id, candidate_id)
            manifest = self._opened(pack_id).manifest
            records = []
            try:
                for sha in candidate.attachment_hashes():
                    meta = manifest.attachment(sha)
                    if meta is None or not is_audiovisual(meta.media_type):
                        continue
                    record = self.workspace.viewing_record(pack_id, candidate_id, sha)
                    if record is not None:
                        records.append(record)
            except WorkspaceError as exc:
                raise WorkstationError(str(exc)) from None
            return tuple(records)

    def candidate_viewing(self, pack_id: str, candidate_id: str) -> CandidateViewing:
        """What was watched of each of the candidate's audiovisual works and the session's
        minimum, if any: what the sheet carries and the scoring rule checks."""
        with self._lock:
            self._me()
            try:
                return self.workspace.candidate_viewing(pack_id, candidate_id)
            except WorkspaceError as exc:
                raise WorkstationError(str(exc)) from None
