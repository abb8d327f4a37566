"""Trim the ICU data library in the Linux bundle down to the items Qt uses here.

PySide6's Linux wheels carry ICU (libicuuc, libicui18n and libicudata.so.NN, pulled in
by libQt6Core). libicudata is nothing but one exported object, ``icudtNN_dat``: an ICU
"common data" package (a header, then a table of contents naming every item, then the
items). The full package is 30.6 MiB; the app needs 1.5 MiB of it. This module rewrites
the package keeping only the items that ``KEEP`` names, and links a replacement
libicudata.so.NN with the same SONAME exporting the same symbol.

    python packaging/icu_data.py trim dist/reviewer-workstation   # packaging/build.sh
    python packaging/icu_data.py list LIBICUDATA                  # items and sizes

Linux only: the Windows bundle uses the ICU that Windows itself ships (icu.dll), so it
has no libicudata to trim. Anything this module does not understand (not ELF64 little
endian, not exactly one ``icudtNN_dat``, a package other than "CmnD" version 1, items
out of order, a KEEP pattern matching nothing...) stops it with an error before the
library is replaced: the bundle then keeps the full data, and works, only bigger.

What Qt 6 uses ICU data for, and what is kept
---------------------------------------------
Qt links ICU for a handful of features; item by item:

- Collation (QCollator, QString::localeAwareCompare): KEPT for Chinese and English.
  The app never sorts through a collator itself (its tables sort with plain string
  comparison), but Qt's own file dialog (the widget one, which Qt shows on Linux when
  no desktop portal offers a native dialog) lists a folder through QFileSystemModel,
  which sorts names with a numeric, case-insensitive QCollator in the default locale:
  zh_CN or en, set by ui/translation.py. ucol_open() reads the root order
  (coll/ucadata.icu, coll/root.res), then the locale's tailoring: coll/zh.res (0.7 MiB:
  pinyin, the default for zh, plus stroke and the other Chinese orders) or coll/en.res
  (an empty stub leading to root). Also kept, for 1.4 KB: the coll/zh_* aliases
  (zh_CN -> zh_Hans_CN -> zh_Hans -> zh, zh_TW -> zh_Hant_TW -> zh_Hant, ...) and
  coll/en_US.res, so the answers are the same whether a Qt version asks ICU for "zh"
  or "zh_CN", "en" or "en_US". Every other language's tailoring is dropped: such a
  locale gets the root order (Swedish would sort Ä with A instead of after Z, Japanese
  kanji by code point), and so is coll/res_index.res (the list of collation locales,
  read only to enumerate them).
- Case mapping (QLocale::toUpper/toLower, QString::toUpper): no item. The case data
  is compiled into libicuuc; the locale only picks code paths (Turkish dotted i,
  Lithuanian, Greek).
- Normalisation and character properties: no item. Qt has its own tables, and what
  collation needs (NFC, core properties) is compiled into libicuuc. Dropped:
  nfkc*.nrm, uts46.nrm, unames.icu (character names), ulayout, uemoji, confusables.
- IDNA (QUrl::toAce/fromAce): no item; Qt 6 implements UTS #46 and Punycode itself.
- Text boundaries (QTextBoundaryFinder, line breaking in QTextLayout): no item; Qt
  uses its own qunicodetools and HarfBuzz. The brkitr/ tree (3.2 MiB of rules and
  dictionaries) is never opened.
- Codecs (QStringDecoder/QStringEncoder by name for a non-UTF encoding such as
  GB18030): DROPPED. Qt 6 on Linux treats the system and file-name encoding as UTF-8,
  UTF-8/16/32 and Latin-1 are built into Qt, and the app reads and writes files
  through Python. The converter tables (*.cnv, 4.9 MiB) and cnvalias.icu go; a
  QStringDecoder("GB18030") is then invalid (isValid() false) instead of decoding, and
  QStringConverter::availableCodecs() lists fewer names.
- Time zone names (QTimeZone::displayName, zone names in QLocale::LongFormat): DROPPED.
  Qt reads zones from the system tz database and only asks ICU for display names,
  which the app never shows (the file dialog's date column is QLocale::ShortFormat,
  which has no zone). zoneinfo64.res, metaZones.res, timezoneTypes.res, the zone/
  tree and the locale bundles they pull in go; a display name comes back empty or as
  the IANA id ("Etc/UTC") instead of "协调世界时".
- Locale data (lang/, region/, curr/, unit/, rbnf/, translit/, the main-tree bundles
  root.res, pool.res, zh.res..., likelySubtags, supplementalData): DROPPED. Qt formats
  numbers, dates and language names from its own CLDR tables, and the collation
  fallback above never reads the main tree.

The empirical check: with a stub library whose table of contents is empty (``stub``),
the real items unpacked as files (``unpack``) and ICU_DATA pointing at them, ``strace
-f -e trace=openat`` shows which items ICU opens. Over the app's self-test (zh and
en), the UI test suite, a non-native QFileDialog listing Chinese, English and numbered
names in zh_CN and en (list and detail views, sorted both ways), QCollator in zh_CN,
zh, zh_Hans, en_US, en (plain and numeric, sort keys) and QLocale case mapping in
zh_CN, en_US, tr_TR, el_GR, lt_LT, on PySide6 6.12 and 6.9.3 (both ship the same ICU
73 library), ICU opened exactly coll/ucadata.icu, coll/root.res, coll/zh.res and
coll/en.res; a zh_TW/zh_HK collator also opens the zh_Hant aliases kept above. With
the trimmed library every one of those sorts and case mappings gives the same result
as with the full data (tests/test_icu_data.py checks the main ones). Redo the check
after a PySide6 or ICU upgrade.

The package format (ICU's icupkg writes it; udata.cpp and ucmndata.cpp read it), all
little-endian here:
    header:   uint16 headerSize, 0xda, 0x27, UDataInfo (20 bytes: ..., "CmnD", format
              1.x), a copyright string, NUL-padded to a multiple of 16
    ToC:      uint32 count, count x (uint32 nameOffset, uint32 dataOffset), both from
              the start of the ToC; then the names "icudtNNl/coll/zh.res\\0"..., sorted
              by byte value (ICU binary-searches them), 0xaa-padded so the first item
              starts 16-aligned
    items:    each an ICU data file (its own 0xda27 header), each padded with 0xaa to a
              multiple of 16; an item's length is the distance to the next one
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Items kept, as patterns over the item name after the package prefix ("icudt73l/"):
# collation for the file dialog in Chinese and English. The reasons, and what else
# ICU could give Qt, are in the module docstring.
KEEP = [
    "coll/ucadata.icu",  # the root collation order (DUCET as CLDR tailors it)
    "coll/root.res",  # the root collation bundle, where every locale's fallback ends
    "coll/zh.res",  # pinyin (and stroke, zhuyin...) for Chinese
    "coll/zh_*.res",  # the aliases leading there: zh_CN, zh_Hans, zh_TW, zh_Hant...
    "coll/en.res",  # English: no tailoring (80 bytes), found as itself, not by fallback
    "coll/en_US.res",
]

ALIGN = 16  # ICU aligns every item, and the data symbol, to 16 bytes
PAD = b"\xaa"  # icupkg's padding byte between and after items
SYMBOL = re.compile(rb"icudt(\d+)_dat")
SONAME = "libicudata.so.{version}"


class IcuDataError(Exception):
    """The library or package is not in a layout this module understands."""


# --- the ELF shared object -------------------------------------------------------------


@dataclass(frozen=True)
class DataLibrary:
    """Where the package sits inside a libicudata.so.NN."""

    path: Path
    version: str  # "73", from the symbol icudt73_dat
    symbol: str
    soname: str
    machine: int  # ELF e_machine, to check the rebuilt library matches
    offset: int  # file offset of the symbol's bytes
    size: int

    def package_bytes(self) -> bytes:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read(self.size)
        if len(data) != self.size:
            raise IcuDataError(f"{self.path}: file ends inside {self.symbol}")
        return data


@dataclass(frozen=True)
class _Section:
    type: int
    addr: int
    offset: int
    size: int
    link: int
    entsize: int


_SHT_PROGBITS, _SHT_DYNAMIC, _SHT_DYNSYM, _SHT_NOBITS = 1, 6, 11, 8
_DT_NULL, _DT_SONAME = 0, 14


def _entries(section: _Section, size: int) -> range:
    """File offsets of a table section's whole entries (a ragged end is ignored)."""
    return range(section.offset, section.offset + section.size - size + 1, size)


