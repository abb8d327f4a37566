"""One error root; a bug is logged safely and named, never a traceback on the terminal."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
import subprocess
import sys
from pathlib import Path

import reviewer
from reviewer.base import crash_log
from reviewer.base.errors import Problem, ReviewerError
from reviewer.cli import main, rubric_cmd

ROOT = Path(__file__).resolve().parent.parent

# Control flow, caught inside the module that raises it; never shown to anyone (see the
# docstring of reviewer/base/errors.py for why each one stays outside the root).
OUTSIDE_THE_ROOT = {"TooManyProblems", "ImportCancelled", "StepFailed", "_Duplicate"}


def _core_exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(reviewer.__path__, "reviewer."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ == module.__name__ and issubclass(value, BaseException):
                found.append(value)
    return found


def test_every_core_exception_derives_from_the_root():
    classes = _core_exception_classes()
    outside = {c.__qualname__ for c in classes if not issubclass(c, ReviewerError)}
    assert outside == OUTSIDE_THE_ROOT


def test_no_two_core_exceptions_share_a_name():
    names = [c.__qualname__ for c in _core_exception_classes()]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_an_error_is_its_message_and_its_problems():
    err = ReviewerError("the file cannot be used", [Problem("a.b", "bad"), Problem("", "worse")])
    assert str(err) == "the file cannot be used"
    assert err.report() == "the file cannot be used\n  a.b: bad\n  worse"


def _fail_with_a_secret(args):
    try:
        {}["SECRET-KEY"]
    except KeyError as exc:
        raise RuntimeError("SECRET-MARKER: a candidate's name") from exc


def test_a_bug_in_a_command_exits_1_naming_the_log(monkeypatch, capsys, tmp_path, english):
    monkeypatch.setenv(crash_log.LOG_DIR_ENV_VAR, str(tmp_path / "logs"))
    monkeypatch.setattr(rubric_cmd, "cmd_list", _fail_with_a_secret)
    assert main(["--lang", "en", "rubric", "list"]) == 1
    err = capsys.readouterr().err
    log = tmp_path / "logs" / crash_log.LOG_FILE
    assert "Internal error" in err and str(log) in err
    assert "Traceback" not in err and "SECRET" not in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last):" in text
    assert "RuntimeError" in text and "KeyError" in text  # the cause too
    assert "_fail_with_a_secret" in text and "test_errors.py" in text
    assert "SECRET" not in text  # neither the message nor the key


def test_a_refusal_is_printed_and_not_logged(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(crash_log.LOG_DIR_ENV_VAR, str(tmp_path / "logs"))

    def refuse(args):
        raise ReviewerError("refused", [Problem("line 3", "bad")])

    monkeypatch.setattr(rubric_cmd, "cmd_list", refuse)
    assert main(["rubric", "list"]) == 1
    assert capsys.readouterr().err == "refused\n  line 3: bad\n"
    assert not (tmp_path / "logs").exists()


def test_the_cli_in_its_own_process_prints_no_traceback(tmp_path):
    code = (
        "import sys\n"
        "from reviewer.cli import main, rubric_cmd\n"
        "def boom(args):\n"
        "    raise ValueError('SECRET-MARKER')\n"
        "rubric_cmd.cmd_list = boom\n"
        "sys.exit(main(['--lang', 'en', 'rubric', 'list']))\n"
    )
    env = {"REVIEWER_LOG_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "SECRET" not in result.stderr
    assert "Internal error" in result.stderr
    text = (tmp_path / crash_log.LOG_FILE).read_text(encoding="utf-8")
    assert "ValueError" in text and "boom" in text and "SECRET" not in text


def test_library_records_go_to_the_log_without_their_arguments(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(crash_log.LOG_DIR_ENV_VAR, str(tmp_path))
    crash_log.install()
    library = logging.getLogger("some_library")
    library.warning("cannot read the signer %s", "SECRET-NAME")
    try:
        raise OSError("SECRET-PATH")
    except OSError:
        library.warning("failed", exc_info=True)
    library.info("below the threshold")
    assert "SECRET" not in capsys.readouterr().err
    # pyHanko formats names into the text itself: without arguments, only the call site.
    library.warning("Failed to build path for Common Name: SECRET-REVIEWER, session 1")
    assert "SECRET" not in capsys.readouterr().err
    text = (tmp_path / crash_log.LOG_FILE).read_text(encoding="utf-8")
    assert "some_library: cannot read the signer %s" in text
    assert "OSError" in text and "SECRET" not in text
    assert "message withheld; test_errors.test_library_records" in text
    assert "below the threshold" not in text


# -- the GUI ---------------------------------------------------------------------------


def test_show_error_lists_the_problems(qtbot, messages):
    from ui.common.errors import MAX_PROBLEMS_SHOWN, show_error

    problems = [Problem(f"candidates[{i}].name", "must not be empty") for i in range(25)]
    show_error(None, ReviewerError("The pack's manifest is invalid:", problems), "Refused")
    shown = messages[-1]
    assert shown.startswith("warning: The pack's manifest is invalid:")
    assert "candidates[0].name: must not be empty" in shown
    assert f"candidates[{MAX_PROBLEMS_SHOWN - 1}].name" in shown
    assert f"candidates[{MAX_PROBLEMS_SHOWN}].name" not in shown
    assert str(25 - MAX_PROBLEMS_SHOWN) in shown.splitlines()[-1]


def test_show_error_logs_a_bug_and_names_the_log(qtbot, messages, tmp_path, monkeypatch):
    from ui.common.errors import show_error

    monkeypatch.setenv(crash_log.LOG_DIR_ENV_VAR, str(tmp_path))
    try:
        raise KeyError("SECRET-MARKER")
    except KeyError as exc:
        show_error(None, exc, "The pack was refused")
    assert messages[-1].startswith("critical: ") and str(tmp_path) in messages[-1]
    assert "SECRET" not in messages[-1]
    text = (tmp_path / crash_log.LOG_FILE).read_text(encoding="utf-8")
    assert "KeyError" in text and "SECRET" not in text
