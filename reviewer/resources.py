"""Where the bundled resources (rubrics, fonts, catalogues, the plan text) live.

A checkout or editable install finds them beside the package; a PyInstaller bundle
unpacks them under ``sys._MEIPASS``; ``REVIEWER_RESOURCES`` overrides both (tests).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("REVIEWER_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def rubrics_dir() -> Path:
    return resources_dir() / "rubrics"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def locale_dir() -> Path:
    return resources_dir() / "locale"


def plan_text_path() -> Path:
    """The national plan, verbatim, so every rubric quote can be traced to it."""
    return resources_dir() / "plan" / "plan.txt"


CJK_FONT_FILE = "wqy-microhei.ttc"
CJK_FONT_FAMILY = "WenQuanYi Micro Hei"
RARE_FONT_FILE = "BabelStoneHan-rare.ttf"
RARE_FONT_FAMILY = "BabelStone Han"