def read_library(path: Path) -> DataLibrary:
    """Find ``icudtNN_dat`` and the SONAME in an ELF64 little-endian shared object,
    through its section headers (.dynsym and .dynamic; PyInstaller's strip keeps them)."""
    path = Path(path)
    with open(path, "rb") as f:
        elf = f.read()

    def fail(why: str) -> IcuDataError:
        return IcuDataError(f"{path}: {why}")

    if elf[:4] != b"\x7fELF":
        raise fail("not an ELF file")
    if len(elf) < 64:
        raise fail("truncated ELF header")
    if elf[4] != 2 or elf[5] != 1:
        raise fail("not a 64-bit little-endian ELF file (the only kind this handles)")
    e_type, e_machine = struct.unpack_from("<HH", elf, 16)
    e_shoff = struct.unpack_from("<Q", elf, 40)[0]
    e_shentsize, e_shnum = struct.unpack_from("<HH", elf, 58)
    if e_type != 3:
        raise fail("not a shared object")
    if e_shentsize != 64 or e_shnum == 0 or e_shoff + 64 * e_shnum > len(elf):
        raise fail("no usable section headers")
    sections = []
    for i in range(e_shnum):
        _name, sh_type, _flags, addr, offset, size, link, _info, _align, entsize = (
            struct.unpack_from("<IIQQQQIIQQ", elf, e_shoff + 64 * i)
        )
        if sh_type != _SHT_NOBITS and offset + size > len(elf):
            raise fail(f"section {i} runs past the end of the file")
        sections.append(_Section(sh_type, addr, offset, size, link, entsize))

    def string(table: _Section, at: int) -> bytes:
        start = table.offset + at
        end = elf.find(b"\0", start, table.offset + table.size)
        if at >= table.size or end < 0:
            raise fail("bad string table reference")
        return elf[start:end]

    def linked(s: _Section) -> _Section:
        if s.link >= len(sections):
            raise fail("bad section link")
        return sections[s.link]

    dynsym = [s for s in sections if s.type == _SHT_DYNSYM]
    if len(dynsym) != 1 or dynsym[0].entsize != 24:
        raise fail("no dynamic symbol table")
    found = []
    strtab = linked(dynsym[0])
    for at in _entries(dynsym[0], 24):
        st_name, _info, _other, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", elf, at)
        name = string(strtab, st_name)
        if SYMBOL.fullmatch(name) and st_shndx != 0:
            found.append((name.decode(), st_shndx, st_value, st_size))
    if len(found) != 1:
        raise fail(f"expected one icudtNN_dat symbol, found {[f[0] for f in found]}")
    symbol, shndx, value, size = found[0]
    if shndx >= len(sections) or sections[shndx].type != _SHT_PROGBITS:
        raise fail(f"{symbol} is not in a section with file contents")
    home = sections[shndx]
    if not (home.addr <= value and value + size <= home.addr + home.size):
        raise fail(f"{symbol} does not fit its section")
    version = SYMBOL.fullmatch(symbol.encode()).group(1).decode()

    sonames = []
    for dynamic in (s for s in sections if s.type == _SHT_DYNAMIC):
        for at in _entries(dynamic, 16):
            tag, val = struct.unpack_from("<qQ", elf, at)
            if tag == _DT_NULL:
                break
            if tag == _DT_SONAME:
                sonames.append(string(linked(dynamic), val).decode(errors="replace"))
    expected = SONAME.format(version=version)
    if sonames != [expected]:
        raise fail(f"SONAME is {sonames or 'missing'}, expected {expected} for {symbol}")
    return DataLibrary(
        path, version, symbol, expected, e_machine, home.offset + value - home.addr, size
    )


