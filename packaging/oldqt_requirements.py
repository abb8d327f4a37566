"""Print the project's requirements for an environment on PySide6 6.9.3 (glibc 2.28).

pyproject.toml declares ``PySide6-Pdf``, a wheel that exists only from Qt 6.12 on and
pins the matching PySide6-Essentials; pip cannot satisfy it next to 6.9.3. In 6.9.3 the
same QtPdf modules ship in PySide6-Addons, which pyproject also declares (for
QtMultimedia, the player of audiovisual works). So the old-Qt environment installs the
project with ``--no-deps`` and its dependencies from this list: everything pyproject
declares (plus the extras asked for), PySide6 lines replaced by the constraints file's
pins (PySide6-Essentials, PySide6-Addons and shiboken6, all 6.9.3).
Generated, not copied, so it stays in step with pyproject.toml.

    python packaging/oldqt_requirements.py [EXTRA ...] > requirements.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = Path(__file__).resolve().parent / "constraints-glibc228.txt"
# Imported by the core but not (yet) declared in pyproject.toml: reviewer/vault.py uses
# argon2-cffi. Listed here so the old-Qt environment matches the main one; drop the line
# once pyproject.toml declares it (a duplicate requirement is harmless meanwhile).
UNDECLARED = ["argon2-cffi>=23.1"]
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _name(requirement: str) -> str:
    match = _NAME.match(requirement)
    return match.group(1).lower().replace("_", "-") if match else ""


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    kept = [r for r in wanted if not _name(r).startswith(("pyside6", "shiboken6"))]
    pins = [
        line.strip()
        for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return pins + kept + UNDECLARED


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
