"""Field-readiness self-test: proves, on the machine at hand, that everything a review
needs works here, with no network and nothing left behind.

    run_self_test(print_line) -> bool

Each step prints one line, ``ok <step>`` or ``FAILED <step>: <reason>``; the words
``ok`` and ``FAILED`` stay in English so that scripts (and the secretariat on the phone)
can read the result whatever the language. A failed step does not stop the later ones
unless they need what it made. Everything is created in a temporary folder that is
deleted at the end: a throwaway session, reviewer identity and pack, never the
reviewer's real home. The GUI adds its own steps in ``ui.self_test``.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.base import i18n
from reviewer.base.i18n import _
from reviewer.base.resources import CJK_FONT_FILE, RARE_FONT_FILE, font_bytes, fonts_dir, locale_dir

PrintLine = Callable[[str], None]

# Text each bundled font must cover: everyday Chinese for WenQuanYi, and the rare name
# characters (CJK Extension A and B) that only the BabelStone subset has.
COMMON_TEXT = "评审专家打分签字"
RARE_TEXT = "䶮𠮷"
# A message id whose Chinese translation exists in every catalogue we ship (the catalogue
# test checks the same one).
PROBE_MSGID = "choose a recommendation"


class StepFailed(Exception):
    """A step's own verdict; the message is the reason shown after ``FAILED``."""


@dataclass
class _Context:
    """What earlier steps made for later ones."""

    folder: Path | None = None
    home: Path | None = None
    pack: Path | None = None
    sheet: bytes | None = None
    extra: dict[str, Any] | None = None


def check_rubrics() -> str:
    from reviewer.rubric.file import bundled_rubrics

    rubrics = bundled_rubrics()
    if not rubrics:
        raise StepFailed(_("no rubric was found"))
    return ", ".join(r.id for r in rubrics)


def check_fonts() -> str:
    from reportlab.pdfbase.ttfonts import TTFont

    from reviewer.base.pdf_fonts import sheet_fonts

    folder = fonts_dir()
    for file in (CJK_FONT_FILE, RARE_FONT_FILE):
        if not (folder / file).is_file():
            raise StepFailed(_("font file missing: {file}").format(file=folder / file))
    # The licences must travel with the fonts (Apache-2.0 and BabelStone's terms).
    if not list(folder.glob("*.COPYRIGHT")) or not list(folder.glob("*LICENSE*")):
        raise StepFailed(_("the font licences are missing from {folder}").format(folder=folder))
    # Parse each font directly, so a truncated or damaged file is named here.
    common = TTFont("SelfTestCJK", str(folder / CJK_FONT_FILE), subfontIndex=0)
    rare = TTFont("SelfTestRare", io.BytesIO(font_bytes(folder / RARE_FONT_FILE)), subfontIndex=0)
    lacking = [ch for ch in COMMON_TEXT if ord(ch) not in common.face.charToGlyph]
    lacking += [ch for ch in RARE_TEXT if ord(ch) not in rare.face.charToGlyph]
    if lacking:
        raise StepFailed(_("no glyph for {chars}").format(chars=" ".join(lacking)))
    if not sheet_fonts().covers(COMMON_TEXT + RARE_TEXT):
        raise StepFailed(_("the sheet fonts do not cover {text}").format(text=RARE_TEXT))
    return f"{CJK_FONT_FILE}, {RARE_FONT_FILE}"


def check_translations() -> str:
    folder = locale_dir() / "zh_CN" / "LC_MESSAGES"
    compiled = (folder / f"{i18n.DOMAIN}.mo").is_file()
    if not compiled and not (folder / f"{i18n.DOMAIN}.po").is_file():
        raise StepFailed(_("no Chinese catalogue in {folder}").format(folder=folder))
    previous = i18n.language()
    try:
        i18n.set_language("zh_CN")
        translated = _(PROBE_MSGID)
    finally:
        i18n.set_language(previous)
    if translated == PROBE_MSGID:
        raise StepFailed(_("the Chinese catalogue translates nothing"))
    return "zh_CN (.mo)" if compiled else "zh_CN (.po)"


def make_demo(ctx: _Context) -> str:
    """A throwaway session, one reviewer (identity created, enrolled) and a one-candidate
    pack, through the same pipeline the secretariat uses."""
    from reviewer.demo.practice import build_demo

    assert ctx.folder is not None
    result = build_demo(ctx.folder / "demo", reviewers=1, candidates=1)
    ctx.home, ctx.pack = result.reviewers[0], result.pack
    return result.pack_id


def open_and_sign(ctx: _Context) -> str:
    """Open the pack as the reviewer, view a material, score, then render, sign and verify
    the sheet with the reviewer's own enrolment certificate."""
    from reviewer.demo.practice import DEMO_PASSPHRASE
    from reviewer.review.scoring import Conflict
    from reviewer.station.workstation import Workstation

    if ctx.home is None or ctx.pack is None:
        raise StepFailed(_("skipped: no pack was built"))
    station = Workstation(ctx.home)
    try:
        station.unlock(DEMO_PASSPHRASE)
        opened = station.open_pack(ctx.pack)
        candidate_id = station.workspace.candidates(opened.pack_id)[0].candidate_id
        candidate = station.candidate(opened.pack_id, candidate_id)
        review = station.workspace.review(opened.pack_id, candidate_id)
        station.workspace.save_review(opened.pack_id, review.with_conflict(Conflict.NONE))
        data, _meta = station.attachment(
            opened.pack_id, candidate_id, candidate.attachment_hashes()[0]
        )
        if not data:
            raise StepFailed(_("an attachment decrypted to nothing"))
        ctx.extra = {"station": station, "pack_id": opened.pack_id, "candidate": candidate}
        return _sign_sheet(ctx)
    finally:
        station.close()


