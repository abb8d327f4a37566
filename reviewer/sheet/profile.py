"""The strict profile of a review sheet: what a sheet the workstation makes contains,
and nothing else.

A signed sheet is hostile input even when its signature is good: one reviewer's key
can sign anything. So beyond the signature, a sheet must be *the kind of PDF the
workstation writes*:

* no active content anywhere in the file (catalog, pages, annotations, the names tree,
  any object reachable from the catalog): no ``/OpenAction``, ``/AA``, ``/A``, ``/JS``,
  ``/JavaScript`` and no action of a kind that runs or fetches something;
* no annotation but the one signature widget;
* no embedded file but ``review.json``;
* the data digest printed under the QR code (the same value the QR code carries: both
  are drawn from ``SheetData.data_hash``) is the SHA-256 of the embedded ``review.json``,
  so a printed copy matches its file;
* the text of ``review.json`` follows the manifest's rules: ids in their form, and no
  control, bidi-control or zero-width characters (line breaks and tabs only in the free
  text a reviewer writes).

Each check returns the problems it found as stable codes; ``verify_sheet`` turns them
into refusals. Everything here is bounded (objects visited, bytes inflated).
"""

from __future__ import annotations

import base64
import re
import unicodedata
import zlib
from collections.abc import Iterator
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from reviewer.sheet.data import SHEET_FILE_NAME

MAX_OBJECTS = 20_000
MAX_PAGES = 100
MAX_CONTENT_BYTES = 16 * 1024 * 1024

# Keys that make a viewer do something when the file is opened or a thing is clicked.
_ACTION_KEYS = frozenset({"/OpenAction", "/AA", "/A", "/JS", "/JavaScript", "/Next"})
# Action types that run code, open or fetch something, or submit data.
_ACTION_TYPES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/RichMediaExecute",
        "/Sound",
        "/Movie",
    }
)

# Same rules as the manifest's ids (reviewer.pack.manifest) and the roster's names
# (reviewer.people.ca): ids in a fixed form; no invisible or direction-changing text.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_RUBRIC_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CRITERION_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SPOOFING = frozenset(
    {
        "\u061c",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u2060",
        "\ufeff",
        *(chr(c) for c in range(0x202A, 0x202F)),
        *(chr(c) for c in range(0x2066, 0x206A)),
    }
)
# Free text a reviewer types may hold line breaks and tabs; nothing else of Cc.
_MULTILINE = frozenset({"opinion", "note", "recusal_reason", "reason"})


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj


def _objects(reader: PdfFileReader) -> Iterator[Any]:
    """Every dictionary and array reachable from the catalog (each once)."""
    seen: set[tuple[int, int]] = set()
    todo: list[Any] = [reader.trailer_view]
    count = 0
    while todo:
        obj = todo.pop()
        if isinstance(obj, generic.IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        count += 1
        if count > MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, generic.DictionaryObject):
            yield obj
            todo.extend(obj.raw_get(k) for k in obj)
        elif isinstance(obj, generic.ArrayObject):
            todo.extend(obj.raw_get(i) for i in range(len(obj)))


def structure_problems(reader: PdfFileReader) -> set[str]:
    """``active_content``, ``annotation``, ``embedded_file``: what a sheet must not hold."""
    found: set[str] = set()
    for obj in _objects(reader):
        keys = set(obj)
        if keys & _ACTION_KEYS:
            found.add("active_content")
        kind = obj.get("/S")
        if isinstance(kind, generic.NameObject) and str(kind) in _ACTION_TYPES:
            found.add("active_content")
        if "/EF" in keys and _spec_name(obj) != SHEET_FILE_NAME:
            found.add("embedded_file")
    names = _resolve(reader.root.get("/Names"))
    if isinstance(names, generic.DictionaryObject):
        if "/JavaScript" in names:
            found.add("active_content")
        tree = _resolve(names.get("/EmbeddedFiles"))
        if tree is not None and any(name != SHEET_FILE_NAME for name in _tree_names(tree, 0)):
            found.add("embedded_file")
    widgets = 0
    for page in _pages(reader):
        annots = _resolve(page.get("/Annots"))
        if annots is None:
            continue
        if not isinstance(annots, generic.ArrayObject):
            found.add("annotation")
            continue
        for annot in annots:
            if _is_signature_widget(_resolve(annot)):
                widgets += 1
            else:
                found.add("annotation")
    if widgets > 1:
        found.add("annotation")
    return found


def _spec_name(spec: generic.DictionaryObject) -> str | None:
    for key in ("/UF", "/F"):
        value = _resolve(spec.get(key))
        if isinstance(value, generic.TextStringObject | generic.ByteStringObject | str):
            return str(value)
    return None


