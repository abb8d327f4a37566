"""Where a reviewer's home folder is, and whether an identity lives there.

Kept apart from ``identity`` (which needs the crypto stack) so that the GUI can decide
between the first-run wizard and the lock screen, and paint it, before loading anything
heavy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "reviewer-workstation"
HOME_ENV_VAR = "REVIEWER_HOME"
IDENTITY_DIR = "identity"
PUBLIC_FILE = "identity.json"


def resolve_home(home: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``home`` if given, else ``$REVIEWER_HOME``, else the platform's user data folder."""
    if home is not None:
        return Path(home)
    env = os.environ if environ is None else environ
    if env.get(HOME_ENV_VAR):
        return Path(env[HOME_ENV_VAR])
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def identity_folder(home: Path) -> Path:
    return Path(home) / IDENTITY_DIR


def identity_exists(home: Path) -> bool:
    return (identity_folder(home) / PUBLIC_FILE).exists()
