"""The Windows spec is built elsewhere, so nothing here runs it; this keeps it in step
with the Linux one: both must take every list from bundle_config and filter what they
collect the same way, differing only in the executables' options."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "linux": ROOT / "packaging" / "reviewer.spec",
    "windows": ROOT / "packaging" / "reviewer-windows.spec",
}


def _uses(spec: Path) -> set[str]:
    """Every ``cfg.<name>`` (bundle_config) the spec refers to."""
    tree = ast.parse(spec.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        is_cfg = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if is_cfg and node.value.id == "cfg":
            found.add(node.attr)
    return found


def _collect_args(spec: Path) -> list[str]:
    tree = ast.parse(spec.read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "COLLECT"
    ]
    assert len(calls) == 1, spec
    return [ast.unparse(a) for a in calls[0].args]


def test_both_specs_take_their_lists_from_bundle_config():
    linux, windows = (_uses(p) for p in SPECS.values())
    expected = {
        "EXCLUDED_MODULES",
        "hidden_imports",
        "resource_datas",
        "filter_toc",
        "APP_EXE",
        "CLI_EXE",
        "BUNDLE_NAME",
    }
    assert expected <= linux, expected - linux
    assert linux == windows


def test_both_specs_filter_every_binary_and_data_list_they_collect():
    for name, spec in SPECS.items():
        args = _collect_args(spec)
        lists = [a for a in args if a.endswith((".binaries", ".datas"))]
        assert lists == [], f"{name}: unfiltered {lists}"
        assert _collect_args(spec) == _collect_args(SPECS["linux"]), name
