"""No network, ever: the whole reviewer flow runs in a child process in which creating an
internet socket, connecting or resolving a name raises and is logged; the test fails on
any attempt, and checks that every step of the flow actually completed.

More steps (the GUI flow, aggregation) are appended to ``FLOW`` as they land: each is
Python run in order in the same child, sharing the dict ``state``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Installed first in the child: AF_UNIX stays allowed (asyncio's self-pipe, which
# pyHanko's signing loop uses, is a local socketpair), every other family is refused.
GUARD = """
import socket, sys, traceback
_LOG = open(sys.argv[1], "a", encoding="utf-8")

def _refuse(what):
    _LOG.write(what + "\\n" + "".join(traceback.format_stack(limit=8)) + "\\n")
    _LOG.flush()
    raise OSError("network access attempted: " + what)

class _GuardedSocket(socket.socket):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        fam = socket.AF_INET if family == -1 else family
        if fam != socket.AF_UNIX:
            _refuse(f"socket(family={fam})")
        super().__init__(family, type, proto, fileno)

socket.socket = _GuardedSocket
socket.create_connection = lambda *a, **k: _refuse(f"create_connection{a!r}")
socket.getaddrinfo = lambda *a, **k: _refuse(f"getaddrinfo{a!r}")
socket.gethostbyname = lambda *a, **k: _refuse(f"gethostbyname{a!r}")
"""

# (name, code) in order. ``state`` carries what a step made to the later ones.
FLOW: list[tuple[str, str]] = [
    (
        "demo",
        """
        import tempfile
        from pathlib import Path
        from reviewer.self_test import _Context, make_demo
        ctx = _Context(folder=Path(tempfile.mkdtemp(prefix="no-network-")))
        state["ctx"] = ctx
        make_demo(ctx)
        """,
    ),
    (
        "open pack, view material, score, render + sign + verify sheet",
        """
        from reviewer.self_test import open_and_sign
        open_and_sign(state["ctx"])
        assert state["ctx"].sheet.startswith(b"%PDF")
        """,
    ),
    # Later: the GUI flow (offscreen) and aggregation of the signed sheets.
    (
        "clean up",
        """
        import shutil
        shutil.rmtree(state["ctx"].folder)
        """,
    ),
]


def child_script() -> str:
    body = [GUARD, "state = {}"]
    for name, code in FLOW:
        body.append(textwrap.dedent(code))
        body.append(f"print('step done:', {name!r}, flush=True)")
    return "\n".join(body)


@pytest.mark.slow
def test_the_flow_opens_no_socket(tmp_path):
    log = tmp_path / "network-attempts.log"
    log.touch()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", child_script(), str(log)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    attempts = log.read_text(encoding="utf-8")
    assert not attempts, f"network access attempted:\n{attempts}"
    assert done.returncode == 0, done.stdout + done.stderr
    finished = [line.removeprefix("step done: ") for line in done.stdout.splitlines()]
    assert [n for n in finished if n in dict(FLOW)] == [name for name, _ in FLOW]


def test_the_guard_catches_an_attempt(tmp_path):
    """The guard itself works: a connection attempt is refused and logged."""
    log = tmp_path / "attempts.log"
    code = GUARD + textwrap.dedent(
        """
        import urllib.request
        try:
            urllib.request.urlopen("http://192.0.2.1/", timeout=1)
        except OSError as exc:
            print(type(exc).__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(log)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "192.0.2.1" in log.read_text(encoding="utf-8")  # TEST-NET: never reachable
