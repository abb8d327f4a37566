"""The Windows spec is built elsewhere, so nothing here runs it; this keeps it in step
with the Linux one: both must take every list from bundle_config and filter what they
collect the same way, differing only in the executables' options."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "linux": ROOT / "packaging" / "reviewer.spec",
    "windows": ROOT / "packaging" / "reviewer-windows.spec",
}


def _uses(spec: Path) -> set[str]:
    """Every ``cfg.<name>`` (bundle_config) the spec refers to."""
    tree = ast.parse(spec.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        is_cfg = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if is_cfg and node.value.id == "cfg":
            found.add(node.attr)
    return found


def _collect_args(spec: Path) -> list[str]:
    tree = ast.parse(spec.read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "COLLECT"
    ]
    assert len(calls) == 1, spec
    return [ast.unparse(a) for a in calls[0].args]


def test_both_specs_take_their_lists_from_bundle_config():
    linux, windows = (_uses(p) for p in SPECS.values())
    expected = {
        "EXCLUDED_MODULES",
        "hidden_imports",
        "resource_datas",
        "filter_toc",
        "APP_EXE",
        "CLI_EXE",
        "BUNDLE_NAME",
    }
    assert expected <= linux, expected - linux
    assert linux == windows


def test_both_specs_filter_every_binary_and_data_list_they_collect():
    for name, spec in SPECS.items():
        args = _collect_args(spec)
        lists = [a for a in args if a.endswith((".binaries", ".datas"))]
        assert lists == [], f"{name}: unfiltered {lists}"
        assert _collect_args(spec) == _collect_args(SPECS["linux"]), name


def test_the_player_s_qt_multimedia_and_ffmpeg_ship_and_no_other_addons_part():
    import sys

    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import bundle_config as cfg
    finally:
        sys.path.pop(0)
    kept = [
        "_internal/PySide6/QtMultimedia.abi3.so",
        "_internal/PySide6/QtMultimediaWidgets.abi3.so",
        "_internal/PySide6/Qt/lib/libQt6Multimedia.so.6",
        "_internal/PySide6/Qt/lib/libQt6MultimediaWidgets.so.6",
        "_internal/PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "_internal/PySide6/Qt/lib/libavcodec.so.63",
        "_internal/PySide6/Qt/lib/libswscale.so.10",
        # what the FFmpeg plugin links
        "_internal/PySide6/Qt/lib/libQt6Quick.so.6",
        "_internal/PySide6/Qt/lib/libQt6Qml.so.6",
        "_internal/PySide6/Qt/lib/libQt6OpenGL.so.6",
        "_internal/PySide6/plugins/multimedia/ffmpegmediaplugin.dll",
        "_internal/PySide6/Qt6Quick.dll",
        "_internal/PySide6/avformat-61.dll",
    ]
    dropped = [
        "_internal/PySide6/Qt/plugins/multimedia/libgstreamermediaplugin.so",
        "_internal/PySide6/plugins/multimedia/windowsmediaplugin.dll",
        "_internal/PySide6/Qt/lib/libQt6MultimediaQuick.so.6",
        "_internal/PySide6/Qt/lib/libQt6QuickControls2.so.6",
        "_internal/PySide6/Qt/lib/libQt6QmlCompiler.so.6",
        "_internal/PySide6/Qt/lib/libQt6OpenGLWidgets.so.6",
        "_internal/PySide6/Qt/lib/libQt6SpatialAudio.so.6",
        "_internal/PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
        "_internal/PySide6/Qt6QuickWidgets.dll",
    ]
    assert [d for d in kept if not cfg.keep(d)] == []
    assert [d for d in dropped if cfg.keep(d)] == []
    # PySide6.QtMultimedia imports PySide6.QtNetwork: excluding it breaks the player.
    needed = {"PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets", "PySide6.QtNetwork"}
    assert not needed & set(cfg.EXCLUDED_MODULES)
    assert {"PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtSpatialAudio"} <= set(
        cfg.EXCLUDED_MODULES
    )


def test_ffmpeg_is_copied_unstripped():
    """binutils' strip breaks Qt's libavformat and libavutil (not page-aligned after)."""
    import sys

    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import bundle_config as cfg
    finally:
        sys.path.pop(0)
    toc = [
        ("PySide6/Qt/lib/libavformat.so.63", "/x/libavformat.so.63", "BINARY"),
        ("PySide6/Qt/lib/libswscale.so.10", "/x/libswscale.so.10", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Sql.so.6", "/x/libQt6Sql.so.6", "BINARY"),
    ]
    assert cfg.filter_toc(toc) == [
        ("PySide6/Qt/lib/libavformat.so.63", "/x/libavformat.so.63", "DATA"),
        ("PySide6/Qt/lib/libswscale.so.10", "/x/libswscale.so.10", "DATA"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
    ]