def _sign_sheet(ctx: _Context) -> str:
    from reviewer.rubric.model import CheckKind, CheckResult
    from reviewer.sheet.data import make_sheet_data
    from reviewer.sheet.render import render_sheet
    from reviewer.sheet.sign import embed_and_sign
    from reviewer.sheet.verify import verify_sheet

    assert ctx.extra is not None and ctx.home is not None
    station, pack_id, candidate = ctx.extra["station"], ctx.extra["pack_id"], ctx.extra["candidate"]
    info = station.workspace.pack(pack_id)
    rubric = info.rubric(candidate.category)
    if rubric is None:
        raise StepFailed(_("the pack has no rubric {id}").format(id=candidate.category))
    review = station.workspace.review(pack_id, candidate.id)
    review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
    review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
    for criterion in rubric.criteria:
        review = review.with_score(criterion.id, criterion.max_score)
    review = review.with_opinion("自检：代表作材料完整，评分流程正常。")
    review = review.with_recommendation(rubric.recommendations[0].id)
    evaluation = station.workspace.save_review(pack_id, review)
    if not evaluation.complete:
        raise StepFailed(_("the test review is incomplete"))

    # The workstation's signer: the key of the unlocked identity and the certificate of
    # the reviewer's enrolment in this session, exactly what a real sheet uses.
    signer = station.sheet_signer(info.session_id)
    ca_certificate = station.identity.enrolments[info.session_id].ca_certificate
    sheet = make_sheet_data(
        rubric=rubric,
        review=review,
        session_id=info.session_id,
        session_name=info.session_name,
        programme=candidate.programme,
        pack_id=pack_id,
        manifest_sha256=info.manifest_sha256,
        candidate_name=candidate.name,
        representative_works=tuple(w.title for w in candidate.works),
        reviewer_name=station.name,
        reviewer_cert_sha256=signer.cert_sha256,
        viewing=station.workspace.candidate_viewing(pack_id, candidate.id),
    )
    pdf = embed_and_sign(render_sheet(sheet, rubric), sheet, signer)
    result = verify_sheet(
        pdf,
        ca_certificate,
        session_id=info.session_id,
        pack_id=pack_id,
        manifest_sha256=info.manifest_sha256,
    )
    if not result.valid:
        raise StepFailed("; ".join(str(r) for r in result.reasons))
    if result.data != sheet:
        raise StepFailed(_("the verified sheet does not carry the data that was signed"))
    ctx.sheet = pdf
    return _("{size} KB, signed by {name}").format(size=len(pdf) // 1024, name=result.signer_name)


class StepRunner:
    """Runs self-test steps, printing ``ok label (detail; time)`` or ``FAILED label:
    reason`` for each; ``ok`` stays True while every step passed. The GUI's self-test
    runs its own steps through it too, so every line looks the same."""

    def __init__(self, print_line: PrintLine = print):
        self.print_line = print_line
        self.ok = True

    def __call__(self, label: str, action: Callable[[], str]) -> None:
        started = time.monotonic()
        try:
            detail = action()
        except StepFailed as exc:
            self.ok = False
            self.print_line(f"FAILED {label}: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 (the self-test reports, never crashes)
            self.ok = False
            reason = str(exc) or type(exc).__name__
            self.print_line(f"FAILED {label}: {type(exc).__name__}: {reason}")
            # The last frame helps whoever the reviewer calls; the full trace would not.
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            self.print_line(f"    at {Path(frame.filename).name}:{frame.lineno}")
            return
        seconds = time.monotonic() - started
        self.print_line(f"ok {label} ({detail}; {seconds:.1f} s)")


def run_self_test(print_line: PrintLine = print) -> bool:
    """Run every step, printing one line each; True when all passed."""
    ctx = _Context()
    step = StepRunner(print_line)

    step(_("rubrics load"), check_rubrics)
    step(_("fonts present and readable"), check_fonts)
    step(_("translations"), check_translations)
    ctx.folder = Path(tempfile.mkdtemp(prefix="reviewer-self-test-"))
    try:
        step(_("throwaway identity, session, enrolment and pack"), lambda: make_demo(ctx))
        step(_("open the pack; render, sign and verify a sheet"), lambda: open_and_sign(ctx))
    finally:

        def clean_up() -> str:
            assert ctx.folder is not None
            shutil.rmtree(ctx.folder, ignore_errors=True)
            if ctx.folder.exists():
                raise StepFailed(_("could not delete {folder}").format(folder=ctx.folder))
            return str(ctx.folder)

        step(_("clean up"), clean_up)
    return step.ok
