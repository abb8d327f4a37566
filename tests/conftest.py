"""Shared test set-up: headless Qt, an isolated home, and a known language."""

from __future__ import annotations

import os
import tempfile

import pytest

# Fixtures for the tests that drive real windows: messages, synchronous_worker.
pytest_plugins = ("tests.ui_fixtures",)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The windows keep settings (recent packs, folders, language) in QSettings, which on
# Linux lives under XDG_CONFIG_HOME: a run must not write into the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="reviewer-tests-config-")
# Test-only fakes (secret store, crypto backends) refuse to run unless this is set.
os.environ["REVIEWER_TESTING"] = "1"

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Every test gets its own reviewer home and log folder and starts in Chinese, the
    default."""
    from reviewer.base.i18n import set_language

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    # Unexpected errors and library warnings are logged; never into the real user folder.
    monkeypatch.setenv("REVIEWER_LOG_DIR", str(tmp_path_factory.mktemp("logs")))
    monkeypatch.delenv("REVIEWER_PASSPHRASE", raising=False)
    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture
def english():
    from reviewer.base.i18n import set_language

    set_language("en")
    yield
    set_language("zh_CN")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """One practice session for the whole run (building one costs several seconds).
    Tests that write to a reviewer's home take a copy with ``reviewer_home``."""
    from reviewer.demo.practice import build_demo

    return build_demo(tmp_path_factory.mktemp("demo") / "demo", reviewers=2, candidates=6)


@pytest.fixture
def reviewer_home(demo, tmp_path):
    """A private copy of demo reviewer 1's home (identity enrolled, no workspace yet)."""
    import shutil

    home = tmp_path / "reviewer-home"
    shutil.copytree(demo.reviewers[0], home)
    return home
