"""Throwaway keys and certificates, and sample sheets, for the sheet tests.

A session CA and a reviewer's P-256 certificate with a Chinese CN, made by
``reviewer.people.ca`` as ``session init`` and ``session enroll`` make them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.people import ca
from reviewer.review.scoring import Conflict, Review
from reviewer.review.viewing import AudiovisualWork, CandidateViewing, ViewingRecord
from reviewer.rubric.file import bundled_rubrics
from reviewer.rubric.model import CheckKind, CheckResult, Rubric
from reviewer.sheet.data import SheetData, Supersedes, make_sheet_data

REVIEWER_NAME = "买买提·艾力"
CREATED = datetime(2026, 5, 1, 6, 30, 0, tzinfo=UTC)
WORKS = ("纪录片《天山脚下》", "歌舞剧《李䶮与丝路》")
# For sheets that carry a viewing record (``sheet(viewing=VIEWING)``): the documentary is
# a video the reviewer watched 12:03 of 14:40 (82%) under an 80% minimum; the other work
# is not audiovisual. (The default sheet has no audiovisual work, and fits on one page.)
FILM = AudiovisualWork(1, WORKS[0], "f1" * 32, 880_000)
WATCHED = ViewingRecord.new(FILM.sha256, 880_000).add(0, 600_000).add(700_000, 823_000)
VIEWING = CandidateViewing.of(80, (FILM,), {FILM.sha256: WATCHED})


@dataclass(frozen=True)
class Pki:
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_sha256(self) -> str:
        return cert_sha256(self.cert)


def cert_sha256(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


# Certificates come from the product's own CA module, so the sheets are tested with
# exactly the profile the session CA issues.
SESSION_ID = "6f1f3b1e-2d4c-4c4e-9a51-0c0ffee00001"


def make_ca(cn: str = "评审会测试") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    return ca.create_ca(SESSION_ID, cn)


def issue_reviewer(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, cn: str = REVIEWER_NAME
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ca.new_signing_key()
    return key, ca.issue_certificate(ca_key, ca_cert, key.public_key(), cn, session_id=SESSION_ID)


@cache
def pki(cn: str = REVIEWER_NAME) -> Pki:
    """One CA and one reviewer per process: key generation is cheap, but not free."""
    ca_key, ca_cert = make_ca()
    key, cert = issue_reviewer(ca_key, ca_cert, cn)
    return Pki(ca_key, ca_cert, key, cert)


@cache
def rubric(rubric_id: str = "arts") -> Rubric:
    return next(r for r in bundled_rubrics() if r.id == rubric_id)


def scored_review(r: Rubric, candidate_id: str = "C002", opinion: str = "") -> Review:
    review = Review(candidate_id, r.id).with_conflict(Conflict.NONE)
    review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
    review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
    scores = ["8.5", "8", "7.5", "8", "8.5", "7.5", "8", "8"]
    for i, c in enumerate(r.criteria):
        review = review.with_score(c.id, Decimal(scores[i % len(scores)]))
    opinion = opinion or (
        "候选人代表作《天山脚下》在全国范围产生较好反响，讲好新时代边疆故事；"
        "创作态度严谨，德艺双馨。建议推荐。"
    )
    return review.with_opinion(opinion).with_recommendation("recommend")


def recused_review(r: Rubric, candidate_id: str = "C003") -> Review:
    return Review(candidate_id, r.id).with_conflict(
        Conflict.RECUSED, "候选人系本人所在单位同事（近三年内合作），依规回避。"
    )


def vetoed_review(r: Rubric, candidate_id: str = "C004") -> Review:
    review = scored_review(r, candidate_id, opinion="经核查存在违背职业道德的情形，一票否决。")
    review = review.with_check(CheckKind.ETHICS, CheckResult.FAIL, "经核实存在偷逃税款问题。")
    return review.with_recommendation("not_recommend")


def sheet(
    review: Review | None = None,
    *,
    candidate_name: str = "王𠮷",
    reviewer_name: str = REVIEWER_NAME,
    cert_sha256_hex: str | None = None,
    version: int = 1,
    supersedes: Supersedes | None = None,
    session_id: str = "session-2026-01",
    pack_id: str = "pack-0001",
    viewing: CandidateViewing | None = None,
) -> SheetData:
    r = rubric()
    review = review or scored_review(r)
    return make_sheet_data(
        rubric=r,
        review=review,
        session_id=session_id,
        session_name="2026年度文艺名家评审会",
        programme="文艺名家",
        pack_id=pack_id,
        manifest_sha256="ab" * 32,
        candidate_name=candidate_name,
        representative_works=WORKS,
        reviewer_name=reviewer_name,
        reviewer_cert_sha256=cert_sha256_hex or pki().cert_sha256,
        version=version,
        supersedes=supersedes,
        created=CREATED,
        viewing=viewing,
    )
