"""A CMS signature checked before pyHanko is imported must not break signing later in
the same process (asn1crypto builds its OID reverse maps once, on first use)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import os
os.environ["REVIEWER_TESTING"] = "1"
from tests import pack_fixtures as pf
from reviewer.crypto import cms
s = pf.make_session()
sig = cms.sign_detached(b"x", s.secretariat.key, s.secretariat.cert)
cms.verify_detached(sig, b"x", s.ca.cert)
import tests.sheet_fixtures as sf
from reviewer.sheet.render import render_sheet
from reviewer.sheet.sign import SheetSigner, embed_and_sign
p = sf.pki()
data = sf.sheet()
embed_and_sign(render_sheet(data, sf.rubric()), data, SheetSigner(p.key, p.cert, p.ca_cert))
print("signed")
"""


def test_pack_signature_then_sheet_signature_in_one_process():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("signed")
