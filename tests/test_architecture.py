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
        "reviewer.station.workstation",
        "reviewer.people.identity",
        "reviewer.workspace.store",
        "reviewer.pack.build",
        "reviewer.pack.reader",
        "reviewer.rubric.file",
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
        "import ui.app, ui.reviewer.window\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def _imports(path: Path) -> list[str]:
    """Every absolute module a source file imports, `from a.b import c` giving `a.b.c`
    as well as `a.b` (c may be a module or a name)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names]
    return found


def test_subsystems_are_used_only_through_their_public_modules():
    """Each subpackage names its public modules in ``__all__``; code outside the
    subpackage (tests aside) imports only those, so what is internal stays internal."""
    import importlib

    offenders = []
    for top in ("reviewer", "ui"):
        for path in (ROOT / top).rglob("*.py"):
            here = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] != top or len(parts) < 3:
                    continue
                package = ".".join(parts[:2])
                if here.startswith(package + ".") or here == package:
                    continue
                if not (ROOT / top / parts[1] / "__init__.py").exists():
                    continue
                public = importlib.import_module(package).__all__
                if parts[2] not in public:
                    offenders.append(f"{here} imports {name}")
    assert not offenders, "\n".join(offenders)
