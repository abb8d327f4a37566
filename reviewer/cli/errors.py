"""The one error type commands raise to stop with a message and an exit code."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.base.errors import Problem, ReviewerError


class CommandError(ReviewerError):
    def __init__(self, message: str, exit_code: int = 1, problems: Iterable[Problem] = ()):
        super().__init__(message, problems)
        self.exit_code = exit_code
