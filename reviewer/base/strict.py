"""Reading untrusted documents strictly: the parts every reader of outside files shares.

The manifest, the enrolment files, rubric files and candidate lists all come from
outside, so each is read as hostile and every problem is reported with its place. What
they share lives here:

- ``load_json``: JSON bytes with a size cap, UTF-8 only, duplicate keys refused (the
  last one would silently win), ``NaN``/``Infinity`` refused (not JSON, and they break
  arithmetic later) and a nesting cap, checked without recursion;
- ``Collector``: records ``Problem``s instead of stopping at the first, optionally up to
  a cap, so a reader reports every finding at once;
- ``join`` builds the path of a field (``candidates[3].works``), ``json_kind`` and
  ``toml_kind`` name the type found where another was expected.

What a field must be (a manifest's object, a rubric's table) is the reader's own
business; those checks stay in the reader's module.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _

MAX_DEPTH = 20


class StrictJsonError(ReviewerError):
    """Bytes that are not acceptable JSON; the message says why, in one line."""


class TooManyProblems(Exception):  # noqa: N818 (control flow, caught by the reader; not an error)
    """The collector's cap is reached: the reader stops and says there is more."""


class Collector:
    """Records problems, each with its place, instead of stopping at the first."""

    def __init__(self, problems: list[Problem] | None = None, limit: int | None = None):
        self.problems: list[Problem] = [] if problems is None else problems
        self.limit = limit

    def fail(self, where: str, what: str) -> None:
        self.problems.append(Problem(where, what))
        if self.limit is not None and len(self.problems) >= self.limit:
            raise TooManyProblems

    def stopped(self) -> None:
        """After ``TooManyProblems``: say that the list is not complete."""
        self.problems.append(
            Problem("", _("... and more; stopped after {n} problems").format(n=self.limit))
        )


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any, numbers: tuple[type, ...], mapping: str) -> str:
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, numbers):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return mapping
    return type(value).__name__


def json_kind(value: Any) -> str:
    return "null" if value is None else _kind(value, (int, float), _("an object"))


def toml_kind(value: Any) -> str:
    # tomllib is asked for Decimal floats, so a TOML number is an int or a Decimal.
    return _kind(value, (int, Decimal), _("a table"))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_tree(value: Any, cap: int) -> None:
    """Refuse nesting deeper than ``cap`` and text that is not Unicode: ``\\ud800`` is
    valid JSON, but a lone surrogate cannot be written as UTF-8 anywhere later (the
    canonical form, the workspace, a PDF), so it is refused here, with its place."""
    # Iterative, so a hostile document cannot exhaust the Python stack here.
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if depth > cap:
            raise StrictJsonError(_("nested deeper than {n} levels").format(n=cap))
        if isinstance(item, dict):
            for k, v in item.items():
                where = join(path, k)
                if _has_surrogate(k):
                    raise StrictJsonError(_("a key is not valid Unicode text"))
                stack.append((v, depth + 1, where))
        elif isinstance(item, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(item))
        elif isinstance(item, str) and _has_surrogate(item):
            raise StrictJsonError(
                _("{where}: not valid Unicode text (a lone surrogate)").format(where=path or "$")
            )


def load_json(data: bytes, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON bytes, or raise ``StrictJsonError`` saying why not."""
    if len(data) > max_bytes:
        raise StrictJsonError(
            _("the document is {size} bytes; at most {limit} are allowed").format(
                size=len(data), limit=max_bytes
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJsonError(
            _("not UTF-8 text (bad byte at offset {pos})").format(pos=exc.start)
        ) from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except RecursionError:
        raise StrictJsonError(_("nested too deeply")) from None
    except ValueError as exc:
        raise StrictJsonError(_("not valid JSON: {error}").format(error=str(exc)[:200])) from None
    _check_tree(value, max_depth)
    return value
