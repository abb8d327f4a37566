"""The archive package through the CLI and the core API: a fresh archive verifies;
a changed, removed or added file is named; a forged manifest is refused; the sealed
keys stay out."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reviewer.archive.build import ArchiveCancelled, build_archive
from reviewer.archive.manifest import MANIFEST_FILE, SIGNATURE_FILE, ArchiveError
from reviewer.archive.verify import verify_archive
from reviewer.cli import main
from reviewer.crypto import cms
from reviewer.people import ca
from reviewer.people.session import open_session
from tests.sheet_fixtures import make_ca

PASS = "demo"


@pytest.fixture(scope="module")
def world(demo, tmp_path_factory):
    """A copy of the practice session with a few records to archive beside it."""
    base = tmp_path_factory.mktemp("archive")
    shutil.copytree(demo.session, base / "session")
    (base / "usb" / "1").mkdir(parents=True)
    (base / "usb" / "1" / "C001-张明华.pdf").write_bytes(b"%PDF-1.7 sheet one\n")
    (base / "usb" / "1" / "C002-张明华.pdf").write_bytes(b"%PDF-1.7 sheet two\n")
    (base / "box").mkdir()
    (base / "box" / f"{'ab' * 32}.ballot").write_bytes(b"age-encryption.org/v1 ...")
    (base / "minutes.pdf").write_bytes(b"%PDF-1.7 minutes\n")
    (base / "pass").write_text(PASS)
    return base, demo.pack


def _build(world, out, **kw):
    base, pack = world
    return build_archive(
        open_session(base / "session"), PASS, out,
        sheets=[base / "usb"], ballots=[base / "box"], reports=[base / "minutes.pdf"],
        packs=[pack], **kw,
    )  # fmt: skip


def test_a_fresh_archive_verifies_through_the_cli(world, tmp_path, capsys):
    base, pack = world
    out = tmp_path / "archive"
    code = main(
        ["archive", "build", str(base / "session"), str(out), "--sheets", str(base / "usb"),
         "--ballots", str(base / "box"), "--reports", str(base / "minutes.pdf"),
         "--pack", str(pack), "--passphrase-file", str(base / "pass")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((out / MANIFEST_FILE).read_bytes())
    paths = {f["path"] for f in manifest["files"]}
    assert {"sheets/usb/1/C001-张明华.pdf", "reports/minutes.pdf", "session/roster.json"} <= paths
    assert f"ballots/box/{'ab' * 32}.ballot" in paths
    assert not [p for p in paths if p.endswith(".key")]  # the sealed keys stay out
    assert manifest["packs"] == [
        {"name": pack.name, "size": pack.stat().st_size,
         "sha256": hashlib.sha256(pack.read_bytes()).hexdigest()}
    ]  # fmt: skip
    capsys.readouterr()
    assert main(["archive", "verify", str(out), "--session", str(base / "session")]) == 0
    said = capsys.readouterr().out
    assert "秘书处" in said and pack.name in said
    assert main(["archive", "verify", str(out)]) == 0  # the archive's own CA, said so
    assert "存档自带" in capsys.readouterr().out


def test_verify_names_a_changed_a_removed_and_an_added_file(world, tmp_path, capsys):
    base, _pack = world
    out = tmp_path / "archive"
    _build(world, out)
    sheet = out / "sheets" / "usb" / "1" / "C001-张明华.pdf"
    sheet.write_bytes(sheet.read_bytes().replace(b"one", b"eno"))  # same size
    (out / "sheets" / "usb" / "1" / "C002-张明华.pdf").unlink()
    (out / "reports" / "extra.csv").write_text("C003,通过\n")
    code = main(["archive", "verify", str(out), "--session", str(base / "session")])
    assert code == 1
    err = capsys.readouterr().err
    lines = {line.split(":")[0].strip(" -·") for line in err.splitlines()[1:]}
    assert any("C001-张明华.pdf" in line and "内容不同" in line for line in err.splitlines())
    assert any("C002-张明华.pdf" in line and "缺失" in line for line in err.splitlines())
    assert any("extra.csv" in line and "未列入" in line for line in err.splitlines())
    assert len([x for x in lines if x]) == 3, err


def test_verify_compares_the_packs_handed_in_with_the_recorded_hashes(world, tmp_path, capsys):
    base, pack = world
    out = tmp_path / "archive"
    _build(world, out)
    verify = ["--lang", "en", "archive", "verify", str(out), "--session", str(base / "session")]
    assert main([*verify, "--pack", str(pack)]) == 0
    assert f"{pack}: the recorded pack {pack.name}, SHA-256 matches" in capsys.readouterr().out
    changed = tmp_path / "usb" / pack.name  # the same name and size, one byte changed
    changed.parent.mkdir()
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    stranger = tmp_path / "other.rvpack"
    stranger.write_bytes(b"PK not a recorded pack")
    assert main([*verify, "--pack", str(pack), str(changed), str(stranger)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "2 of the 3 packs given are not the packs the archive records", err
    recorded = hashlib.sha256(pack.read_bytes()).hexdigest()[:16]
    assert f"{changed}: not the pack {pack.name} the archive records" in err[1]
    assert f"recorded {recorded}" in err[1]
    found = hashlib.sha256(stranger.read_bytes()).hexdigest()[:16]
    assert err[2].strip() == f"{stranger}: not a pack the archive records (SHA-256 {found})"
    assert len(err) == 3


def _rewrite_manifest(out, path):
    """The manifest made to agree with the file at ``path`` as it is now."""
    doc = json.loads((out / MANIFEST_FILE).read_bytes())
    data = (out / path).read_bytes()
    for f in doc["files"]:
        if f["path"] == path:
            f["size"], f["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    forged = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    (out / MANIFEST_FILE).write_bytes(forged)
    return forged


def test_a_forged_manifest_is_refused(world, tmp_path):
    base, _pack = world
    session = open_session(base / "session")
    out = tmp_path / "archive"
    _build(world, out)
    # Swap a sheet and make the manifest say so, keeping the secretariat's signature.
    sheet = out / "sheets" / "usb" / "1" / "C001-张明华.pdf"
    sheet.write_bytes(b"%PDF-1.7 forged!!!\n")
    forged = _rewrite_manifest(out, "sheets/usb/1/C001-张明华.pdf")
    with pytest.raises(ArchiveError, match="签名无效"):
        verify_archive(out, session.ca_certificate)
    # Re-signed by a secretariat of a CA of one's own, that CA put in the archive: it
    # agrees with itself, and only an outside anchor (the session's CA) refuses it.
    ca_key, ca_cert = make_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = ca.issue_certificate(
        ca_key, ca_cert, key.public_key(), "伪造秘书处", session_id=session.id, secretariat=True
    )
    (out / "session" / "ca" / "ca.crt.pem").write_bytes(
        ca_cert.public_bytes(serialization.Encoding.PEM)
    )
    forged = _rewrite_manifest(out, "session/ca/ca.crt.pem")
    (out / SIGNATURE_FILE).write_bytes(cms.sign_detached(forged, key, cert))
    with pytest.raises(ArchiveError, match="签名无效"):
        verify_archive(out, session.ca_certificate)
    assert verify_archive(out).ca_from_archive  # the limit the CLI states when it happens
    # A reviewer's certificate from the session's own CA does not sign for the secretariat.
    reviewer = ca.issue_certificate(
        session.load_ca_key(PASS), session.ca_certificate, key.public_key(), "某评审",
        session_id=session.id,
    )  # fmt: skip
    (out / SIGNATURE_FILE).write_bytes(cms.sign_detached(forged, key, reviewer))
    with pytest.raises(ArchiveError, match="而非评审秘书处"):
        verify_archive(out, session.ca_certificate)


def test_a_zip_archive_verifies_and_an_added_member_is_named(world, tmp_path):
    base, _pack = world
    session = open_session(base / "session")
    out = tmp_path / "archive.zip"
    built = _build(world, out)
    assert verify_archive(out, session.ca_certificate).manifest == built.manifest
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("sheets/usb/1/C009-张明华.pdf", b"%PDF-1.7 slipped in\n")
        zf.writestr("../escape.txt", b"outside")  # a name no archive file can have
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("reports/minutes.pdf", b"%PDF-1.7 a second one\n")
    with pytest.raises(ArchiveError) as refused:
        verify_archive(out, session.ca_certificate)
    assert [p.where for p in refused.value.problems] == [
        "../escape.txt",
        "reports/minutes.pdf",  # twice in the ZIP: neither copy is taken
        "reports/minutes.pdf",
        "sheets/usb/1/C009-张明华.pdf",
    ]


def test_a_signed_manifest_must_still_be_well_formed(world, tmp_path):
    """Even the secretariat's own signature does not make a bad path or a repeated one
    acceptable."""
    base, _pack = world
    session = open_session(base / "session")
    out = tmp_path / "archive"
    _build(world, out)
    doc = json.loads((out / MANIFEST_FILE).read_bytes())
    doc["files"] += [dict(doc["files"][0]), {**doc["files"][0], "path": "../../etc/passwd"}]
    data = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    (out / MANIFEST_FILE).write_bytes(data)
    key = session.load_secretariat_key(PASS)
    (out / SIGNATURE_FILE).write_bytes(
        cms.sign_detached(data, key, session.secretariat_certificate)
    )
    with pytest.raises(ArchiveError) as refused:
        verify_archive(out, session.ca_certificate)
    where = {p.where for p in refused.value.problems}
    assert where == {"../../etc/passwd", doc["files"][0]["path"]}


def test_build_refuses_to_overwrite_archive_into_itself_or_follow_links(world, tmp_path):
    base, _pack = world
    with pytest.raises(ArchiveError):
        _build(world, base / "usb" / "archive")
    (tmp_path / "taken").mkdir()
    with pytest.raises(ArchiveError):
        _build(world, tmp_path / "taken")
    session = open_session(base / "session")
    other = tmp_path / "elsewhere" / "usb"
    other.mkdir(parents=True)
    with pytest.raises(ArchiveError, match="无法生成存档") as refused:
        build_archive(session, PASS, tmp_path / "a", sheets=[base / "usb", other])
    assert "同名" in refused.value.report()
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "sheet.pdf").symlink_to(base / "minutes.pdf")
    with pytest.raises(ArchiveError) as refused:
        build_archive(session, PASS, tmp_path / "b", sheets=[linked])
    assert "sheet.pdf" in refused.value.problems[0].where
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("name", ["cancelled", "cancelled.zip"])
def test_a_cancelled_build_leaves_nothing_behind(world, tmp_path, name):
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # after two files were copied

    with pytest.raises(ArchiveCancelled):
        _build(world, tmp_path / name, cancelled=cancelled)
    assert len(asked) == 3 and list(tmp_path.iterdir()) == []