def _tree_names(node: Any, depth: int) -> Iterator[str]:
    node = _resolve(node)
    if depth > 8 or not isinstance(node, generic.DictionaryObject):
        return
    names = _resolve(node.get("/Names"))
    if isinstance(names, generic.ArrayObject):
        for i in range(0, len(names), 2):
            yield str(_resolve(names[i]))
    kids = _resolve(node.get("/Kids"))
    if isinstance(kids, generic.ArrayObject):
        for kid in kids:
            yield from _tree_names(kid, depth + 1)


def _pages(reader: PdfFileReader) -> Iterator[generic.DictionaryObject]:
    count = 0
    todo = [reader.root.get("/Pages")]
    seen: set[int] = set()
    while todo:
        node = _resolve(todo.pop())
        if not isinstance(node, generic.DictionaryObject) or id(node) in seen:
            continue
        seen.add(id(node))
        kids = _resolve(node.get("/Kids"))
        if isinstance(kids, generic.ArrayObject):
            todo.extend(reversed(list(kids)))
        else:
            count += 1
            if count > MAX_PAGES:
                raise ValueError("too many pages")
            yield node


def _is_signature_widget(annot: Any) -> bool:
    if not isinstance(annot, generic.DictionaryObject) or annot.get("/Subtype") != "/Widget":
        return False
    field_type = annot.get("/FT")
    if field_type is None:
        parent = _resolve(annot.get("/Parent"))
        field_type = parent.get("/FT") if isinstance(parent, generic.DictionaryObject) else None
    return field_type == "/Sig"


_PRINTED_CHUNK = re.compile(rb"\(([0-9a-f]{16})\)\s*Tj")


def printed_digests(reader: PdfFileReader) -> list[str]:
    """The data digests printed on the pages (four lines of 16 hex digits, in order, as
    ``render`` draws them under the QR code)."""
    found: list[str] = []
    for page in _pages(reader):
        content = _page_content(page)
        chunks = [m.group(1).decode("ascii") for m in _PRINTED_CHUNK.finditer(content)]
        for i in range(len(chunks) - 3):
            found.append("".join(chunks[i : i + 4]))
    return found


def _page_content(page: generic.DictionaryObject) -> bytes:
    contents = _resolve(page.get("/Contents"))
    streams = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    out = b""
    for item in streams:
        stream = _resolve(item)
        if not isinstance(stream, generic.StreamObject):
            continue
        filters = stream.get("/Filter")
        names = list(filters) if isinstance(filters, generic.ArrayObject) else [filters]
        data = stream.encoded_data
        for name in names:
            if name is None:
                continue
            if name == "/ASCII85Decode":
                data = _ascii85(data)
            elif name == "/FlateDecode" and "/DecodeParms" not in stream:
                data = zlib.decompressobj().decompress(data, MAX_CONTENT_BYTES)
            else:
                data = b""
                break
        out += data
        if len(out) > MAX_CONTENT_BYTES:
            raise ValueError("page content too large")
    return out


def _ascii85(data: bytes) -> bytes:
    body = data.strip()
    if body.startswith(b"<~"):
        body = body[2:]
    end = body.find(b"~>")
    if end >= 0:
        body = body[:end]
    return base64.a85decode(body, adobe=False, ignorechars=b" \t\n\r\x0b\x0c")


def text_problem(doc: Any) -> str | None:
    """The JSON path of the first id not in its form or text with a forbidden
    character in ``review.json`` (parsed), or None."""
    ids = {
        "$.session.id": _ID,
        "$.pack.id": _ID,
        "$.candidate.id": _ID,
        "$.review.candidate_id": _ID,
        "$.rubric.id": _RUBRIC_ID,
        "$.review.rubric_id": _RUBRIC_ID,
    }
    for path, pattern in ids.items():
        value: Any = doc
        for part in path[2:].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return path
    scores = doc.get("review", {}).get("scores", {})
    if isinstance(scores, dict):
        for key in scores:
            if not _CRITERION_ID.fullmatch(key):
                return f"$.review.scores.{key}"
    return _bad_text(doc, "$", multiline=False)


def _bad_text(value: Any, path: str, *, multiline: bool) -> str | None:
    if isinstance(value, str):
        for ch in value:
            if ch in "\n\t" and multiline:
                continue
            if ch in _SPOOFING or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
                return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _bad_text(key, path, multiline=False) or _bad_text(
                item, f"{path}.{key}", multiline=key in _MULTILINE
            )
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _bad_text(item, f"{path}[{i}]", multiline=multiline)
            if found:
                return found
    return None


__all__ = ["printed_digests", "structure_problems", "text_problem"]
