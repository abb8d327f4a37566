"""One error root for everything the core refuses."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import reviewer
from reviewer.base.errors import Problem, ReviewerError

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