# --- the ICU common-data package ------------------------------------------------------


@dataclass
class Package:
    header: bytes  # kept as it is: headerSize, magic, UDataInfo, copyright, padding
    prefix: str  # "icudt73l/": package name and type letter, before every item name
    items: dict[str, bytes]  # name after the prefix -> the item, padded to 16


def parse(data: bytes, version: str | None = None) -> Package:
    """Check and split a "CmnD" package; ``version`` (the NN of icudtNN_dat) must
    match the item prefix when given."""

    def fail(why: str) -> IcuDataError:
        return IcuDataError(f"ICU data package: {why}")

    if len(data) < 24 or data[2:4] != b"\xda\x27":
        raise fail("no ICU data header (magic 0xda27)")
    header_size, info_size = struct.unpack_from("<H", data, 0)[0], data[4] | data[5] << 8
    big_endian, charset, sizeof_uchar = data[8], data[9], data[10]
    data_format, format_version = data[12:16], data[16]
    if (big_endian, charset, sizeof_uchar) != (0, 0, 2):
        raise fail("not little-endian ASCII data (type 'l')")
    if data_format != b"CmnD" or format_version != 1:
        raise fail(f"format {data_format!r} version {format_version}, not CmnD version 1")
    if info_size < 20 or header_size < 4 + info_size or header_size % ALIGN:
        raise fail(f"unexpected header size {header_size}")
    toc = data[header_size:]
    if len(toc) < 4:
        raise fail("truncated before the table of contents")
    count = struct.unpack_from("<I", toc, 0)[0]
    if count == 0 or 4 + 8 * count > len(toc):
        raise fail(f"table of contents of {count} items does not fit")
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    names = []
    for name_offset, _ in entries:
        end = toc.find(b"\0", name_offset, entries[0][1])
        if not 4 + 8 * count <= name_offset < end:
            raise fail("an item name lies outside the name table")
        if not re.fullmatch(rb"[!-~]+", toc[name_offset:end]):
            raise fail("an item name is not printable ASCII")
        names.append(toc[name_offset:end])
    if names != sorted(set(names)):
        raise fail("item names are not sorted and unique (ICU binary-searches them)")
    prefix = names[0].split(b"/", 1)[0] + b"/"
    if not re.fullmatch(rb"icudt\d+l/", prefix) or not all(n.startswith(prefix) for n in names):
        raise fail(f"item names do not share one icudtNNl/ prefix ({prefix!r})")
    if version is not None and prefix != f"icudt{version}l/".encode():
        raise fail(f"items are named {prefix.decode()}..., not icudt{version}l/")
    offsets = [o for _, o in entries] + [len(toc)]
    items = {}
    for name, start, end in zip(names, offsets, offsets[1:], strict=False):
        if start % ALIGN or end <= start or end > len(toc):
            raise fail(f"{name.decode()} has a bad offset or length (truncated package?)")
        item = toc[start:end]
        if len(item) < 24 or item[2:4] != b"\xda\x27":
            raise fail(f"{name.decode()} is not an ICU data item (truncated package?)")
        items[name[len(prefix) :].decode("ascii")] = item
    return Package(data[:header_size], prefix.decode(), items)


