"""Sealed export: where the session requires it, sheets travel age-encrypted to the
secretariat only, are signed before sealing, and aggregation opens them."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pyrage import x25519

from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
from reviewer.demo.sheets import write_demo_sheets
from reviewer.people.session import open_session
from reviewer.secretariat.intake import SheetStatus, import_sheets
from reviewer.sheet.verify import verify_sheet

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    demo = build_demo(tmp_path_factory.mktemp("sealed") / "demo", 1, 3, seal=True)
    sheets = write_demo_sheets(demo)
    return demo, sheets


def test_session_and_manifest_carry_the_recipient(sealed):
    demo, sheets = sealed
    session = open_session(demo.session)
    assert session.seal_recipient and session.seal_recipient.startswith("age1")
    assert all(s.path.name.endswith(".pdf.age") for s in sheets)
    assert all(b"%PDF" not in s.path.read_bytes()[:2048] for s in sheets)


def test_sealed_sheet_opens_with_the_age_cli_and_validates(sealed, tmp_path):
    if not shutil.which("age"):
        pytest.skip("the age CLI is not installed")
    demo, sheets = sealed
    session = open_session(demo.session)
    identity = tmp_path / "secretariat.txt"
    identity.write_text(str(session.load_sealing_identity(DEMO_PASSPHRASE)) + "\n")
    pdf = subprocess.run(
        ["age", "-d", "-i", str(identity), str(sheets[0].path)], capture_output=True, check=True
    ).stdout
    assert pdf.startswith(b"%PDF")
    result = verify_sheet(pdf, session.ca_certificate, session_id=session.id)
    assert result.valid, result.reasons


def test_aggregation_opens_sealed_sheets_with_the_key_only(sealed, tmp_path):
    demo, sheets = sealed
    session = open_session(demo.session)
    folder = tmp_path / "in"
    shutil.copytree(demo.folder / "sheets", folder)
    # One sheet sealed to somebody else is refused as foreign.
    stranger = x25519.Identity.generate().to_public()
    import pyrage

    (folder / "foreign.pdf.age").write_bytes(pyrage.encrypt(b"%PDF-1.7 x", [stranger]))
    without = import_sheets(session, folder, use_cache=False, workers=1)
    assert {r.codes[0] for r in without.refused} == {"sealed"}
    assert not without.counted

    key = session.load_sealing_identity(DEMO_PASSPHRASE)
    opened = import_sheets(session, folder, use_cache=False, workers=1, sealing=key)
    assert len(opened.counted) == len(sheets)
    refused = {r.path: r.codes[0] for r in opened.with_status(SheetStatus.REFUSED)}
    assert refused == {"foreign.pdf.age": "sealed_foreign"}
