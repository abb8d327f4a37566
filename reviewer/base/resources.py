"""Where the bundled resources (rubrics, fonts, catalogues, the plan text) live.

A checkout or editable install finds them beside the package; a PyInstaller bundle
unpacks them under ``sys._MEIPASS``; ``REVIEWER_RESOURCES`` overrides both (tests).
"""

from __future__ import annotations

import lzma
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
    return Path(__file__).resolve().parents[2] / "resources"


def rubrics_dir() -> Path:
    return resources_dir() / "rubrics"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def locale_dir() -> Path:
    return resources_dir() / "locale"


def demo_dir() -> Path:
    """The practice session's audiovisual works (scripts/make_media.sh made them)."""
    return resources_dir() / "demo"


def plan_text_path() -> Path:
    """The national plan, verbatim, so every rubric quote can be traced to it."""
    return resources_dir() / "plan" / "plan.txt"


CJK_FONT_FILE = "wqy-microhei.ttc"
CJK_FONT_FAMILY = "WenQuanYi Micro Hei"
# xz-compressed: 4.8 MiB instead of 26.5 on the USB stick and in the bundle; unpacked in
# memory (about 0.3 s) only when first needed, never to disk.
RARE_FONT_FILE = "BabelStoneHan-rare.ttf.xz"
RARE_FONT_FAMILY = "BabelStone Han"
MAX_FONT_BYTES = 64 * 1024 * 1024


def font_bytes(path: Path) -> bytes:
    """The bytes of a font file, unpacked if stored as ``.xz``.

    Raises OSError when the file cannot be read, ``lzma.LZMAError`` when it is damaged
    (or would unpack to more than ``MAX_FONT_BYTES``)."""
    if path.suffix != ".xz":
        return path.read_bytes()
    decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    data = decompressor.decompress(path.read_bytes(), max_length=MAX_FONT_BYTES)
    if not decompressor.eof:
        raise lzma.LZMAError(f"{path}: truncated, or larger than {MAX_FONT_BYTES} bytes")
    return data
