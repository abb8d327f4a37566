"""``reviewer-app --self-test``: every step passes here, a failing step is reported and
turns the exit code to 1, and the check for Chinese glyphs really tells tofu apart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import reviewer.self_test as core
from ui.app import main as app_main

ROOT = Path(__file__).resolve().parent.parent

EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


def empty_fontconfig(folder: Path) -> Path:
    """A fontconfig configuration that lists no font at all: a machine with no system
    fonts, as bare Kylin/UOS installs and minimal containers are."""
    conf = folder / "fonts.conf"
    conf.write_text(EMPTY_FONTCONFIG.format(cache=folder / "cache"), encoding="utf-8")
    return conf


@pytest.mark.slow
def test_self_test_passes_and_prints_one_line_per_step(qapp, capsys):
    assert app_main(["--self-test"]) == 0
    lines = capsys.readouterr().out.splitlines()
    steps = [line for line in lines if line.startswith(("ok ", "FAILED "))]
    assert len(steps) == 9, lines
    assert all(line.startswith("ok ") for line in steps), lines
    # The clean-up line names the temporary folder; it must be gone.
    folder = steps[-1].split("(", 1)[1].split(";", 1)[0]
    assert "reviewer-self-test-" in folder and not Path(folder).exists()


def test_a_failing_step_is_reported_and_fails_the_run(monkeypatch):
    def broken(_ctx):
        raise RuntimeError("disk full")

    monkeypatch.setattr(core, "make_demo", broken)
    lines: list[str] = []
    assert core.run_self_test(lines.append) is False
    failed = [line for line in lines if line.startswith("FAILED ")]
    assert len(failed) == 2  # the pack step, and the step that needed its pack
    assert "RuntimeError: disk full" in failed[0]
    assert lines[-1].startswith("ok ")  # the temporary folder is still cleaned up


def test_without_any_system_font_the_bundled_fonts_render_chinese(tmp_path):
    """With fontconfig seeing no font, Chinese is tofu until the bundled fonts are
    registered (the control), and renders after (the product)."""
    script = textwrap.dedent(
        """
        from PySide6.QtGui import QFont
        from PySide6.QtWidgets import QApplication
        from reviewer.self_test import COMMON_TEXT, RARE_TEXT, StepFailed
        from ui.common.fonts import register_bundled_font, register_rare_font
        from ui.self_test import check_glyphs_render

        app = QApplication([])
        try:
            check_glyphs_render(QFont(), "评审")
        except StepFailed as exc:
            print("control:", exc)
        else:
            raise SystemExit("the control rendered Chinese: a system CJK font is visible")
        assert register_bundled_font(app) == "WenQuanYi Micro Hei"
        check_glyphs_render(app.font(), COMMON_TEXT)
        try:  # the rare-character font comes later (the app unpacks it in the background)
            check_glyphs_render(app.font(), RARE_TEXT)
        except StepFailed as exc:
            print("rare control:", exc)
        assert register_rare_font(app) == "BabelStone Han"
        check_glyphs_render(app.font(), COMMON_TEXT + RARE_TEXT)
        print("bundled fonts render")
        """
    )
    env = dict(os.environ, FONTCONFIG_FILE=str(empty_fontconfig(tmp_path)))
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "control:" in done.stdout and "bundled fonts render" in done.stdout
    assert "rare control:" in done.stdout
