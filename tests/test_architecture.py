"""The core never imports Qt or the UI (napari-style); import-linter checks it too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "ui")


def test_no_qt_import_in_core_sources():
    offenders = []
    for path in (ROOT / "reviewer").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders


def test_importing_every_core_module_loads_no_qt():
    code = (
        "import pkgutil, importlib, sys, reviewer\n"
        "for m in pkgutil.walk_packages(reviewer.__path__, 'reviewer.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_first_window_paints_before_the_heavy_core_is_imported():
    """The reviewer's window shows its lock screen with Qt and the catalogue only; the
    crypto, database and PDF stack loads on the worker after the first paint (see
    ui/review_window.py). An import added to the start-up path would undo that."""
    heavy = (
        "reviewer.workstation",
        "reviewer.identity",
        "reviewer.workspace",
        "reviewer.pack",
        "reviewer.rubric_file",
        "sqlite_utils",
        "cryptography",
        "pyrage",
        "keyring",
        "pyhanko",
        "reportlab",
        "PySide6.QtPdf",
    )
    code = (
        "import sys\n"
        "import ui.app, ui.review_window\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
