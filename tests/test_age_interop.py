"""Pack members are standard age files: the age CLI reads ours, and we read its."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from reviewer.pack.reader import open_pack
from tests.pack_fixtures import build_sample_pack, make_session, pem, repack

pytestmark = [
    pytest.mark.skipif(shutil.which("age") is None, reason="the age CLI is not installed"),
    pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip is not installed"),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("age")
    session = make_session(2)
    built, contents = build_sample_pack(folder, session)
    identity_file = folder / "identity.txt"
    identity_file.write_text(f"{session.reviewers[1]}\n", encoding="ascii")
    identity_file.chmod(0o600)
    return folder, session, built, contents, identity_file


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_age_cli_decrypts_an_attachment_from_the_pack(setup):
    folder, _session, built, contents, identity_file = setup
    member = f"files/{sha(contents['a.pdf'])}.age"
    result = subprocess.run(
        f"unzip -p '{built.path}' '{member}' | age -d -i '{identity_file}'",
        shell=True, capture_output=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == contents["a.pdf"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_age_cli_decrypts_the_manifest_and_openssl_verifies_it(setup):
    folder, session, built, _contents, identity_file = setup
    (folder / "ca.pem").write_bytes(pem(session.ca.cert))
    subprocess.run(
        f"unzip -p '{built.path}' manifest.json.age | age -d -i '{identity_file}' > manifest.json"
        f" && unzip -p '{built.path}' manifest.json.sig > manifest.json.sig",
        shell=True, cwd=folder, check=True,
    )  # fmt: skip
    manifest = (folder / "manifest.json").read_bytes()
    assert sha(manifest) == built.manifest_sha256
    result = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.sig",
         "-content", "manifest.json", "-CAfile", "ca.pem", "-purpose", "any", "-out", "/dev/null"],
        cwd=folder, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_member_encrypted_by_the_age_cli_is_accepted(setup, tmp_path):
    folder, session, built, contents, _identity_file = setup
    plain = folder / "materials" / "a.pdf"
    recipients = []
    for r in session.recipients:
        recipients += ["-r", r]
    cli_member = subprocess.run(
        ["age", *recipients, str(plain)], capture_output=True, check=True
    ).stdout
    member = f"files/{sha(contents['a.pdf'])}.age"
    path = repack(built.path, tmp_path / "cli.rvpack", replace={member: cli_member})
    with open_pack(path, session.reviewers[0], session.ca.cert) as pack:
        assert pack.read_attachment(sha(contents["a.pdf"])) == contents["a.pdf"]
