"""Fuzz every reader of outside input with mutated real files (issue #14).

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.fuzz_readers [--cases N] [--seed S]
        [--only READER ...] [--replay READER:CASE]

The seeds are real, valid files made by the product itself: a practice session
(``reviewer.demo.practice.build_demo``) gives the pack, its manifest, the enrolment
request, response and record, the identity files, the candidates CSV (and an XLSX of the
same rows), and ``reviewer.demo.sheets`` signs the review sheets (whose ``review.json``
is a seed too); the bundled rubric files are the rubric seeds. Each case mutates one
seed: byte flips, truncation, insertion, deletion, splicing with another seed, and
mutations that know the format: JSON (wrong types, lone surrogates, huge numbers, deep
nesting, NUL bytes, duplicate and unknown keys), certificates and CSRs (DER flips,
other curves, unknown OIDs), ZIP (member names, versions, flags, methods, sizes), CSV
(encodings, NUL bytes and hostile paths in cells) and XLSX (odd zip versions).

Every case must end in one of two ways: the reader accepts the input, or it refuses it
with a ``ReviewerError`` (``verify_sheet`` refuses by returning a ``RefusedSheet``).
Anything else is a bug and is reported per reader with its type, a count and one
example (the case number, the mutation and where it was raised; ``--replay`` runs that
case again with its traceback). Exit status 1 if any case was unexpected.

Everything is written under a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import logging
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.base.errors import ReviewerError

# -- the generic mutations ------------------------------------------------------------

INTERESTING_BYTES = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x22, 0x5C, 0x0A, 0x2C, 0x3B, 0xED, 0xC0]
INTERESTING_CHUNKS = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a lone surrogate, encoded as if UTF-8 allowed it
    b"\\ud800",
    b'"',
    b"\\",
    b"{",
    b"[" * 200,
    b"9" * 400,
    b"-1",
    b"1e999",
    b"NaN",
    b"\r\n",
    b"../",
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"%%EOF\n",
    b"endobj",
    b"\xe2\x80\xae",  # RIGHT-TO-LEFT OVERRIDE
]


def _flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 4, 16))):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _set_byte(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return b"\x00"
    out = bytearray(data)
    out[rng.randrange(len(out))] = rng.choice(INTERESTING_BYTES)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    chunk = (
        rng.choice(INTERESTING_CHUNKS)
        if rng.random() < 0.7
        else bytes(rng.randrange(256) for _ in range(rng.randrange(1, 32)))
    )
    return data[:at] + chunk + data[at:]


def _delete(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randrange(1, 64) :]


def _duplicate(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randrange(1, 256)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + chunk + data[at:]


GENERIC: list[tuple[str, Callable[[random.Random, bytes], bytes]]] = [
    ("flip", _flip),
    ("set-byte", _set_byte),
    ("truncate", _truncate),
    ("insert", _insert),
    ("delete", _delete),
    ("duplicate", _duplicate),
]


def _splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    if not other:
        return data
    a = rng.randrange(len(data) + 1)
    b = rng.randrange(len(other))
    return data[:a] + other[b : b + rng.randrange(1, 4096)] + data[a + rng.randrange(0, 64) :]


# -- JSON ----------------------------------------------------------------------------

_HUGE = 10**400


def _hostile_values(rng: random.Random, current: Any) -> Any:
    choices: list[Any] = [
        None,
        True,
        False,
        0,
        -1,
        1.5,
        1e308,
        _HUGE,
        -_HUGE,
        2**63,
        "",
        "\ud800",
        "x\udfffy",
        "\x00",
        "a\x00b",
        "\u202e",
        "x" * 100_000,
        [],
        {},
        [current],
        {"x": current},
        "2026-13-45T99:99:99Z",
        "../../etc/passwd",
        "age1" + "q" * 58,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ]
    if isinstance(current, str):
        choices += [current + "\ud800", current.upper(), current[::-1], current * 2, " " + current]
    if isinstance(current, int) and not isinstance(current, bool):
        choices += [current + 1, current - 1, -current, current * 10**30, str(current)]
    return rng.choice(choices)


def _nodes(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _nodes(v, (*path, i))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _dump(rng: random.Random, doc: Any) -> bytes:
    ascii_only = rng.random() < 0.5
    text = json.dumps(doc, ensure_ascii=ascii_only, indent=rng.choice((None, 2)))
    # A lone surrogate written raw is not UTF-8; written escaped it is valid JSON text.
    return text.encode("utf-8", "surrogatepass")


def _deep(depth: int) -> str:
    """Deeply nested JSON, as text (json.dumps itself would recurse too deeply)."""
    opening = "".join('{"a":' if i % 2 else "[" for i in range(depth))
    closing = "".join("}" if i % 2 else "]" for i in reversed(range(depth)))
    return opening + "1" + closing


def mutate_json(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        doc = json.loads(json.dumps(doc))  # a private copy
    except (ValueError, RecursionError):
        return "json-unparsable", _flip(rng, data)
    paths = _nodes(doc)
    path = rng.choice(paths)
    parent_path, key = (path[:-1], path[-1]) if path else ((), None)
    kind = rng.choice(
        ("replace", "replace", "replace", "delete", "unknown-key", "duplicate-key", "deep", "pem")
    )
    if kind == "pem":
        pems = [p for p in paths if isinstance(_get(doc, p), str) and "-----BEGIN" in _get(doc, p)]
        if pems:
            p = rng.choice(pems)
            parent, k = _get(doc, p[:-1]), p[-1]
            name, parent[k] = mutate_pem(rng, parent[k])
            return f"json-pem-{name}", _dump(rng, doc)
        kind = "replace"
    if kind == "deep":
        deep = _deep(rng.choice((25, 100, 1000, 5000)))
        if key is None:
            return "json-deep", deep.encode()
        marker = "__fuzz_deep__"
        _get(doc, parent_path)[key] = marker
        text = _dump(rng, doc).decode("utf-8", "surrogatepass")
        return "json-deep", text.replace(json.dumps(marker), deep, 1).encode(
            "utf-8", "surrogatepass"
        )
    if kind == "delete" and key is not None:
        parent = _get(doc, parent_path)
        del parent[key]
        return "json-delete", _dump(rng, doc)
    if kind in ("unknown-key", "duplicate-key"):
        objects = [p for p in paths if isinstance(_get(doc, p), dict) and _get(doc, p)]
        if objects:
            target = _get(doc, rng.choice(objects))
            if kind == "unknown-key":
                target[rng.choice(("extra", "__proto__", "format", "\ud800", ""))] = 1
                return "json-unknown-key", _dump(rng, doc)
            # Duplicate a key textually: json.dumps cannot write one.
            dup = rng.choice(list(target))
            marker = "__fuzz_duplicate__"
            target[marker] = _hostile_values(rng, target[dup])
            text = _dump(rng, doc).decode("utf-8", "surrogatepass")
            text = text.replace(json.dumps(marker), json.dumps(dup), 1)
            return "json-duplicate-key", text.encode("utf-8", "surrogatepass")
        kind = "replace"
    value = _hostile_values(rng, _get(doc, path))
    if key is None:
        return "json-replace-root", _dump(rng, value)
    _get(doc, parent_path)[key] = value
    return f"json-replace-{type(value).__name__}", _dump(rng, doc)


# -- certificates and CSRs --------------------------------------------------------------

_P256_OID = bytes.fromhex("06082a8648ce3d030107")
_EC_OID = bytes.fromhex("06072a8648ce3d0201")
_OTHER_CURVE_OIDS = [
    bytes.fromhex("06082a8648ce3d030101"),  # P-192, same length
    bytes.fromhex("06082a8648ce3d030199"),  # unknown, same length
    bytes.fromhex("06082a8648ce3d030104"),  # prime239v1: OpenSSL knows it, cryptography not
    bytes.fromhex("06082a811ccf5501822d"),  # SM2, same length
    bytes.fromhex("06082b2403030208010107"),  # brainpoolP256r1 (one byte longer)
    bytes.fromhex("06052b8104000a"),  # secp256k1 (shorter)
    bytes.fromhex("06052b81040022"),  # P-384
]
_PEM_RE = re.compile(r"-----BEGIN ([A-Z ]+)-----\s*(.*?)\s*-----END \1-----", re.S)


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _swap_oid(rng: random.Random, der: bytes) -> bytes:
    """Replace the curve (or key type) OID; where the length changes, patch the outer
    SEQUENCE lengths that are written in long form (good enough to reach the parser)."""
    old = _P256_OID if rng.random() < 0.8 else _EC_OID
    new = rng.choice(_OTHER_CURVE_OIDS) if old == _P256_OID else bytes.fromhex("06032a0304")
    at = der.find(old)
    if at < 0:
        return der
    out = der[:at] + new + der[at + len(old) :]
    delta = len(new) - len(old)
    if delta:
        # Fix every enclosing two-byte-length SEQUENCE that spans the OID (cert, tbs, spki).
        buf = bytearray(out)
        i = 0
        while i < at:
            if buf[i] == 0x30 and buf[i + 1] == 0x82:
                length = struct.unpack(">H", buf[i + 2 : i + 4])[0]
                if i + 4 + length > at:
                    buf[i + 2 : i + 4] = struct.pack(">H", length + delta)
                i += 4
            elif buf[i] == 0x30 and buf[i + 1] < 0x80:
                if i + 2 + buf[i + 1] > at and 0 <= buf[i + 1] + delta < 0x80:
                    buf[i + 1] += delta
                i += 2
            else:
                i += 1
        out = bytes(buf)
    return out


def _other_key_csr_or_cert(rng: random.Random, kind: str) -> bytes:
    """A well-formed CSR or certificate with a key that is not P-256."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.x509.oid import NameOID

    choice = rng.choice(("p384", "k256", "ed25519"))
    if choice == "ed25519":
        key: Any = ed25519.Ed25519PrivateKey.generate()
        digest = None
    else:
        key = ec.generate_private_key(ec.SECP384R1() if choice == "p384" else ec.SECP256K1())
        digest = hashes.SHA256()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三")])
    if "REQUEST" in kind:
        csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, digest)
        return csr.public_bytes(serialization.Encoding.DER)
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=10))
        .sign(key, digest)
    )
    return cert.public_bytes(serialization.Encoding.DER)


