"""What goes into the offline bundle, shared by the Linux and Windows specs so that the
two stay in step, and the check that the built bundle holds nothing it should not.

The app uses QtCore, QtGui, QtWidgets, QtPdf, QtPdfWidgets, QtMultimedia and
QtMultimediaWidgets (the player of audiovisual works); nothing else of Qt. QtPdf links
Qt6Network (for remote PDFs, which we never open), so that library ships, but no
network plugin does: the app never opens a socket. Qt Multimedia plays through its
FFmpeg plugin, which brings Qt's FFmpeg libraries and links Qt Quick, QML and OpenGL
(for capturing a Quick window, which we never do): those libraries ship
(``ALLOWED``), but none of their Python modules, QML imports or plugins, and no other
multimedia backend (GStreamer, Windows Media).

    python packaging/bundle_config.py check dist/reviewer-workstation   # exit 1 on a hit
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_NAME = "reviewer-workstation"
APP_EXE = "reviewer-app"  # the GUI
CLI_EXE = "reviewer"  # the command line, same folder, same libraries

# Python modules the app never imports: keeps the analysis (and the bundle) small, and
# makes sure a stray import elsewhere cannot drag a Qt module in.
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "unittest",
    "pydoc",
    "IPython",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "ruff",
    "importlinter",
    "grimp",
    # Babel compiles a .po when no .mo exists (a fresh checkout); the bundle ships the
    # compiled .mo only, so Babel and its 30 MB of locale data stay out.
    "babel",
    # Optional accelerators and formats nothing here uses: lxml (openpyxl falls back to
    # the standard library), fontTools/uharfbuzz (pyHanko's OpenType stamps; our sheets
    # draw their stamp with reportlab), and Pillow's AVIF, colour-management and Tk parts.
    "lxml",
    "fontTools",
    "uharfbuzz",
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._imagingcms",
    "PIL.ImageCms",
    "PIL._imagingtk",
    "PIL.ImageTk",
    # Build tools: cffi imports setuptools only to compile extensions (ffi.compile), which
    # a bundle never does, and PyInstaller then adds pkg_resources' runtime hook: 3.6 MB.
    "setuptools",
    "pkg_resources",
    "distutils",
    "_distutils_hack",
    *(
        f"PySide6.{m}"
        # Not QtNetwork: PySide6.QtMultimedia imports it (its API names network
        # requests). Qt6Network ships anyway (QtPdf links it); no network plugin does.
        for m in [
            "Qt3DAnimation",
            "Qt3DCore",
            "Qt3DExtras",
            "Qt3DInput",
            "Qt3DLogic",
            "Qt3DRender",
            "QtAxContainer",
            "QtBluetooth",
            "QtCharts",
            "QtConcurrent",
            "QtDataVisualization",
            "QtDesigner",
            "QtGraphs",
            "QtGraphsWidgets",
            "QtHelp",
            "QtHttpServer",
            "QtLocation",
            "QtNetworkAuth",
            "QtNfc",
            "QtOpenGL",
            "QtOpenGLWidgets",
            "QtPdfQuick",
            "QtPositioning",
            "QtPrintSupport",
            "QtQml",
            "QtQuick",
            "QtQuick3D",
            "QtQuickControls2",
            "QtQuickTest",
            "QtQuickWidgets",
            "QtRemoteObjects",
            "QtScxml",
            "QtSensors",
            "QtSerialBus",
            "QtSerialPort",
            "QtSpatialAudio",
            "QtSql",
            "QtStateMachine",
            "QtSvg",
            "QtSvgWidgets",
            "QtTest",
            "QtTextToSpeech",
            "QtUiTools",
            "QtWebChannel",
            "QtWebEngineCore",
            "QtWebEngineQuick",
            "QtWebEngineWidgets",
            "QtWebSockets",
            "QtWebView",
            "QtXml",
        ]
    ),
]

# Imported by name at run time, so PyInstaller's analysis cannot see them: reportlab
# builds its barcode widgets (the QR code on each sheet) with exec'd import strings.
HIDDEN_IMPORTS_PACKAGES = ["reportlab.graphics.barcode"]


def hidden_imports() -> list[str]:
    from PyInstaller.utils.hooks import collect_submodules

    found: list[str] = []
    for package in HIDDEN_IMPORTS_PACKAGES:
        found += collect_submodules(package)
    return found


# Qt plugins kept, by folder; a folder not named here is dropped whole. Patterns match
# the file name on either platform (lib*.so on Linux, *.dll on Windows).
KEPT_PLUGINS: dict[str, list[str]] = {
    # xcb for X11 (Kylin, UOS), wayland for newer desktops, offscreen for the self-test
    # on machines without a display, windows for Windows. Not vnc (a network server),
    # eglfs/linuxfb/minimal* (embedded), vkkhrdisplay (Vulkan).
    "platforms": ["*qxcb*", "*qwayland*", "*qoffscreen*", "*qwindows*", "*qdirect2d*"],
    # Chinese input methods: ibus (fcitx5 also speaks it) and X11 compose; not the
    # virtual keyboard, which needs QML.
    "platforminputcontexts": ["*composeplatforminputcontext*", "*ibusplatforminputcontext*"],
    # The portal theme (file dialogs through D-Bus); not GTK3, which drags in GTK,
    # cairo and pango, and Kylin (UKUI) and UOS (DDE) are Qt desktops anyway.
    "platformthemes": ["*qxdgdesktopportal*"],
    "xcbglintegrations": ["*"],
    # Images inside dossier packs: PNG is built into QtGui; JPEG, GIF, WebP, TIFF, BMP
    # and ICO are the formats scanned materials come in.
    "imageformats": ["*qjpeg*", "*qgif*", "*qwebp*", "*qtiff*", "*qico*", "*qwbmp*"],
    "styles": ["*qmodernwindowsstyle*", "*qwindowsvistastyle*"],
    # Wayland's client-side pieces, needed by the qwayland platform plugin.
    # (xdg-shell and the plain decoration: no EGL, no SVG, so no Qt6OpenGL or Qt6Svg).
    "wayland-decoration-client": ["*bradient*"],
    "wayland-shell-integration": ["*xdg-shell*"],
    # The player's backend: FFmpeg (the libraries come as its dependencies); not the
    # GStreamer or Windows Media ones.
    "multimedia": ["*ffmpegmediaplugin*"],
}

# Qt's own translations: only those of the languages the app offers (English needs none).
KEPT_QT_TRANSLATIONS = ["qtbase_zh_CN.qm", "qt_zh_CN.qm"]

# Nothing in the finished bundle may match these (case-insensitive, anywhere in the path).
FORBIDDEN = [
    "*qt6qml*",
    "*qt6quick*",
    "*webengine*",
    "*virtualkeyboard*",
    "*qt63d*",
    "*multimediaquick*",
    "*/qt/qml/*",  # QML imports (Linux, Windows layouts)
    "*/pyside6/qml/*",
    "*spatialaudio*",
    "*gstreamer*",
    "*qt6designer*",
    "*qmltooling*",
    "*qt6sql*",
    "*qt6test*",
    "*qt6eglfs*",
    "*qt6opengl*",
    "*qt6svg*",
    "*qt6wlshellintegration*",
    "*/pillow.libs/libavif*",
    "*/babel/*",
    "*/plugins/platforms/*qvnc*",
    "*/plugins/tls/*",
    "*/plugins/networkinformation/*",
    "*/plugins/generic/*",
    "*/plugins/sqldrivers/*",
    "*/plugins/egldeviceintegrations/*",
    "*tkinter*",
    "*/_pytest/*",
    "*/hypothesis/*",
    "*/setuptools/*",
    "*/pkg_resources/*",
]

# Exceptions to FORBIDDEN: the libraries the FFmpeg multimedia plugin links (Linux and
# Windows names). Loaded with the plugin, never used: nothing here runs QML.
ALLOWED = [
    f"*/{prefix}qt6{name}{suffix}"
    for name in ("qml", "qmlmodels", "qmlmeta", "qmlworkerscript", "quick", "opengl")
    for prefix, suffix in (("lib", ".so*"), ("", ".dll"))
]

# The resources the bundle must carry (checked after the build).
REQUIRED = [
    "*/resources/rubrics/*.toml",
    "*/resources/fonts/wqy-microhei.ttc",
    "*/resources/fonts/wqy-microhei.license-apache-2.0",
    "*/resources/fonts/wqy-microhei.copyright",
    "*/resources/fonts/babelstonehan-rare.ttf.xz",
    "*/resources/fonts/babelstonehan.copyright",
    "*/resources/plan/plan.txt",
    # `reviewer demo` puts these in the practice pack as representative works.
    "*/resources/demo/video-work.mp4",
    "*/resources/demo/audio-work.mp3",
    "*/resources/schemas/review-sheet-1.schema.json",
    "*/resources/schemas/review-sheet-2.schema.json",
    "*/resources/locale/zh_CN/lc_messages/reviewer.mo",
    "*/qt/translations/qtbase_zh_cn.qm",
    # The player: Qt Multimedia, its FFmpeg plugin and Qt's FFmpeg libraries.
    "*qt6multimediawidgets*",
    "*/plugins/multimedia/*ffmpegmediaplugin*",
    "*avcodec*",
    "*avformat*",
    "*avutil*",
    "*swresample*",
    "*swscale*",
]


def resource_datas() -> list[tuple[str, str]]:
    """(source, destination folder) pairs for PyInstaller's ``datas``: every file of
    resources/ except the translation sources, which the runtime does not need."""
    resources = ROOT / "resources"
    mo = resources / "locale" / "zh_CN" / "LC_MESSAGES" / "reviewer.mo"
    po = mo.with_suffix(".po")
    if not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime:
        raise SystemExit(f"{mo} is missing or older than its .po: run `make catalog` first")
    pairs = []
    for path in sorted(resources.rglob("*")):
        if path.is_file() and path.suffix not in (".po", ".pot") and path.name != "README.md":
            pairs.append((str(path), str(path.parent.relative_to(ROOT))))
    return pairs


def keep(dest: str) -> bool:
    """Whether a file PyInstaller collected (by its path inside the bundle) stays."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" in parts:
        i = parts.index("plugins")
        if len(parts) > i + 2:  # plugins/<folder>/<file>
            patterns = KEPT_PLUGINS.get(parts[i + 1])
            return patterns is not None and any(
                fnmatch.fnmatch(parts[-1].lower(), p) for p in patterns
            )
    if "translations" in parts and parts[-1].endswith(".qm"):
        return parts[-1] in KEPT_QT_TRANSLATIONS
    return not _forbidden("/" + "/".join(parts).lower())


