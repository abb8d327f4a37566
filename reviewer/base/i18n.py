"""One gettext catalogue for the core and the UI.

Message ids are English; Simplified Chinese (``zh_CN``) is the default language.
The compiled ``.mo`` is built by ``make`` (``pybabel compile``); when it is absent,
the ``.po`` is compiled in memory so a fresh checkout still shows Chinese.
"""

from __future__ import annotations

import gettext
import io
import os
import threading
from collections.abc import Callable, Iterable

from reviewer.base.resources import locale_dir

DOMAIN = "reviewer"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "en": "en", "en_us": "en"}

_lock = threading.Lock()
_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_listeners: list[Callable[[str], None]] = []


def normalise_language(code: str) -> str:
    key = code.strip().replace("-", "_").lower()
    lang = _ALIASES.get(key, _ALIASES.get(key.split("_")[0]))
    if lang is None:
        raise ValueError(code)
    return lang


def _load(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    folder = locale_dir() / language / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    po = folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


def set_language(code: str) -> str:
    """Switch the process-wide language; returns the normalised code."""
    global _current, _language
    language = normalise_language(code)
    translations = _load(language)
    with _lock:
        _current, _language = translations, language
        listeners = list(_listeners)
    for listener in listeners:
        listener(language)
    return language


def language() -> str:
    return _language


def on_language_change(listener: Callable[[str], None]) -> None:
    with _lock:
        _listeners.append(listener)


def initial_language() -> str:
    return os.environ.get("REVIEWER_LANG", DEFAULT_LANGUAGE)


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later, where it is shown."""
    return message


def pick(zh: str, en: str) -> str:
    """Choose between the two texts a data file carries (rubric names, descriptors)."""
    return zh if _language == "zh_CN" else en


def join_list(items: Iterable[str]) -> str:
    """Join a list the way the current language does (、 in Chinese)."""
    return ("、" if _language == "zh_CN" else ", ").join(items)


try:
    set_language(initial_language())
except ValueError:
    set_language(DEFAULT_LANGUAGE)