def mutate_pem(rng: random.Random, text: str) -> tuple[str, str]:
    m = _PEM_RE.search(text)
    if m is None:
        return "pem-none", text + "\ud800"
    kind = m.group(1)
    try:
        der = base64.b64decode("".join(m.group(2).split()))
    except ValueError:
        return "pem-bad-base64", text
    how = rng.choice(("der-flip", "der-truncate", "oid-swap", "oid-swap", "other-key", "base64"))
    if how == "der-flip":
        der = _flip(rng, der)
    elif how == "der-truncate":
        der = _truncate(rng, der)
    elif how == "oid-swap":
        der = _swap_oid(rng, der)
    elif how == "other-key":
        der = _other_key_csr_or_cert(rng, kind)
    else:
        body = m.group(2)
        at = rng.randrange(len(body) + 1)
        new = body[:at] + rng.choice(("!", "=", "\x00", "é", "\ud800", "\n\n")) + body[at:]
        return "pem-base64", text[: m.start(2)] + new + text[m.end(2) :]
    b64 = base64.encodebytes(der).decode("ascii")
    pem = f"-----BEGIN {kind}-----\n{b64}-----END {kind}-----\n"
    return f"pem-{how}", text[: m.start()] + pem + text[m.end() :]


# -- ZIP -----------------------------------------------------------------------------