def to_bytes(package: Package) -> bytes:
    """The package as icupkg would write it: with every item of the input, the result is
    byte for byte the input."""
    names = sorted(package.items, key=str.encode)  # byte order, as ICU's strcmp sees it
    count = len(names)
    table = b"".join((package.prefix + n).encode() + b"\0" for n in names)
    names_start = 4 + 8 * count
    first_item = -(-(names_start + len(table)) // ALIGN) * ALIGN
    entries, name_at, item_at = [], names_start, first_item
    items = []
    for n in names:
        item = package.items[n]
        item += PAD * (-len(item) % ALIGN)
        entries.append(struct.pack("<II", name_at, item_at))
        name_at += len(package.prefix) + len(n) + 1
        item_at += len(item)
        items.append(item)
    toc_head = struct.pack("<I", count) + b"".join(entries) + table
    toc_head += PAD * (first_item - len(toc_head))
    return package.header + toc_head + b"".join(items)


def kept(package: Package, patterns: list[str] = KEEP) -> Package:
    names = [n for n in package.items if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    return Package(package.header, package.prefix, {n: package.items[n] for n in names})


# --- building the replacement library -------------------------------------------------

# What ICU's own genccode writes for GNU toolchains: the package as one read-only,
# 16-aligned, global object of known size. `as` and `ld` are binutils, which PyInstaller
# needs on Linux anyway (.ci/run installs it); no C compiler is involved.
_ASSEMBLY = """\
    .section .rodata
    .balign {align}
    .globl {symbol}
    .type {symbol}, %object
    .size {symbol}, {size}
{symbol}:
    .incbin "{data}"
    .section .note.GNU-stack, "", %progbits
"""


def build_library(package: bytes, like: DataLibrary, out: Path) -> None:
    """Link ``out``: a shared object with like's SONAME exporting like's symbol, whose
    bytes are ``package``; then read it back to prove it."""
    for tool in ("as", "ld"):
        if shutil.which(tool) is None:
            raise IcuDataError(f"`{tool}` not found: install binutils")
    out = Path(out).absolute()
    with tempfile.TemporaryDirectory(prefix="icu-data-") as tmp:
        Path(tmp, "package.dat").write_bytes(package)
        Path(tmp, "data.s").write_text(
            _ASSEMBLY.format(align=ALIGN, symbol=like.symbol, size=len(package), data="package.dat")
        )
        for command in (
            ["as", "-o", "data.o", "data.s"],
            ["ld", "-shared", "-soname", like.soname, "--build-id", "-z", "noexecstack",
             "--hash-style=gnu", "-s", "-o", str(out), "data.o"],
        ):  # fmt: skip
            done = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
            if done.returncode != 0:
                raise IcuDataError(f"{command[0]} failed: {done.stderr.strip()}")
    built = read_library(out)
    if (built.symbol, built.soname, built.machine) != (like.symbol, like.soname, like.machine):
        raise IcuDataError(f"{out}: the rebuilt library does not match {like.path}")
    if built.offset % ALIGN or built.package_bytes() != package:
        raise IcuDataError(f"{out}: the package did not survive linking intact")


def trim_library(path: Path, patterns: list[str] = KEEP) -> tuple[Package, Package]:
    """Replace the library at ``path`` (a real file) with a trimmed one; returns the
    packages before and after. On any error the file is left as it was."""
    library = read_library(path)
    full = parse(library.package_bytes(), library.version)
    trimmed = kept(full, patterns)
    missing = [p for p in patterns if not any(fnmatch.fnmatchcase(n, p) for n in trimmed.items)]
    if missing:
        raise IcuDataError(f"{path}: no item matches {missing}; has the ICU layout changed?")
    temporary = path.with_name(path.name + ".trimmed")
    try:
        build_library(to_bytes(trimmed), library, temporary)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return full, trimmed


def bundle_libraries(folder: Path) -> list[Path]:
    """The real libicudata.so.NN files in a bundle; symlinks to them stay as they are."""
    found = Path(folder).rglob("libicudata.so*")
    return sorted(p for p in found if p.is_file() and not p.is_symlink())


# --- command line ---------------------------------------------------------------------

USAGE = """\
usage: icu_data.py trim BUNDLE_FOLDER   replace the bundle's libicudata with a trimmed one
       icu_data.py list LIB             the items in a libicudata.so.NN, with sizes
       icu_data.py unpack LIB FOLDER    write the items out as files, for ICU_DATA=FOLDER
       icu_data.py stub LIB OUT         write a library like LIB with no items at all"""


def main(argv: list[str]) -> int:
    if len(argv) < 2 or (argv[0], len(argv)) not in {
        ("trim", 2),
        ("list", 2),
        ("unpack", 3),
        ("stub", 3),
    }:
        print(USAGE, file=sys.stderr)
        return 2
    command, target = argv[0], Path(argv[1])
    if command == "trim":
        if not target.is_dir():
            print(f"icu_data.py trim: {target} is not a folder", file=sys.stderr)
            return 1
        if not bundle_libraries(target):
            print(f"icu data: no libicudata in {target}, nothing to trim")
        for path in bundle_libraries(target):
            before = path.stat().st_size
            try:
                full, trimmed = trim_library(path)
            except (IcuDataError, OSError) as error:
                print(f"icu_data.py trim: {error}; the library was left as it was", file=sys.stderr)
                return 1
            print(
                f"icu data: {path.relative_to(target)}: {before / 2**20:.1f} MiB, "
                f"{len(full.items)} items -> {path.stat().st_size / 2**20:.1f} MiB, "
                f"{len(trimmed.items)} items"
            )
        return 0
    try:
        library = read_library(target)
        package = parse(library.package_bytes(), library.version)
        if command == "list":
            kept_bytes = 0
            for name, item in package.items.items():
                keep = any(fnmatch.fnmatchcase(name, p) for p in KEEP)
                kept_bytes += len(item) if keep else 0
                print(f"{len(item):>10}  {'keep' if keep else '-':4}  {name}")
            print(
                f"{len(package.items)} items, {library.size} bytes ({library.symbol}); "
                f"KEEP selects {len(kept(package).items)} items, {kept_bytes} bytes"
            )
        elif command == "unpack":
            for name, item in package.items.items():
                out = Path(argv[2], package.prefix, name)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(item)
        else:  # stub
            build_library(to_bytes(Package(package.header, package.prefix, {})), library,
                          Path(argv[2]))  # fmt: skip
        return 0
    except (IcuDataError, OSError) as error:
        print(f"icu_data.py {command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
