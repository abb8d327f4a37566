"""Child process for the sheet crash tests: exports sheets of one candidate, changing the
review before each, and prints ``ACK v`` once version v is recorded. The parent kills it
at a random moment; with ``--die-before-recording`` it kills itself with SIGKILL right
after the first sheet's file is written and before the workspace records it."""

from __future__ import annotations

import os
import signal
import sys
from decimal import Decimal
from pathlib import Path

from reviewer.demo.practice import DEMO_PASSPHRASE
from reviewer.review.scoring import Conflict
from reviewer.rubric.model import CheckKind, CheckResult
from reviewer.station.export import export_sheet
from reviewer.station.workstation import Workstation
from reviewer.workspace.store import Workspace


def main() -> None:
    home, pack, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    if "--die-before-recording" in sys.argv:
        Workspace.mark_signed = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # type: ignore[method-assign]
    station = Workstation(home)
    station.unlock(DEMO_PASSPHRASE)
    pack_id = station.open_pack(pack).pack_id
    info = station.workspace.pack(pack_id)
    rubric = info.rubric(info.candidate("C001").rubric_id)
    review = station.workspace.review(pack_id, "C001").with_conflict(Conflict.NONE)
    review = review.with_check(CheckKind.ETHICS, CheckResult.PASS)
    review = review.with_check(CheckKind.POLITICAL, CheckResult.PASS)
    for c in rubric.criteria:
        review = review.with_score(c.id, Decimal(8))
    review = review.with_recommendation("recommend")
    print("READY", flush=True)
    i = 0
    while True:
        i += 1
        station.workspace.save_review(pack_id, review.with_opinion(f"第{i}次修改"))
        sheet = export_sheet(station, pack_id, "C001", out)
        print(f"ACK {sheet.version}", flush=True)


if __name__ == "__main__":
    main()