def _zip_records(data: bytes) -> list[tuple[str, int]]:
    """(kind, offset) of every local and central header."""
    found = []
    for sig, kind in ((b"PK\x03\x04", "local"), (b"PK\x01\x02", "central")):
        start = 0
        while True:
            at = data.find(sig, start)
            if at < 0:
                break
            found.append((kind, at))
            start = at + 4
    return found


# Offsets of fields in a local header (after the signature at 0) and a central one.
_LOCAL_FIELDS = {"version": (4, "H"), "flags": (6, "H"), "method": (8, "H"), "crc": (14, "L"),
                 "csize": (18, "L"), "usize": (22, "L"), "name_len": (26, "H"),
                 "extra_len": (28, "H")}  # fmt: skip
_CENTRAL_FIELDS = {"made_by": (4, "H"), "version": (6, "H"), "flags": (8, "H"),
                   "method": (10, "H"), "crc": (16, "L"), "csize": (20, "L"), "usize": (24, "L"),
                   "name_len": (28, "H"), "extra_len": (30, "H"), "comment_len": (32, "H"),
                   "disk": (34, "H"), "offset": (42, "L")}  # fmt: skip
_FIELD_VALUES = {
    "version": [0, 10, 20, 45, 46, 51, 62, 63, 64, 99, 255, 0xFFFF],
    "made_by": [0, 0x0314, 0xFF3F, 0xFFFF],
    "flags": [0, 1, 8, 0x20, 0x40, 0x800, 0xFFFF],
    "method": [0, 1, 8, 9, 12, 14, 93, 95, 99, 0xFFFF],
}


