"""Qt's own strings that its Chinese catalogue (qtbase_zh_CN) leaves in English.

The file dialog's "Look in:" and "Files of type:" have no Chinese in qtbase_zh_CN, so a
dialog otherwise in Chinese showed two English labels. They are translated in our own
gettext catalogue (one catalogue for everything we ship) and handed to Qt as a small
.qm built in memory at each language switch, installed above qtbase's.

Why a .qm and not a QTranslator subclass: an override of translate() cannot say "not
mine, ask the next translator" from Python (an empty answer is taken as the
translation), and PySide6 on Python 3.11 miscounts references to the None it passes for
a missing disambiguation, which aborts the interpreter at exit.
"""

from __future__ import annotations

import struct

from PySide6.QtCore import QObject, QTranslator

from reviewer.base.i18n import N_, _

# (context, source text) exactly as Qt asks for them; tests/test_ui_translation.py
# walks real dialogs to find any string still left in English.
QT_GAPS: tuple[tuple[str, str], ...] = (
    ("QFileDialog", N_("&Look in:")),
    ("QFileDialog", N_("Files of &type:")),
)

# The .qm layout, from qtbase's src/corelib/kernel/qtranslator.cpp.
_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")
_HASHES, _MESSAGES = 0x42, 0x69
_END, _TRANSLATION, _SOURCE, _CONTEXT = 1, 3, 6, 7


def _elf_hash(data: bytes) -> int:
    h = 0
    for byte in data:
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1


def build_qm(translations: dict[tuple[str, str], str]) -> bytes:
    """A .qm holding `translations`: (context, source) → text (no plurals, no comments)."""
    messages = bytearray()
    offsets: list[tuple[int, int]] = []
    for (context, source), text in translations.items():
        offsets.append((_elf_hash(source.encode()), len(messages)))
        for tag, payload in (
            (_TRANSLATION, text.encode("utf-16-be")),
            (_SOURCE, source.encode()),
            (_CONTEXT, context.encode()),
        ):
            messages += struct.pack(">BI", tag, len(payload)) + payload
        messages.append(_END)
    hashes = b"".join(struct.pack(">II", h, o) for h, o in sorted(offsets))
    return (
        _MAGIC
        + struct.pack(">BI", _HASHES, len(hashes))
        + hashes
        + struct.pack(">BI", _MESSAGES, len(messages))
        + bytes(messages)
    )


class QtGaps(QObject):
    """Owns the translator for the gaps in the current language, and its bytes (Qt
    reads them in place: they must outlive the translator's use)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.translator = QTranslator(self)
        self._data = b""

    def load(self) -> bool:
        """Fill the translator from the catalogue's current language; False when the
        catalogue has nothing for any gap (English)."""
        found = {gap: _(gap[1]) for gap in QT_GAPS if _(gap[1]) != gap[1]}
        if not found:
            return False
        self._data = build_qm(found)
        return self.translator.load(self._data)
