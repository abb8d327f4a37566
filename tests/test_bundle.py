"""The Linux offline bundle builds, carries no Qt module the app does not use, and its
``--self-test`` passes offscreen in a bare environment with no system fonts."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_self_test import empty_fontconfig

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[bundle]"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or importlib.util.find_spec("PyInstaller") is None:
            pytest.skip(f"PyInstaller cannot be installed here: {done.stderr.strip()[-300:]}")
    out = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, BUNDLE_DIST=str(out / "dist"), BUNDLE_WORK=str(out / "build"))
    done = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh"), sys.executable],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "excluded-module check: ok" in done.stdout
    assert list((out / "dist").glob("reviewer-workstation-*.tar.gz"))
    return out / "dist" / "reviewer-workstation"


def test_the_bundle_self_test_passes_offscreen_without_system_fonts(bundle, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",  # no venv, no Python on the path: only the bundle
        "HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "FONTCONFIG_FILE": str(empty_fontconfig(tmp_path)),
        "REVIEWER_LANG": "en",
    }
    done = subprocess.run(
        [str(bundle / "reviewer-app"), "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith(("ok ", "FAILED "))]
    assert len(steps) == 9 and all(s.startswith("ok ") for s in steps), done.stdout


def test_the_bundled_app_paints_then_loads_the_core_on_its_worker(bundle, tmp_path):
    """The reviewer's window in the bundle: locked window first, then the workstation
    (crypto, SQLite, keyring) imported and loaded on a worker thread, which a frozen
    importer must allow. The start-up probe prints both moments, then quits."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    demo = tmp_path / "练习 会"
    made = subprocess.run(
        [str(bundle / "reviewer"), "demo", "--out", str(demo), "--reviewers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    env |= {"REVIEWER_QUIT_AFTER_FIRST_PAINT": "1", "REVIEWER_HOME": str(demo / "reviewers" / "1")}
    done = subprocess.run(
        [str(bundle / "reviewer-app")], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    marks = [line.split()[0] for line in done.stdout.splitlines()]
    assert marks == ["first-paint", "ready"], done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_the_bundled_cli_runs(bundle):
    done = subprocess.run(
        [str(bundle / "reviewer"), "--lang", "en", "rubric", "list"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "news" in done.stdout and "international" in done.stdout


def test_the_bundled_icu_data_is_trimmed_and_sorts_as_the_full_data_does(bundle, tmp_path):
    """packaging/icu_data.py ran: one real libicudata (the _internal symlink still points
    at it) holding only the collation items, and with it Qt sorts Chinese and English
    names, QFileSystemModel included, exactly as with the wheel's full data."""
    from tests.test_icu_data import WHEEL_LIBRARY, icu, sort_with

    if WHEEL_LIBRARY is None:
        pytest.skip("no ICU in this PySide6 wheel")
    found = sorted(bundle.rglob("libicudata.so*"))
    real = [p for p in found if not p.is_symlink()]
    assert len(real) == 1 and all(p.resolve() == real[0].resolve() for p in found), found
    library = icu.read_library(real[0])
    items = icu.parse(library.package_bytes(), library.version).items
    assert "coll/zh.res" in items and len(items) < 30 and real[0].stat().st_size < 2 * 2**20
    (tmp_path / "full").mkdir()
    (tmp_path / "bundled").mkdir()
    assert sort_with(real[0], tmp_path / "bundled") == sort_with(None, tmp_path / "full")