def _zip_field(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    records = _zip_records(data)
    if not records:
        return "zip-none", _flip(rng, data)
    kind, at = rng.choice(records)
    fields = _LOCAL_FIELDS if kind == "local" else _CENTRAL_FIELDS
    name = rng.choice(list(fields))
    offset, fmt = fields[name]
    size = struct.calcsize("<" + fmt)
    if at + offset + size > len(data):
        return "zip-short", data
    old = struct.unpack_from("<" + fmt, data, at + offset)[0]
    top = 0xFFFF if fmt == "H" else 0xFFFFFFFF
    options = _FIELD_VALUES.get(name, []) + [0, 1, old + 1, old - 1 if old else top, top]
    value = rng.choice(options) & top
    out = bytearray(data)
    struct.pack_into("<" + fmt, out, at + offset, value)
    return f"zip-{kind}-{name}={value}", bytes(out)


def _zip_rebuild(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """Rewrite the archive with a changed member list."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(i, archive.read(i)) for i in archive.infolist()]
    except Exception:  # noqa: BLE001 (the seed may be an already-mutated archive)
        return "zip-unreadable", _flip(rng, data)
    if not members:
        return "zip-empty", data
    how = rng.choice(("rename", "duplicate", "drop", "add", "compress", "swap-data", "comment"))
    index = rng.randrange(len(members))
    info, body = members[index]
    if how == "rename":
        new = rng.choice(
            (
                "../" + info.filename,
                "/" + info.filename,
                "C:" + info.filename,
                info.filename.replace("/", "\\"),
                info.filename + "\x00x",
                info.filename.upper(),
                info.filename + "/",
                "files/" + "0" * 64 + ".age",
                "files/../pack.json",
                "ｐａｃｋ.json",
                "x" * 300,
            )
        )
        members[index] = (_replace_zipinfo(info, new), body)
    elif how == "duplicate":
        members.insert(rng.randrange(len(members) + 1), (info, body))
    elif how == "drop":
        del members[index]
    elif how == "add":
        extra = zipfile.ZipInfo(rng.choice(("extra.txt", "files/", "files/x.age", "__MACOSX/x")))
        members.append((extra, b"hello"))
    elif how == "swap-data":
        other = rng.randrange(len(members))
        members[index], members[other] = (info, members[other][1]), (members[other][0], body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for zinfo, content in members:
            copy = zipfile.ZipInfo(zinfo.filename, date_time=zinfo.date_time)
            copy.compress_type = zinfo.compress_type
            if how == "compress" and rng.random() < 0.5:
                copy.compress_type = zipfile.ZIP_DEFLATED
            try:
                archive.writestr(copy, content)
            except (ValueError, UnicodeEncodeError):
                return f"zip-{how}-unwritable", data
        if how == "comment":
            archive.comment = rng.choice((b"x" * 65535, b"PK\x05\x06", b"\x00"))
    return f"zip-{how}", out.getvalue()


def _replace_zipinfo(info: zipfile.ZipInfo, name: str) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(name, date_time=info.date_time)
    copy.compress_type = info.compress_type
    return copy


def _zip_member(
    rng: random.Random, data: bytes, inner: Callable[[random.Random, bytes], tuple[str, bytes]]
) -> tuple[str, bytes]:
    """Mutate one member's content (with ``inner``) and rewrite the archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(i, archive.read(i)) for i in archive.infolist()]
    except Exception:  # noqa: BLE001
        return "zip-unreadable", _flip(rng, data)
    if not members:
        return "zip-empty", data
    index = rng.randrange(len(members))
    info, body = members[index]
    how, body = inner(rng, body)
    members[index] = (info, body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for zinfo, content in members:
            copy = zipfile.ZipInfo(zinfo.filename, date_time=zinfo.date_time)
            copy.compress_type = zinfo.compress_type
            archive.writestr(copy, content)
    return f"zip-member[{info.filename[:40]}]-{how}", out.getvalue()


def _any_generic(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    name, fn = rng.choice(GENERIC)
    return name, fn(rng, data)


def _member_text(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    if data[:1] in (b"{", b"[") and rng.random() < 0.6:
        return mutate_json(rng, data)
    if data.lstrip().startswith(b"<") and rng.random() < 0.6:
        return mutate_xml(rng, data)
    return _any_generic(rng, data)


def mutate_xml(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    text = data.decode("utf-8", "replace")
    how = rng.choice(("attr-value", "entity", "number", "tag"))
    if how == "attr-value":
        values = list(re.finditer(r'="([^"]*)"', text))
        if values:
            m = rng.choice(values)
            new = rng.choice(("", "-1", "99999999999999999999", "A0", "ZZ999999", "\x00", "&x;"))
            text = text[: m.start(1)] + new + text[m.end(1) :]
    elif how == "entity":
        text = text.replace("?>", '?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', 1)
    elif how == "number":
        numbers = list(re.finditer(r">(\d+)<", text))
        if numbers:
            m = rng.choice(numbers)
            text = (
                text[: m.start(1)] + rng.choice(("-1", "9" * 30, "1e999", "nan")) + text[m.end(1) :]
            )
    else:
        tags = list(re.finditer(r"</?([A-Za-z:]+)", text))
        if tags:
            m = rng.choice(tags)
            text = text[: m.start(1)] + "zz" + text[m.end(1) :]
    return f"xml-{how}", text.encode("utf-8")


def mutate_zip(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    r = rng.random()
    if r < 0.4:
        return _zip_field(rng, data)
    if r < 0.7:
        return _zip_rebuild(rng, data)
    return _zip_member(rng, data, _member_text)


# -- CSV -----------------------------------------------------------------------------

_CELL_VALUES = [
    "",
    "\x00",
    "a.pdf\x00.txt",
    "\x00/etc/passwd",
    "../candidates.csv",
    "/etc/passwd",
    "C:\\Windows\\x.pdf",
    "\\\\server\\share\\x.pdf",
    "//server/x.pdf",
    "x" * 5000,
    "是是",
    "2026.5",
    "１９９９",
    "99999999999999999999",
    "-1",
    "\ud800",
    "=cmd|' /C calc'!A0",
    "a;;;;b；c",
    "\u202egpj.exe",
    "materials",
    ".",
    "~/x.pdf",
    "CON",
    "a\\..\\..\\x.pdf",
]


def mutate_csv(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    text = data.decode("utf-8-sig", "surrogateescape")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    how = rng.choice(("cell", "cell", "cell", "encoding", "header", "row", "quote"))
    if how == "encoding":
        enc = rng.choice(("gbk", "gb18030", "utf-16", "utf-16-le", "big5", "latin-1", "utf-32"))
        try:
            return f"csv-{enc}", text.encode(enc, "replace")
        except (LookupError, UnicodeError):
            return f"csv-{enc}-failed", data
    if how == "quote":
        at = rng.randrange(len(text) + 1)
        return "csv-quote", (
            text[:at] + rng.choice(('"', '"\n"', "\r", "\x00")) + text[at:]
        ).encode("utf-8", "surrogatepass")
    if not rows:
        return "csv-empty", data
    if how == "header":
        row = rows[0]
        if row:
            i = rng.randrange(len(row))
            row[i] = rng.choice(
                (row[(i + 1) % len(row)], "", row[i] + " ", "ｉｄ", "\ud800", "代表作9标题")
            )
    elif how == "row":
        i = rng.randrange(len(rows))
        choice = rng.random()
        if choice < 0.3:
            rows.insert(i, list(rows[i]))
        elif choice < 0.6:
            rows[i] = rows[i] + ["extra"] * rng.randrange(1, 4)
        else:
            rows[i] = rows[i][: rng.randrange(len(rows[i]) + 1)]
    else:
        i = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
        row = rows[i]
        if row:
            j = rng.randrange(len(row))
            row[j] = (
                rng.choice(_CELL_VALUES)
                if rng.random() < 0.8
                else row[j] + rng.choice(_CELL_VALUES)
            )
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return f"csv-{how}", out.getvalue().encode("utf-8", "surrogatepass")


def mutate_toml(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    text = data.decode("utf-8")
    how = rng.choice(("number", "string", "key", "table"))
    if how == "number":
        spots = list(re.finditer(r"(?<=[=\[, ])\s*(-?\d+(?:\.\d+)?)", text))
        if spots:
            m = rng.choice(spots)
            new = rng.choice(
                ("1e999", "inf", "nan", "-0.0", "9" * 400, "0.0000000001", "-5", "true", '"8"')
            )
            text = text[: m.start(1)] + new + text[m.end(1) :]
    elif how == "string":
        spots = list(re.finditer(r'"([^"\\\n]*)"', text))
        if spots:
            m = rng.choice(spots)
            new = rng.choice(
                ("", "\\u0000", "\\ud800", "\\u202e", "x" * 5000, "五（九十九）", "\\t")
            )
            text = text[: m.start(1)] + new + text[m.end(1) :]
    elif how == "key":
        spots = list(re.finditer(r"^(\w+)\s*=", text, re.M))
        if spots:
            m = rng.choice(spots)
            new = rng.choice(("unknown", "id", "weight", m.group(1) + "_x"))
            text = text[: m.start(1)] + new + text[m.end(1) :]
    else:
        spots = list(re.finditer(r"^\[\[?([\w.]+)\]\]?", text, re.M))
        if spots:
            m = rng.choice(spots)
            text = text[: m.end()] + "\n" + text[m.start() : m.end()] + "\n" + text[m.end() :]
    return f"toml-{how}", text.encode("utf-8", "surrogatepass")


def mutate_pdf(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    how = rng.choice(("number", "name", "append", "xref"))
    if how == "number":
        spots = [m for m in re.finditer(rb"(?<=[ \[/])(\d{1,9})(?=[ \]R>/])", data[:2_000_000])]
        if spots:
            m = rng.choice(spots)
            new = rng.choice((b"0", b"-1", b"4294967296", b"99999999999999999999", b"1.5"))
            return "pdf-number", data[: m.start(1)] + new + data[m.end(1) :]
    if how == "name":
        spots = list(
            re.finditer(
                rb"/(Type|Subtype|Filter|Length|Names|EmbeddedFiles|ByteRange|Contents|AF)\b", data
            )
        )
        if spots:
            m = rng.choice(spots)
            new = rng.choice(
                (b"/X", b"/Length 0", b"/Filter /FlateDecode", b"/ByteRange [0 0 0 0]")
            )
            return "pdf-name", data[: m.start()] + new + data[m.end() :]
    if how == "append":
        tail = rng.choice(
            (b"\n%%EOF\n", b"junk", b"\nxref\n0 1\n0000000000 65535 f \ntrailer<<>>\n")
        )
        return "pdf-append", data + tail
    at = data.rfind(b"startxref")
    if at >= 0:
        return "pdf-xref", data[:at] + b"startxref\n" + str(
            rng.randrange(len(data))
        ).encode() + b"\n%%EOF\n"
    return "pdf-flip", _flip(rng, data)


# -- the readers ---------------------------------------------------------------------


@dataclass
class Reader:
    name: str
    seeds: list[bytes]
    run: Callable[[bytes], str]  # "accepted" or "refused"; anything else raised is a bug
    structured: Callable[[random.Random, bytes], tuple[str, bytes]] | None = None


@dataclass
class Tally:
    cases: int = 0
    accepted: int = 0
    refused: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    slowest: float = 0.0


def mutate(rng: random.Random, reader: Reader, pool: list[bytes]) -> tuple[str, bytes]:
    data = rng.choice(reader.seeds)
    steps = rng.choice((1, 1, 1, 2, 3))
    names = []
    for _ in range(steps):
        r = rng.random()
        try:
            if reader.structured is not None and r < 0.55:
                name, data = reader.structured(rng, data)
            elif r < 0.62:
                name, data = "splice", _splice(rng, data, rng.choice(pool))
            else:
                name, data = _any_generic(rng, data)
        except (ValueError, RecursionError, UnicodeError, KeyError, IndexError, struct.error):
            # The mutator could not make sense of an already-mutated input.
            name, data = "flip", _flip(rng, data)
        names.append(name)
    return "+".join(names), data


def _refused_if(fn: Callable[[bytes], object]) -> Callable[[bytes], str]:
    def run(data: bytes) -> str:
        try:
            fn(data)
        except ReviewerError:
            return "refused"
        return "accepted"

    return run


class Seeds:
    """Real inputs, made by the product in ``folder``."""

    def __init__(self, folder: Path, demo: Any = None, *, sheets: int = 4):
        from reviewer.demo.practice import DEMO_PASSPHRASE, build_demo
        from reviewer.people.identity import load_identity
        from reviewer.people.session import open_session

        self.folder = folder
        self.work = folder / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        if demo is None:
            demo = build_demo(folder / "demo", reviewers=1, candidates=6)
        self.demo = demo
        self.session = open_session(demo.session)
        self.ca_cert = self.session.ca_certificate
        home = demo.reviewers[0]
        self.unlocked = load_identity(home).unlock(DEMO_PASSPHRASE)
        self.identity_dir = home / "identity"
        self.pack = demo.pack.read_bytes()
        self.materials = demo.folder / "materials"
        self.csv = (demo.folder / "candidates.csv").read_bytes()
        self.sheet_count = sheets
        self._sheets: list[bytes] | None = None

    def sheets(self) -> list[bytes]:
        """Signed sheets, through the real export (on a copy of the reviewer's home)."""
        if self._sheets is None:
            from reviewer.demo.practice import DemoResult
            from reviewer.demo.sheets import write_demo_sheets

            copy = self.folder / "sheets-demo"
            home = copy / "reviewer"
            shutil.copytree(self.demo.reviewers[0], home)
            demo = DemoResult(copy, self.demo.session, (home,), self.demo.pack, self.demo.pack_id)
            exported = write_demo_sheets(demo)
            self._sheets = [e.path.read_bytes() for e in exported[: self.sheet_count]]
        return self._sheets


def _xlsx_from_csv(csv_bytes: bytes) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"), newline="")):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_readers(seeds: Seeds) -> list[Reader]:
    import pyrage

    from reviewer.base.resources import rubrics_dir
    from reviewer.crypto import secret_file
    from reviewer.crypto.vault import KdfParams
    from reviewer.pack.candidates import read_candidates
    from reviewer.pack.manifest import parse_manifest
    from reviewer.pack.reader import open_pack, read_header
    from reviewer.people import enrolment
    from reviewer.people.identity import SECRET_FILE, SECRET_ROLE, _secret_bytes, load_identity
    from reviewer.rubric.file import parse_rubric
    from reviewer.sheet.data import SheetData
    from reviewer.sheet.verify import RefusedSheet, verify_sheet

    work = seeds.work
    identity = seeds.unlocked.age_identity
    ca_cert = seeds.ca_cert
    session_id = seeds.session.id

    def run_pack(data: bytes) -> str:
        path = work / "fuzz.rvpack"
        path.write_bytes(data)
        try:
            read_header(path)
            with open_pack(path, identity, ca_cert, expected_session_id=session_id) as opened:
                for a in opened.manifest.attachments:
                    whole = opened.read_attachment(a.sha256)
                    # The seekable path too: it parses the age header itself.
                    with opened.open_attachment_stream(a.sha256) as stream:
                        if stream.read_at(0, a.size) != whole:
                            raise AssertionError("the stream disagrees with the whole read")
        except ReviewerError:
            return "refused"
        return "accepted"

    manifest = pyrage.decrypt(_zip_read(seeds.pack, "manifest.json.age"), [identity])

    enrolments = sorted((seeds.identity_dir / "enrolments").glob("*.json"))
    record = enrolments[0].read_bytes()
    parsed = enrolment.parse_record(record)
    response = enrolment.build_response(
        parsed.session_id,
        parsed.session_name,
        parsed.certificate,
        parsed.ca_certificate,
        seeds.session.secretariat_certificate,
    )
    request = seeds.unlocked.enrolment_request()

    # Identity: the public file (load_identity) and the key file, sealed here with the
    # cheapest parameters the reader accepts so that each case costs milliseconds, not
    # the real 64 MiB Argon2id; the mutated secret inside it is what ``unlock`` parses.
    cheap = KdfParams(salt=b"fuzz-salt-16byte", time_cost=1, memory_kib=8 * 1024, parallelism=1)
    passphrase = "demo"
    identity_home = work / "identity-home"
    folder = identity_home / "identity"
    folder.mkdir(parents=True, exist_ok=True)
    public = (seeds.identity_dir / "identity.json").read_bytes()
    secret = _secret_bytes(seeds.unlocked.age_identity, seeds.unlocked.signing_key)
    (folder / SECRET_FILE).write_bytes(secret_file.seal(secret, passphrase, SECRET_ROLE, cheap))

    def run_identity(data: bytes) -> str:
        # Half the cases mutate the public file, half the secret document.
        which, body = data[:1], data[1:]
        try:
            if which == b"P":
                (folder / "identity.json").write_bytes(body)
                load_identity(identity_home)
            else:
                (folder / "identity.json").write_bytes(public)
                sealed = secret_file.seal(body, passphrase, SECRET_ROLE, cheap)
                (folder / SECRET_FILE).write_bytes(sealed)
                load_identity(identity_home).unlock(passphrase)
        except ReviewerError:
            return "refused"
        return "accepted"

    def identity_structured(rng: random.Random, data: bytes) -> tuple[str, bytes]:
        name, body = mutate_json(rng, data[1:])
        return name, data[:1] + body

    sealed_role = "session signing key"
    sealed = secret_file.seal(b"-----BEGIN PRIVATE KEY-----\n", passphrase, sealed_role, cheap)

    def run_sealed(data: bytes) -> str:
        try:
            secret_file.open_sealed(data, passphrase, sealed_role)
        except ReviewerError:
            return "refused"
        return "accepted"

    csv_path, xlsx_path = work / "candidates.csv", work / "candidates.xlsx"
    xlsx = _xlsx_from_csv(seeds.csv)

    def run_candidates(data: bytes) -> str:
        path = xlsx_path if data.startswith(b"PK") else csv_path
        path.write_bytes(data)
        try:
            read_candidates(path, seeds.materials)
        except ReviewerError:
            return "refused"
        return "accepted"

    def candidates_structured(rng: random.Random, data: bytes) -> tuple[str, bytes]:
        if data.startswith(b"PK"):
            return mutate_zip(rng, data)
        return mutate_csv(rng, data)

    rubrics = [p.read_bytes() for p in sorted(rubrics_dir().glob("*.toml"))]

    def run_sheet(data: bytes) -> str:
        result = verify_sheet(data, ca_cert, session_id=session_id)
        return "refused" if isinstance(result, RefusedSheet) else "accepted"

    sheets = seeds.sheets()
    review_jsons = [_review_json(pdf) for pdf in sheets]

    def run_review_json(data: bytes) -> str:
        try:
            SheetData.from_json_bytes(data)
        except ReviewerError:
            return "refused"
        return "accepted"

    return [
        Reader("pack", [seeds.pack], run_pack, mutate_zip),
        Reader("manifest", [manifest], _refused_if(parse_manifest), mutate_json),
        Reader("enrolment-request", [request], _refused_if(enrolment.parse_request), mutate_json),
        Reader(
            "enrolment-response", [response], _refused_if(enrolment.parse_response), mutate_json
        ),
        Reader("enrolment-record", [record], _refused_if(enrolment.parse_record), mutate_json),
        Reader("identity", [b"P" + public, b"S" + secret], run_identity, identity_structured),
        Reader("sealed-key", [sealed], run_sealed, mutate_json),
        Reader("candidates", [seeds.csv, xlsx], run_candidates, candidates_structured),
        Reader("rubric", rubrics, _refused_if(parse_rubric), mutate_toml),
        Reader("review-json", review_jsons, run_review_json, mutate_json),
        Reader("sheet", sheets, run_sheet, mutate_pdf),
    ]


def _zip_read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def _review_json(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from reviewer.sheet.verify import _review_payloads

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    payloads = _review_payloads(reader, reader.xrefs.total_revisions - 1)
    assert payloads and len(payloads) == 1
    return payloads[0]


# -- running -------------------------------------------------------------------------


def case_rng(seed: int, reader: str, case: int) -> random.Random:
    return random.Random(f"{seed}:{reader}:{case}")


def run_case(reader: Reader, pool: list[bytes], seed: int, case: int) -> tuple[str, str, float]:
    rng = case_rng(seed, reader.name, case)
    how, data = mutate(rng, reader, pool)
    start = time.perf_counter()
    try:
        verdict = reader.run(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 (counting them is the point)
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
        verdict = f"{_type_name(exc)}|case {case}, {how}, raised at {where}"
    return verdict, how, time.perf_counter() - start


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def fuzz(
    readers: list[Reader],
    cases: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Tally]:
    pool = [s for r in readers for s in r.seeds]
    tallies: dict[str, Tally] = {}
    for reader in readers:
        tally = tallies[reader.name] = Tally()
        start = time.perf_counter()
        for case in range(cases):
            verdict, _how, seconds = run_case(reader, pool, seed, case)
            tally.cases += 1
            tally.slowest = max(tally.slowest, seconds)
            if verdict == "accepted":
                tally.accepted += 1
            elif verdict == "refused":
                tally.refused += 1
            else:
                kind, example = verdict.split("|", 1)
                tally.unexpected[kind] += 1
                tally.examples.setdefault(kind, example)
        tally.seconds = time.perf_counter() - start
        if progress is not None:
            progress(format_row(reader.name, tally))
    return tallies


def format_row(name: str, t: Tally) -> str:
    bad = sum(t.unexpected.values())
    rate = t.cases / t.seconds if t.seconds else 0.0
    return (
        f"{name:<20} {t.cases:>7} {t.accepted:>8} {t.refused:>8} {bad:>10}"
        f"   {t.seconds:7.1f} s  {rate:7.1f}/s  slowest {t.slowest:.2f} s"
    )


def report(tallies: dict[str, Tally]) -> str:
    lines = [f"{'reader':<20} {'cases':>7} {'accepted':>8} {'refused':>8} {'unexpected':>10}"]
    for name, t in tallies.items():
        lines.append(format_row(name, t))
    total = Tally()
    for t in tallies.values():
        total.cases += t.cases
        total.accepted += t.accepted
        total.refused += t.refused
        total.unexpected.update(t.unexpected)
        total.seconds += t.seconds
        total.slowest = max(total.slowest, t.slowest)
    lines.append(format_row("TOTAL", total))
    for name, t in tallies.items():
        for kind, count in t.unexpected.most_common():
            lines.append(f"  {name}: {kind} x{count}: {t.examples[kind]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per reader")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", nargs="+", metavar="READER", help="only these readers")
    parser.add_argument("--replay", metavar="READER:CASE", help="run one case with its traceback")
    args = parser.parse_args(argv)

    from reviewer.base.i18n import set_language

    set_language("en")
    # Library warnings (pyHanko on every mangled signature) would drown the table.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")  # zipfile's "Duplicate name" and the like
    with tempfile.TemporaryDirectory(prefix="reviewer-fuzz-") as tmp:
        started = time.perf_counter()
        print("building the seeds (a practice session and its sheets)...", flush=True)
        readers = build_readers(Seeds(Path(tmp)))
        if args.only:
            unknown = set(args.only) - {r.name for r in readers}
            if unknown:
                parser.error(f"unknown readers: {', '.join(sorted(unknown))}")
            readers = [r for r in readers if r.name in args.only]
        print(f"seeds ready in {time.perf_counter() - started:.1f} s", flush=True)
        if args.replay:
            name, _, number = args.replay.partition(":")
            reader = next(r for r in readers if r.name == name)
            pool = [s for r in readers for s in r.seeds]
            how, data = mutate(case_rng(args.seed, name, int(number)), reader, pool)
            print(f"mutation: {how} ({len(data)} bytes)")
            print(f"result: {reader.run(data)}")
            return 0
        print(f"{args.cases} cases per reader, seed {args.seed}", flush=True)
        tallies = fuzz(
            readers, args.cases, args.seed, progress=lambda line: print(line, flush=True)
        )
    print()
    print(report(tallies))
    return 1 if any(t.unexpected for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
