"""packaging/icu_data.py: the ICU data package survives a round trip byte for byte, the
trimmed libicudata sorts exactly like the full one when the real PySide6 loads it, and
anything it does not understand is refused with the file left as it was."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_module():
    spec = importlib.util.spec_from_file_location("icu_data", ROOT / "packaging" / "icu_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


icu = _load_module()


def _wheel_library() -> Path | None:
    """The libicudata.so.NN in the installed PySide6 wheel, if it carries one."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not sys.platform.startswith("linux"):
        return None
    found = sorted((Path(spec.origin).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None


WHEEL_LIBRARY = _wheel_library()
pytestmark = pytest.mark.skipif(WHEEL_LIBRARY is None, reason="no ICU in this PySide6 wheel")

# Chinese names in pinyin order (a, bao, li, qian, wang, zhang, zhao), then English.
PINYIN = ["阿明", "报告1", "李四", "钱七", "王五", "张三", "赵六"]
NAMES = [*reversed(PINYIN), "报告10", "报告2", "File10.txt", "file2.txt", "apple", "Banana"]
NAMES += ["éclair", "45", "123"]

# Run by the real PySide6 in a subprocess whose LD_LIBRARY_PATH puts a folder holding
# only a libicudata.so.NN first: libicuuc finds its libicudata through RUNPATH $ORIGIN,
# which the dynamic linker consults only after LD_LIBRARY_PATH. The script reports the
# libicudata it really mapped, QCollator orders, and QFileSystemModel's order (what
# Qt's file dialog shows) in the two languages the app offers.
SORT_SCRIPT = """
import functools, json, sys
from pathlib import Path
from PySide6.QtCore import QCollator, QEventLoop, QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileSystemModel

names, folder = json.loads(sys.argv[1]), Path(sys.argv[2])
app = QApplication([])
out = {"mapped": sorted({l.split()[-1] for l in open("/proc/self/maps") if "libicudata" in l})}
for locale in ["zh_CN", "en_US"]:
    for numeric in (False, True):
        c = QCollator(QLocale(locale))
        c.setNumericMode(numeric)
        c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        out[f"{locale} numeric={numeric}"] = sorted(names, key=functools.cmp_to_key(c.compare))
out["zh_CN sort keys"] = sorted(names, key=QCollator(QLocale("zh_CN")).sortKey)
for name in names:
    (folder / name).touch()
for language in ["zh_CN", "en"]:
    QLocale.setDefault(QLocale(language))
    model, loop, poll = QFileSystemModel(), QEventLoop(), QTimer(interval=20)
    root = model.setRootPath(str(folder))  # listed by a thread: wait for every name
    poll.timeout.connect(lambda: model.rowCount(root) >= len(names) and loop.quit())
    poll.start()
    QTimer.singleShot(10000, loop.quit)
    loop.exec()
    poll.stop()
    model.sort(0, Qt.SortOrder.AscendingOrder)
    rows = range(model.rowCount(root))
    out[f"file dialog {language}"] = [model.index(r, 0, root).data() for r in rows]
out["upper"] = [QLocale(l).toUpper("istanbul straße") for l in ("zh_CN", "en_US", "tr_TR")]
print(json.dumps(out))
"""


def sort_with(library: Path | None, tmp_path: Path) -> dict:
    """SORT_SCRIPT's answers with ``library`` as libicudata (None: the wheel's own)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    env.pop("ICU_DATA", None)
    if library is not None:
        folder = tmp_path / "lib"
        folder.mkdir()
        (folder / WHEEL_LIBRARY.name).symlink_to(library.resolve())
        env["LD_LIBRARY_PATH"] = str(folder)
    files = tmp_path / "files"
    files.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", SORT_SCRIPT, json.dumps(NAMES), str(files)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    expected = library.resolve() if library is not None else WHEEL_LIBRARY.resolve()
    assert answers.pop("mapped") == [str(expected)]
    # Qt says so on stderr when ICU cannot open a collator (and compares code points).
    return answers | {"collator failures": done.stderr.count("Could not create collator")}


@pytest.fixture(scope="module")
def full() -> tuple[object, bytes]:
    library = icu.read_library(WHEEL_LIBRARY)
    return library, library.package_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    return sort_with(None, tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def trimmed(tmp_path_factory) -> Path:
    """A copy of the wheel's library, trimmed in place the way the bundle's is."""
    path = tmp_path_factory.mktemp("trimmed") / WHEEL_LIBRARY.name
    shutil.copy2(WHEEL_LIBRARY, path)
    icu.trim_library(path)
    return path


def test_the_library_is_understood(full):
    library, data = full
    assert library.symbol == f"icudt{library.version}_dat"
    assert library.soname == WHEEL_LIBRARY.name == f"libicudata.so.{library.version}"
    assert len(data) == library.size > 20 * 2**20


def test_round_trip_is_byte_identical(full):
    library, data = full
    package = icu.parse(data, library.version)
    assert len(package.items) > 1000 and "coll/zh.res" in package.items
    assert icu.to_bytes(package) == data


def test_the_trimmed_package_keeps_exactly_the_kept_items_aligned(full):
    library, data = full
    package = icu.parse(data, library.version)
    small = icu.kept(package)
    out = icu.to_bytes(small)
    again = icu.parse(out, library.version)  # which refuses an item not 16-aligned
    assert again.items == small.items
    chinese_and_english = ("coll/zh", "coll/en.", "coll/en_US.")
    assert sorted(again.items) == sorted(
        [n for n in package.items if n.startswith(chinese_and_english)]
        + ["coll/root.res", "coll/ucadata.icu"]
    )
    assert again.header == package.header
    assert len(out) < 2 * 2**20


def test_the_trimmed_library_links_like_the_original(trimmed):
    library = icu.read_library(trimmed)
    original = icu.read_library(WHEEL_LIBRARY)
    assert (library.symbol, library.soname, library.machine) == (
        original.symbol,
        original.soname,
        original.machine,
    )
    assert library.offset % 16 == 0
    assert trimmed.stat().st_size < 2 * 2**20
    assert os.access(trimmed, os.X_OK)  # the mode of the file it replaced


def test_the_reference_sorts_chinese_by_pinyin(reference):
    zh = reference["zh_CN numeric=True"]
    assert [n for n in zh if n in PINYIN] == PINYIN
    assert zh.index("报告2") < zh.index("报告10")
    assert reference["file dialog zh_CN"] == zh  # numeric, case-insensitive, like the dialog
    en = reference["en_US numeric=True"]
    assert en[:2] == ["45", "123"] and en.index("file2.txt") < en.index("File10.txt")


def test_pyside6_sorts_with_the_trimmed_library_as_with_the_full_one(trimmed, reference, tmp_path):
    assert sort_with(trimmed, tmp_path) == reference


def test_pyside6_sorts_with_a_full_rebuilt_library_as_with_the_original(full, reference, tmp_path):
    library, data = full
    rebuilt = tmp_path / "rebuilt" / WHEEL_LIBRARY.name
    rebuilt.parent.mkdir()
    icu.build_library(data, library, rebuilt)
    assert sort_with(rebuilt, tmp_path) == reference


def test_control_without_the_collation_items_the_order_changes(full, reference, tmp_path):
    """The check above can fail: with no items at all Qt cannot open a collator."""
    library, data = full
    empty = icu.Package(icu.parse(data).header, f"icudt{library.version}l/", {})
    stub = tmp_path / "stub" / WHEEL_LIBRARY.name
    stub.parent.mkdir()
    icu.build_library(icu.to_bytes(empty), library, stub)
    answers = sort_with(stub, tmp_path)
    assert answers["collator failures"] > 0 and reference["collator failures"] == 0
    assert answers["file dialog zh_CN"] != reference["file dialog zh_CN"]


def test_trim_command_on_a_bundle_keeps_the_symlink(full, tmp_path, capsys):
    lib = tmp_path / "bundle" / "_internal" / "PySide6" / "Qt" / "lib"
    lib.mkdir(parents=True)
    shutil.copy2(WHEEL_LIBRARY, lib)
    link = tmp_path / "bundle" / "_internal" / WHEEL_LIBRARY.name
    link.symlink_to(Path("PySide6", "Qt", "lib", WHEEL_LIBRARY.name))
    assert icu.main(["trim", str(tmp_path / "bundle")]) == 0
    out = capsys.readouterr().out
    count = len(icu.kept(icu.parse(full[1])).items)
    assert re.search(rf"MiB, \d+ items -> 1\.\d MiB, {count} items", out), out
    assert link.is_symlink() and link.resolve() == (lib / WHEEL_LIBRARY.name).resolve()
    assert icu.read_library(link).size < 2 * 2**20
    assert not list(lib.glob("*.trimmed"))


def test_the_icu_version_is_taken_from_the_library(full, tmp_path):
    """Nothing is tied to ICU 73: an icudt99_dat in libicudata.so.99 is trimmed as such."""
    library, data = full
    small = icu.kept(icu.parse(data))
    other = icu.Package(small.header, "icudt99l/", small.items)
    like = dataclasses.replace(
        library, version="99", symbol="icudt99_dat", soname="libicudata.so.99"
    )
    path = tmp_path / "libicudata.so.99"
    icu.build_library(icu.to_bytes(other), like, path)
    icu.trim_library(path)
    again = icu.read_library(path)
    assert (again.version, again.symbol, again.soname) == ("99", "icudt99_dat", "libicudata.so.99")
    assert icu.parse(again.package_bytes(), "99").items == small.items


# --- hostile input: a clear error, and the file untouched ------------------------------


def _refused(path: Path, capsys, *words: str) -> None:
    """``list`` names the problem; ``trim`` on a bundle holding a copy of ``path`` fails,
    says the library was left as it was, and leaves every byte and no temporary file."""
    before = path.read_bytes()
    assert icu.main(["list", str(path)]) == 1
    error = capsys.readouterr().err
    assert all(w in error for w in words), error
    bundle = path.parent / "bundle"
    bundle.mkdir()
    (bundle / path.name).symlink_to(path)  # a symlink is never rewritten
    inner = bundle / "lib" / path.name
    inner.parent.mkdir()
    shutil.copy2(path, inner)
    assert icu.main(["trim", str(bundle)]) == 1
    assert "left as it was" in capsys.readouterr().err
    assert inner.read_bytes() == before and path.read_bytes() == before
    assert [p.name for p in inner.parent.iterdir()] == [path.name]


def test_a_soname_that_does_not_match_the_symbol_is_refused(full, tmp_path):
    library, data = full
    like = dataclasses.replace(library, soname="libicudata.so.98")
    wrong = rf"SONAME is \['libicudata.so.98'\], expected libicudata.so.{library.version}"
    with pytest.raises(icu.IcuDataError, match=wrong):
        icu.build_library(data[:4096], like, tmp_path / "libicudata.so.98")


def test_a_library_lacking_a_kept_item_is_refused(full, tmp_path, capsys):
    library, data = full
    package = icu.kept(icu.parse(data))
    del package.items["coll/zh.res"]
    path = tmp_path / "bundle" / WHEEL_LIBRARY.name
    path.parent.mkdir()
    icu.build_library(icu.to_bytes(package), library, path)
    before = path.read_bytes()
    assert icu.main(["trim", str(path.parent)]) == 1
    error = capsys.readouterr().err
    assert "no item matches ['coll/zh.res']" in error and "left as it was" in error
    assert path.read_bytes() == before


def test_not_an_elf_file_is_refused(tmp_path, capsys):
    path = tmp_path / WHEEL_LIBRARY.name
    path.write_bytes(b"#!/bin/sh\necho not a library\n" * 10)
    _refused(path, capsys, "not an ELF file")


def test_a_library_without_the_data_symbol_is_refused(tmp_path, capsys):
    # libicuuc imports icudtNN_dat but does not define it.
    path = tmp_path / WHEEL_LIBRARY.name
    shutil.copy2(WHEEL_LIBRARY.with_name(WHEEL_LIBRARY.name.replace("data", "uc")), path)
    _refused(path, capsys, "expected one icudtNN_dat symbol")


def test_a_truncated_file_is_refused(tmp_path, capsys):
    path = tmp_path / WHEEL_LIBRARY.name
    path.write_bytes(WHEEL_LIBRARY.read_bytes()[: 8 * 2**20])
    _refused(path, capsys, "no usable section headers")


def test_a_truncated_package_is_refused(full, tmp_path, capsys):
    """A well-formed library whose package stops half-way through its items."""
    library, data = full
    path = tmp_path / WHEEL_LIBRARY.name
    icu.build_library(data[: len(data) // 2], library, path)
    _refused(path, capsys, "truncated package")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: d[:2] + b"\x00\x00" + d[4:], "magic"),
        (lambda d: d[:12] + b"ToCP" + d[16:], "not CmnD"),
        (lambda d: d[:8] + b"\x01" + d[9:], "little-endian"),
        (lambda d: d[:20], "no ICU data header"),
        (lambda d: d[:200], "does not fit"),
    ],
)
def test_damaged_packages_are_refused(full, damage, reason):
    library, data = full
    with pytest.raises(icu.IcuDataError, match=reason):
        icu.parse(damage(data), library.version)


def test_items_out_of_order_are_refused(full):
    library, data = full
    package = icu.parse(data)
    out = bytearray(icu.to_bytes(icu.kept(package)))
    toc = len(package.header)
    first, second = out[toc + 4 : toc + 12], out[toc + 12 : toc + 20]
    out[toc + 4 : toc + 12], out[toc + 12 : toc + 20] = second, first
    with pytest.raises(icu.IcuDataError, match="not sorted"):
        icu.parse(bytes(out), library.version)


def test_a_version_mismatch_is_refused(full):
    _library, data = full
    with pytest.raises(icu.IcuDataError, match="not icudt99l/"):
        icu.parse(data, "99")
