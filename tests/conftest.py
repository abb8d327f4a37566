"""Shared test set-up: headless Qt, an isolated home, and a known language."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Test-only fakes (secret store, crypto backends) refuse to run unless this is set.
os.environ["REVIEWER_TESTING"] = "1"

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Every test gets its own reviewer home and starts in Chinese, the default."""
    from reviewer.i18n import set_language

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    monkeypatch.delenv("REVIEWER_PASSPHRASE", raising=False)
    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture
def english():
    from reviewer.i18n import set_language

    set_language("en")
    yield
    set_language("zh_CN")
