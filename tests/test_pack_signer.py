"""Only the secretariat signs packs: an attacker holding one reviewer's own key (which
chains to the same session CA) cannot make a pack the other reviewers accept."""

from __future__ import annotations

import json

import pyrage
import pytest
from cryptography import x509

from reviewer.crypto import cms, roles
from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.pack.errors import NotSecretariatSignerError, UntrustedSignerError
from reviewer.pack.reader import open_pack
from reviewer.people import ca, enrolment
from reviewer.people.identity import load_identity
from reviewer.people.session import open_session
from reviewer.station.workstation import Workstation, WorkstationError
from tests.pack_fixtures import build_sample_pack, issue, make_session, read_members, write_zip

pytestmark = pytest.mark.usefixtures("english")


def _resign(pack, out, identity, key, cert, recipients):
    """What a reviewer can do with their own keys: open the manifest, change it, sign it
    with their own certificate and encrypt it again to every recipient."""
    members = dict(read_members(pack))
    plain = pyrage.decrypt(members["manifest.json.age"], [identity])
    doc = json.loads(plain)
    doc["candidates"][0]["name"] = "冒名顶替"
    plain = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    members["manifest.json.age"] = pyrage.encrypt(
        plain, [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    )
    members["manifest.json.sig"] = cms.sign_detached(plain, key, cert)
    order = ["pack.json", "manifest.json.sig", "manifest.json.age"]
    rest = [(n, d) for n, d in members.items() if n not in order]
    return write_zip(out, [(n, members[n]) for n in order] + rest)


@pytest.fixture
def forged(demo, tmp_path):
    """The demo pack re-signed by reviewer 2 with their own (genuine) certificate."""
    attacker = load_identity(demo.reviewers[1]).unlock(DEMO_PASSPHRASE)
    (own,) = attacker.enrolments.values()
    session = open_session(demo.session)
    return _resign(
        demo.pack,
        tmp_path / "forged.rvpack",
        attacker.age_identity,
        attacker.signing_key,
        own.certificate,
        [e.age_recipient for e in session.roster],
    )


def test_a_pack_signed_with_a_reviewers_own_certificate_is_refused(reviewer_home, forged):
    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    try:
        with pytest.raises(WorkstationError, match="not by your session's secretariat"):
            station.open_pack(forged)
    finally:
        station.close()


def test_the_genuine_pack_still_opens(reviewer_home, demo):
    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    try:
        assert station.open_pack(demo.pack).candidates == 6
    finally:
        station.close()


def test_only_the_secretariat_certificate_carries_the_policy(demo):
    session = open_session(demo.session)
    assert roles.is_secretariat(session.secretariat_certificate)
    assert session.roster and not any(roles.is_secretariat(e.certificate) for e in session.roster)
    policies = session.secretariat_certificate.extensions.get_extension_for_oid(
        x509.oid.ExtensionOID.CERTIFICATE_POLICIES
    )
    assert not policies.critical  # pdfsig and OpenSSL must not stumble on it


def test_the_enrolment_pins_the_secretariat_certificate(demo):
    session = open_session(demo.session)
    (installed,) = load_identity(demo.reviewers[0]).enrolments.values()
    assert installed.secretariat_sha256 == ca.certificate_fingerprint(
        session.secretariat_certificate
    )


# -- the reader's rule, with throwaway certificates -----------------------------------


@pytest.fixture(scope="module")
def session():
    return make_session(2)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, session):
    return build_sample_pack(tmp_path_factory.mktemp("pack"), session)[0]


def test_a_second_secretariat_certificate_is_refused_when_pinned(session, sample, tmp_path):
    other = issue(session.ca, "另一个秘书处")  # carries the policy, but is not the pinned one
    path = _resign(
        sample.path, tmp_path / "p.rvpack", session.reviewers[0], other.key, other.cert,
        session.recipients,
    )  # fmt: skip
    with open_pack(path, session.reviewers[1], session.ca.cert) as pack:
        assert pack.signer_name == "另一个秘书处"  # no pin: the policy alone decides
    pin = ca.certificate_fingerprint(session.secretariat.cert)
    with pytest.raises(NotSecretariatSignerError, match="另一个秘书处"):
        open_pack(path, session.reviewers[1], session.ca.cert, secretariat_sha256=pin)
    with open_pack(sample.path, session.reviewers[1], session.ca.cert, secretariat_sha256=pin):
        pass


def test_a_pinned_signer_without_the_policy_is_refused(session, sample, tmp_path):
    plain = issue(session.ca, "无策略", secretariat=False)
    path = _resign(
        sample.path, tmp_path / "p.rvpack", session.reviewers[0], plain.key, plain.cert,
        session.recipients,
    )  # fmt: skip
    pin = ca.certificate_fingerprint(plain.cert)
    with pytest.raises(NotSecretariatSignerError) as refused:
        open_pack(path, session.reviewers[1], session.ca.cert, secretariat_sha256=pin)
    assert isinstance(refused.value, UntrustedSignerError)  # callers catching that still do


# -- enrolment records ----------------------------------------------------------------


def test_a_version_1_record_is_read_without_a_pin_and_the_policy_decides(
    demo, reviewer_home, forged
):
    (path,) = (reviewer_home / "identity" / "enrolments").glob("*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["format_version"] = 1
    del doc["secretariat_sha256"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    (record,) = load_identity(reviewer_home).enrolments.values()
    assert record.secretariat_sha256 is None
    station = Workstation(reviewer_home)
    station.unlock(DEMO_PASSPHRASE)
    try:
        assert station.open_pack(demo.pack).candidates == 6
        with pytest.raises(WorkstationError, match="not by your session's secretariat"):
            station.open_pack(forged)
    finally:
        station.close()


def test_accepting_the_response_again_installs_the_pin(demo, reviewer_home, tmp_path):
    from reviewer.people.identity import AcceptOutcome

    (path,) = (reviewer_home / "identity" / "enrolments").glob("*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["format_version"] = 1
    del doc["secretariat_sha256"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    identity = load_identity(reviewer_home)
    session = open_session(demo.session)
    (entry,) = [e for e in session.roster if e.name == identity.name]
    response = enrolment.parse_response(
        enrolment.build_response(
            session.id,
            session.name,
            entry.certificate,
            session.ca_certificate,
            session.secretariat_certificate,
        )
    )
    record, outcome = identity.accept(response)
    assert outcome is AcceptOutcome.REPLACED and record.secretariat_sha256
    (again,) = load_identity(reviewer_home).enrolments.values()
    assert again.secretariat_sha256 == ca.certificate_fingerprint(session.secretariat_certificate)


def test_a_response_pinning_the_reviewers_own_certificate_is_refused(demo):
    session = open_session(demo.session)
    entry = session.roster[0]
    data = enrolment.build_response(
        session.id, session.name, entry.certificate, session.ca_certificate, entry.certificate
    )
    with pytest.raises(enrolment.EnrolmentError, match="own certificate"):
        enrolment.parse_response(data)


def test_the_pack_build_refuses_a_certificate_without_the_policy(session, tmp_path):
    from reviewer.pack.errors import PackBuildError

    plain = issue(session.ca, "无策略", secretariat=False)
    with pytest.raises(PackBuildError, match="secretariat policy"):
        build_sample_pack(tmp_path, session, signer=plain)
