"""Child process for the crash-safety test: applies numbered edits to a workspace and
prints ``ACK n`` after each one is committed. The parent kills it at random moments."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from reviewer.workspace.store import Workspace
from tests.workspace_fixtures import PASSPHRASE, complete_review, make_pack


def main() -> None:
    home, start = Path(sys.argv[1]), int(sys.argv[2])
    ws = Workspace.open(home)
    if not ws.initialised:
        ws.initialise(PASSPHRASE)
    else:
        ws.unlock(PASSPHRASE)
    pack = make_pack()
    ws.import_pack(pack)
    base = complete_review(pack, "C001")
    rubric = pack.rubric(pack.candidate("C001").rubric_id)
    first = rubric.criteria[0].id
    print("READY", flush=True)
    i = start
    while True:
        review = base.with_opinion(f"edit-{i}").with_score(first, Decimal(i % 2) + 7)
        ws.save_review(pack.pack_id, review)
        print(f"ACK {i}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
