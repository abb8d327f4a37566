"""Exporting an age X25519 identity, so that the standard ``age`` tool can read packs.

The identity file (``# public key: age1…`` then ``AGE-SECRET-KEY-1…``, what
``age-keygen`` writes) is itself encrypted with age's own passphrase format (scrypt,
ASCII-armoured), so that nothing but ``age`` and the passphrase is needed to use it::

    age -d -o key.txt exported.age          # asks for the passphrase
    age -d -i key.txt manifest.json.age     # then decrypts any pack member

The file is created, never replaced (an export must not overwrite another key), with
mode 0600.

API:
    class KeyExportError(ReviewerError)
    export_identity(identity, path, passphrase) -> None
"""

from __future__ import annotations

import os
from pathlib import Path

import pyrage
from pyrage import x25519

from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _


class KeyExportError(ReviewerError):
    """The exported key file cannot be written."""


def identity_text(identity: x25519.Identity) -> bytes:
    return f"# public key: {identity.to_public()}\n{identity}\n".encode("ascii")


def export_identity(identity: x25519.Identity, path: Path, passphrase: str) -> None:
    if not passphrase:
        raise KeyExportError(_("an empty passphrase is not allowed"))
    path = Path(path)
    sealed = pyrage.passphrase.encrypt(identity_text(identity), passphrase, armored=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyExportError(
            _("{file} exists; the key is never written over another file").format(file=path)
        ) from None
    except OSError as exc:
        raise KeyExportError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise KeyExportError(
            _("cannot write {file}: {error}").format(file=path, error=exc.strerror or exc)
        ) from None


__all__ = ["KeyExportError", "export_identity", "identity_text"]
