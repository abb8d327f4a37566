"""Obtaining a passphrase: from a file, the environment, or a prompt without echo.

API:
    ENV_VAR = "REVIEWER_PASSPHRASE"
    class PassphraseError(ReviewerError)      -- no usable passphrase (message is user-facing)
    class WrongPassphrase(ReviewerError)      -- the passphrase does not open this key
    read_passphrase_file(path) -> str
    obtain_passphrase(*, file=None, prompt, confirm=False, remembered=None,
                      environ=os.environ, interactive=None) -> str

Order: ``--passphrase-file``, then ``REVIEWER_PASSPHRASE``, then a passphrase remembered
in the OS keyring (a callable, so the keyring is only asked when needed), then a prompt.
The file and the variable exist for scripts and tests: a passphrase in a file or in the
environment is readable by anyone who can read that file or inspect the process, so they
are for throw-away practice sessions and automation, not for a real review.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _

ENV_VAR = "REVIEWER_PASSPHRASE"
MAX_PASSPHRASE_FILE_BYTES = 4096


class PassphraseError(ReviewerError):
    """No passphrase could be obtained; the message is shown to the user as is."""


def _strip_line_end(text: str) -> str:
    # Editors add one trailing newline; anything else is part of the passphrase.
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def read_passphrase_file(path: Path) -> str:
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_PASSPHRASE_FILE_BYTES + 1)
    except OSError as exc:
        raise PassphraseError(
            _("cannot read the passphrase file {file}: {error}").format(
                file=path, error=exc.strerror or exc
            )
        ) from None
    if len(data) > MAX_PASSPHRASE_FILE_BYTES:
        raise PassphraseError(_("the passphrase file {file} is too large").format(file=path))
    try:
        # utf-8-sig: Windows Notepad writes a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PassphraseError(
            _("the passphrase file {file} is not UTF-8 text").format(file=path)
        ) from None
    text = _strip_line_end(text)
    if not text:
        raise PassphraseError(_("the passphrase file {file} is empty").format(file=path))
    return text


def _prompt(prompt: str, confirm: bool) -> str:
    try:
        first = getpass.getpass(prompt)
        if not first:
            raise PassphraseError(_("an empty passphrase is not allowed"))
        if confirm and getpass.getpass(_("Repeat the passphrase: ")) != first:
            raise PassphraseError(_("the two passphrases differ"))
    except EOFError:
        raise PassphraseError(_("no passphrase given")) from None
    return first


def obtain_passphrase(
    *,
    file: Path | None = None,
    prompt: str,
    confirm: bool = False,
    remembered: Callable[[], str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> str:
    """Return a non-empty passphrase or raise ``PassphraseError``.

    ``confirm`` asks twice when prompting (for a new passphrase). ``interactive`` defaults
    to whether stdin is a terminal; without one, a prompt would hang a script or read the
    wrong input, so a clear refusal is better.
    """
    if file is not None:
        return read_passphrase_file(file)
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR)
    if value:
        return value
    if remembered is not None:
        stored = remembered()
        if stored:
            return stored
    if interactive is None:
        interactive = bool(sys.stdin) and sys.stdin.isatty()
    if not interactive:
        raise PassphraseError(
            _("no passphrase given: use --passphrase-file FILE or set {var}").format(var=ENV_VAR)
        )
    return _prompt(prompt, confirm)


class WrongPassphrase(ReviewerError):  # noqa: N818 (the name is the verdict)
    """The passphrase does not open this key (a sealed file, the workspace key);
    nothing was changed."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or _("wrong passphrase"))
