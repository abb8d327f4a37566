"""The gettext catalogue is complete and not stale: what the code says is what is translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from reviewer.base.i18n import _, set_language

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "resources" / "locale" / "zh_CN" / "LC_MESSAGES" / "reviewer.po"


def source_msgids() -> set[str]:
    ids: set[str] = set()
    for folder in ("reviewer", "ui"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")]
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def test_catalogue_is_not_stale():
    in_code = source_msgids()
    in_po = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue() if m.id}
    missing = sorted(in_code - in_po)
    obsolete = sorted(in_po - in_code)
    assert not missing, f"strings not in the catalogue (run `make extract`): {missing[:10]}"
    assert not obsolete, f"strings no longer in the code (run `make extract`): {obsolete[:10]}"


def test_chinese_is_complete():
    untranslated = [m.id for m in catalogue() if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"untranslated or fuzzy: {untranslated[:10]}"


def test_placeholders_survive_translation():
    import re

    field = re.compile(r"\{[a-z_]*(?:![rs])?\}")
    for m in catalogue():
        if m.id and isinstance(m.id, str) and m.string:
            assert sorted(field.findall(m.id)) == sorted(field.findall(m.string)), m.id


def test_chinese_is_the_default_and_english_available():
    set_language("zh_CN")
    assert _("choose a recommendation") != "choose a recommendation"
    set_language("en")
    assert _("choose a recommendation") == "choose a recommendation"
