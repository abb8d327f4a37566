"""A faster reader for PDF hex strings, installed only in the verifying worker processes.

pyHanko reads a hex string one byte at a time through Python; a sheet's signature
``/Contents`` is a 16 KiB hex string, so that loop alone is about 10 ms of the ~25 ms
it takes to verify a sheet. ``install()`` replaces pyHanko's reader with one that reads
ahead to the closing ``>`` and decodes in one step, and hands anything unusual (a
comment, a character that is not a hex digit, no closing ``>``) back to pyHanko's own
reader from the same position, so errors and edge cases are exactly pyHanko's.

Only the worker processes of ``aggregate_import`` install it: they are ours alone, so
no other code in the process sees a patched library.
"""

from __future__ import annotations

import binascii
import re
from typing import BinaryIO

from pyhanko.pdf_utils import generic

_WHITESPACE = re.compile(rb"[ \n\r\t\f\x00]+")
_HEX = re.compile(rb"[0-9A-Fa-f]*")
_CHUNK = 64 * 1024
_MAX = 16 * 1024 * 1024
_original = generic.read_hex_string_from_stream


def _fast_hex_string(stream: BinaryIO) -> generic.ByteStringObject | generic.TextStringObject:
    start = stream.tell()
    stream.read(1)  # the "<"
    buf = b""
    while True:
        chunk = stream.read(_CHUNK)
        end = chunk.find(b">")
        if end >= 0:
            buf += chunk[:end]
            break
        buf += chunk
        if not chunk or len(buf) > _MAX:
            stream.seek(start)
            return _original(stream)
    digits = _WHITESPACE.sub(b"", buf)
    if not _HEX.fullmatch(digits):
        stream.seek(start)
        return _original(stream)
    # Position just after the ">", as pyHanko's reader leaves it.
    stream.seek(start + 1 + len(buf) + 1)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    generic.read_hex_string_from_stream = _fast_hex_string