def _forbidden(lowered: str) -> bool:
    """Whether a bundle path (lower case, from its root) may not ship."""
    return any(fnmatch.fnmatch(lowered, p) for p in FORBIDDEN) and not any(
        fnmatch.fnmatch(lowered, p) for p in ALLOWED
    )


# Qt's FFmpeg libraries come stripped already, and binutils' strip (which the Linux spec
# runs over every binary) breaks libavformat and libavutil: "ELF load command
# address/offset not page-aligned", and the player has no backend. They are copied as
# they are (as data: PyInstaller strips binaries only).
NO_STRIP = ["libav*.so*", "libsw*.so*"]


def filter_toc(toc):  # a PyInstaller TOC: (dest, source, typecode) entries
    kept = []
    for dest, source, typecode in toc:
        if not keep(dest):
            continue
        name = PurePosixPath(dest.replace("\\", "/")).name.lower()
        if typecode == "BINARY" and any(fnmatch.fnmatch(name, p) for p in NO_STRIP):
            typecode = "DATA"
        kept.append((dest, source, typecode))
    return kept


def check_bundle(folder: Path) -> list[str]:
    """Problems with a built bundle: forbidden files present, required files missing."""
    files = ["/" + p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    lowered = [f.lower() for f in files]
    problems = [f"forbidden: {f}" for f, low in zip(files, lowered, strict=True) if _forbidden(low)]
    problems += [f"missing: {p}" for p in REQUIRED if not fnmatch.filter(lowered, p.lower())]
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "check":
        print("usage: bundle_config.py check BUNDLE_FOLDER", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    problems = check_bundle(folder)
    for problem in problems:
        print(problem)
    qt_libs = sorted(  # once each: _internal/ links to the files under PySide6/Qt/lib
        {p.name for p in folder.rglob("*") if p.name.lower().startswith(("libqt6", "qt6"))}
    )
    print(f"Qt libraries in the bundle ({len(qt_libs)}): {' '.join(qt_libs)}")
    print(
        "excluded-module check: "
        + (
            "FAILED"
            if problems
            else "ok (no QML modules, Quick Controls, WebEngine, virtual keyboard, 3D, "
            "GStreamer; the player's FFmpeg and resources present)"
        )
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
