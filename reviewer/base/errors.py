"""The one root of every error the core raises for people: ``ReviewerError``.

A ``ReviewerError`` is a refusal the user can act on: its ``message`` is one translated
line (``str(err)`` is that line) and its ``problems`` say, where there are several
findings, where each one is and what is wrong there. Every subsystem's error family
(``PackError``, ``RubricError``, ``SessionError``, the CLI's ``CommandError``...)
derives from it, so the edges of the program (the CLI's ``main``, the GUI's worker and
windows) need to know only this class: a ``ReviewerError`` is shown as it is; anything
else is a bug, logged with its traceback by ``reviewer.base.crash_log`` and shown as an
internal error.

Outside the root, on purpose, are exceptions that never reach a person because they
steer control flow inside one module and are caught there:

- ``reviewer.base.strict.TooManyProblems``: a problem collector's cap is reached; the
  reader that raised it catches it and adds an "and more" line;
- ``reviewer.secretariat.intake.ImportCancelled``: the user cancelled an import; the
  window says so, it is not an error;
- ``reviewer.self_test.StepFailed``: one self-test step's verdict, printed as
  ``FAILED`` by the self-test runner;
- ``reviewer.sheet.data._Duplicate``: raised from inside ``json.loads`` to stop at a
  duplicate key, turned into a ``SheetDataError`` at once.

tests/test_errors.py holds that list and fails on any other exception class in
``reviewer`` that does not derive from ``ReviewerError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One finding in a document: ``where`` (a path such as ``candidates[3].name``, a
    line and column, or empty for the whole document) and ``what``, translated."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" if self.where else self.what


class ReviewerError(Exception):
    """A refusal for people: a translated one-line ``message`` and its ``problems``."""

    def __init__(self, message: str = "", problems: Iterable[Problem] = ()):
        super().__init__(message)
        self.message = message
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __str__(self) -> str:
        return self.message

    def report(self) -> str:
        """The message and every problem, one a line: what a terminal shows."""
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])
