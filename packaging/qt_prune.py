"""What the frozen AceTray leaves out: one deny-list, used by the spec and by the tests.

AceTray uses QtCore, QtGui, QtWidgets, QtNetwork (QLocalServer/QLocalSocket) and
maybe QtSvg; everything else PyInstaller's Qt hooks would drag in is pruned here.

- ``EXCLUDED_MODULES`` go to ``Analysis(excludes=...)``. ``tests/test_packaging.py``
  imports the app's entry modules in a fresh interpreter and fails if any of them
  (or a submodule) ends up in ``sys.modules``: if the app starts using one, this
  list must change first.
- ``DENY_PATTERNS`` are glob patterns matched against the *destination* path of
  every binary and data file after Analysis (``/`` separators, case-insensitive),
  e.g. ``PySide6/Qt/plugins/platforms/libqvnc.so``. ``prune()`` drops matches
  from a TOC and ``is_denied()`` answers for one path.

Each entry says why it is safe to drop; ``KEEP`` documents what stays on purpose.
"""

from __future__ import annotations

import fnmatch
import posixpath
import sys
from collections.abc import Iterable

# --- Python modules ---------------------------------------------------------
# PySide6 bindings the app never imports (each would pull its Qt library).
EXCLUDED_QT_MODULES: tuple[str, ...] = (
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DExtras",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DRender",
    "PySide6.QtBluetooth",
    "PySide6.QtCharts",
    "PySide6.QtConcurrent",
    "PySide6.QtDataVisualization",
    "PySide6.QtDBus",
    "PySide6.QtDesigner",
    "PySide6.QtGraphs",
    "PySide6.QtGraphsWidgets",
    "PySide6.QtHelp",
    "PySide6.QtHttpServer",
    "PySide6.QtLocation",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtNetworkAuth",
    "PySide6.QtNfc",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPositioning",
    "PySide6.QtPrintSupport",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtRemoteObjects",
    "PySide6.QtScxml",
    "PySide6.QtSensors",
    "PySide6.QtSerialBus",
    "PySide6.QtSerialPort",
    "PySide6.QtSpatialAudio",
    "PySide6.QtSql",
    "PySide6.QtStateMachine",
    "PySide6.QtSvgWidgets",
    "PySide6.QtTest",
    "PySide6.QtTextToSpeech",
    "PySide6.QtUiTools",
    "PySide6.QtWebChannel",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
    "PySide6.QtWebView",
    "PySide6.QtXml",
    "PySide6.QtCanvasPainter",
)
# Other Qt bindings (a dev machine may have them; never mix two bindings in one bundle).
EXCLUDED_OTHER_BINDINGS: tuple[str, ...] = ("PyQt5", "PyQt6", "PySide2", "shiboken2")
# Standard-library / dev-only packages nothing at run time needs.
EXCLUDED_STDLIB: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "turtle",
    "turtledemo",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "test",
    "unittest",
    "doctest",
    "pdb",
    "distutils",
    "ensurepip",
    "venv",
    "xmlrpc",
    "curses",
    "dbm",
)
EXCLUDED_THIRD_PARTY: tuple[str, ...] = (
    "pytest",
    "_pytest",
    "pytestqt",
    "pytest_asyncio",
    "psutil",
    "IPython",
    "numpy",
    # lxml: the guide reads XMLTV with lxml.etree alone; these are other APIs (4 MB together).
    "lxml.objectify",
    "lxml.html",
    "lxml.isoschematron",
    "lxml.sax",
)
# Speed-ups a library imports only when they are there, falling back to a plain build with
# the same results: left out of the bundle, though the app imports them where installed.
# rapidfuzz's AVX2 builds (5 MB): names are matched once per playlist change.
OPTIONAL_SPEEDUPS: tuple[str, ...] = (
    "rapidfuzz.fuzz_cpp_avx2",
    "rapidfuzz.distance.metrics_cpp_avx2",
)

EXCLUDED_MODULES: tuple[str, ...] = (
    EXCLUDED_QT_MODULES + EXCLUDED_OTHER_BINDINGS + EXCLUDED_STDLIB + EXCLUDED_THIRD_PARTY + OPTIONAL_SPEEDUPS
)

# Modules the frozen app must be able to import (the test checks none is excluded).
REQUIRED_QT_MODULES: tuple[str, ...] = (
    "PySide6.QtCore",
    "PySide6.QtGui",
    "PySide6.QtWidgets",
    "PySide6.QtNetwork",
    "PySide6.QtSvg",
)
# sqlite3 keeps each TV guide's last good copy; lxml reads guides, rapidfuzz matches their names.
REQUIRED_MODULES: tuple[str, ...] = REQUIRED_QT_MODULES + (
    "qasync",
    "aiohttp",
    "platformdirs",
    "sqlite3",
    "lxml.etree",
    "rapidfuzz",
)

# --- Files (binaries and data) dropped after Analysis -----------------------
_Q = "PySide6/Qt"
_P = f"{_Q}/plugins"
DENY_PATTERNS: tuple[str, ...] = (
    # Translations of Qt's own strings: AceTray's UI is English-only and sets no QTranslator.
    f"{_Q}/translations/*",
    # Platform plugins for embedded/remote/test use; desktop Linux needs xcb, wayland
    # (and offscreen for headless runs), Windows "windows", macOS "cocoa".
    f"{_P}/platforms/*qeglfs*",
    f"{_P}/platforms/*qlinuxfb*",
    f"{_P}/platforms/*qminimal*",
    f"{_P}/platforms/*qvnc*",
    f"{_P}/platforms/*qvkkhrdisplay*",
    f"{_P}/platforms/*qdirect2d*",
    # Back-ends of the eglfs/linuxfb platforms pruned above (evdev/tuio input, KMS/EGL devices).
    f"{_P}/egldeviceintegrations/*",
    f"{_P}/generic/*",
    # On-screen keyboard input context: needs QtQuick.
    f"{_P}/platforminputcontexts/*qtvirtualkeyboard*",
    # OpenGL glue for xcb: AceTray paints with the raster engine only (no QOpenGLWidget/QtQuick).
    f"{_P}/xcbglintegrations/*",
    # Wayland: compositor-side (server) buffer integrations and non-desktop shells.
    # Kept: xdg-shell (every desktop compositor) and the window decorations.
    # Client-side GL buffer integrations need QtOpenGL; widgets on Wayland paint into shm buffers.
    f"{_P}/wayland-graphics-integration-server/*",
    f"{_P}/wayland-graphics-integration-client/*",
    f"{_P}/wayland-shell-integration/*fullscreen-shell*",
    f"{_P}/wayland-shell-integration/*ivi-shell*",
    f"{_P}/wayland-shell-integration/*qt-shell*",
    f"{_P}/wayland-shell-integration/*wl-shell*",
    # Image formats the app never reads (its images are SVG, PNG built into QtGui, ICO).
    # qpdf needs QtPdf (~10 MB); icns is kept only where macOS uses it.
    f"{_P}/imageformats/*qgif*",
    f"{_P}/imageformats/*qjpeg*",
    f"{_P}/imageformats/*qtga*",
    f"{_P}/imageformats/*qtiff*",
    f"{_P}/imageformats/*qwbmp*",
    f"{_P}/imageformats/*qwebp*",
    f"{_P}/imageformats/*qpdf*",
    # Lottie vector images (needs QtQuick-side libraries).
    f"{_P}/vectorimageformats/*",
    # No printing, SQL, QML tooling, Designer plugins or TLS/network-state back-ends:
    # the app's only QtNetwork use is QLocalServer/QLocalSocket (aiohttp does HTTP).
    f"{_P}/printsupport/*",
    f"{_P}/sqldrivers/*",
    f"{_P}/qmltooling/*",
    f"{_P}/qmllint/*",
    f"{_P}/designer/*",
    f"{_P}/tls/*",
    f"{_P}/networkinformation/*",
    f"{_P}/bearer/*",
    f"{_P}/multimedia/*",
    f"{_P}/position/*",
    f"{_P}/sensors/*",
    f"{_P}/texttospeech/*",
    f"{_P}/webview/*",
    f"{_P}/sceneparsers/*",
    f"{_P}/renderers/*",
    f"{_P}/geometryloaders/*",
    # QML files and every library only QML/Quick/3D/PDF/Designer/WebEngine use.
    f"{_Q}/qml/*",
    f"{_Q}/lib/*Qt6Qml*",
    f"{_Q}/lib/*Qt6Quick*",
    f"{_Q}/lib/*Qt6Pdf*",
    f"{_Q}/lib/*Qt6Labs*",
    f"{_Q}/lib/*Qt6Designer*",
    f"{_Q}/lib/*Qt6Help*",
    f"{_Q}/lib/*Qt6Sql*",
    f"{_Q}/lib/*Qt6Test*",
    f"{_Q}/lib/*Qt6UiTools*",
    f"{_Q}/lib/*Qt6Lottie*",
    f"{_Q}/lib/*Qt6VirtualKeyboard*",
    f"{_Q}/lib/*Qt6WaylandCompositor*",
    f"{_Q}/lib/*Qt6WebEngine*",
    f"{_Q}/lib/*Qt6ShaderTools*",
    f"{_Q}/lib/*Qt6OpenGL*",
    f"{_Q}/lib/*Qt6PrintSupport*",
    f"{_Q}/lib/*Qt6Xml*",
    f"{_Q}/lib/*Qt6Concurrent*",
    f"{_Q}/lib/*Qt6EglFS*",
    f"{_Q}/lib/*Qt6Multimedia*",
    f"{_Q}/lib/*Qt63D*",
    f"{_Q}/lib/*Qt6Charts*",
    f"{_Q}/lib/*Qt6Graphs*",
    f"{_Q}/lib/*Qt6Positioning*",
    f"{_Q}/lib/*Qt6SvgWidgets*",
    f"{_Q}/lib/*Qt6StateMachine*",
    f"{_Q}/lib/*Qt6Network*Auth*",
    f"{_Q}/lib/*Qt6WlShellIntegration*",
    f"{_Q}/lib/*Qt6WebSockets*",
    f"{_Q}/lib/*Qt6WebChannel*",
    f"{_Q}/lib/*Qt6HttpServer*",
    # The same libraries where PySide6 ships them beside the bindings (Windows/macOS wheels).
    "PySide6/*Qt6Qml*",
    "PySide6/*Qt6Quick*",
    "PySide6/*Qt6Pdf*",
    "PySide6/*Qt6OpenGL*",
    "PySide6/*Qt6Designer*",
    "PySide6/*Qt6VirtualKeyboard*",
    "PySide6/*Qt6Sql*",
    "PySide6/*Qt6Test*",
    "PySide6/*Qt6PrintSupport*",
    "PySide6/*Qt6Lottie*",
    "PySide6/*Qt6Help*",
    "PySide6/translations/*",
    "PySide6/qml/*",
    "PySide6/*opengl32sw*",
    "PySide6/*d3dcompiler*",
    "PySide6/plugins/printsupport/*",
    "PySide6/plugins/sqldrivers/*",
    "PySide6/plugins/qmltooling/*",
    "PySide6/plugins/tls/*",
    "PySide6/plugins/networkinformation/*",
    "PySide6/plugins/generic/*",
    "PySide6/plugins/platforms/*qminimal*",
    "PySide6/plugins/platforms/*qdirect2d*",
    "PySide6/plugins/imageformats/*qgif*",
    "PySide6/plugins/imageformats/*qjpeg*",
    "PySide6/plugins/imageformats/*qtga*",
    "PySide6/plugins/imageformats/*qtiff*",
    "PySide6/plugins/imageformats/*qwbmp*",
    "PySide6/plugins/imageformats/*qwebp*",
    "PySide6/plugins/imageformats/*qpdf*",
    # macOS frameworks of the same modules (PySide6/Qt/lib/<Name>.framework/...).
    f"{_Q}/lib/QtQml*",
    f"{_Q}/lib/QtQuick*",
    f"{_Q}/lib/QtPdf*",
    f"{_Q}/lib/QtOpenGL*",
    f"{_Q}/lib/QtVirtualKeyboard*",
    f"{_Q}/lib/QtDesigner*",
    f"{_Q}/lib/QtSql*",
    f"{_Q}/lib/QtTest*",
    f"{_Q}/lib/QtPrintSupport*",
    f"{_Q}/lib/QtLottie*",
    f"{_Q}/lib/QtHelp*",
    f"{_Q}/lib/QtUiTools*",
    f"{_Q}/lib/QtLabs*",
    f"{_Q}/lib/QtShaderTools*",
    f"{_Q}/lib/QtConcurrent*",
    f"{_Q}/lib/QtXml*",
    # The `libpyside6qml` helper is only used by PySide6.QtQml.
    "PySide6/*pyside6qml*",
    # Build-time helpers that live beside the runtime files in resources/.
    "resources/*.sh",
    "resources/*.py",
    "resources/*.md",
)

# Extra patterns per platform (sys.platform prefix): things only one OS uses.
PLATFORM_DENY_PATTERNS: dict[str, tuple[str, ...]] = {
    # Apple icon images are only read on macOS.
    "linux": (f"{_P}/imageformats/*qicns*",),
    "win32": ("PySide6/plugins/imageformats/*qicns*",),
    "darwin": (),
}

# Kept on purpose (documentation; nothing matches these against DENY_PATTERNS by accident,
# the tests check it): the platform plugins a desktop needs, themes, input methods, SVG.
KEEP: tuple[str, ...] = (
    f"{_P}/platforms/libqxcb.so",
    f"{_P}/platforms/libqwayland.so",
    f"{_P}/platforms/libqoffscreen.so",
    f"{_P}/platformthemes/libqgtk3.so",
    f"{_P}/platformthemes/libqxdgdesktopportal.so",
    f"{_P}/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    f"{_P}/platforminputcontexts/libibusplatforminputcontextplugin.so",
    f"{_P}/iconengines/libqsvgicon.so",
    f"{_P}/imageformats/libqsvg.so",
    f"{_P}/imageformats/libqico.so",
    f"{_P}/wayland-shell-integration/libxdg-shell.so",
    f"{_Q}/lib/libQt6Core.so.6",
    f"{_Q}/lib/libQt6Gui.so.6",
    f"{_Q}/lib/libQt6Widgets.so.6",
    f"{_Q}/lib/libQt6Network.so.6",
    f"{_Q}/lib/libQt6DBus.so.6",
    f"{_Q}/lib/libQt6Svg.so.6",
    f"{_Q}/lib/libQt6XcbQpa.so.6",
    f"{_Q}/lib/libQt6WaylandClient.so.6",
    "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/plugins/styles/qmodernwindowsstyle.dll",
    f"{_P}/platforms/libqcocoa.dylib",
)


def _norm(path: str) -> str:
    return path.replace("\\", "/").lower()


def patterns_for(platform: str = sys.platform) -> tuple[str, ...]:
    """The deny patterns in force on ``platform`` (a ``sys.platform`` value), normalised."""
    extra = next((v for k, v in PLATFORM_DENY_PATTERNS.items() if platform.startswith(k)), ())
    return tuple(_norm(p) for p in DENY_PATTERNS + extra)


def is_denied(dest_path: str, platform: str = sys.platform) -> bool:
    """True if a bundled file at ``dest_path`` (relative to the bundle root) is pruned."""
    path = _norm(dest_path)
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns_for(platform))


def is_excluded_module(name: str) -> bool:
    """True if ``name`` is an excluded module or inside one."""
    return any(name == m or name.startswith(m + ".") for m in EXCLUDED_MODULES)


def prune(toc: Iterable[tuple], log: list[str] | None = None, platform: str = sys.platform) -> list[tuple]:
    """Return ``toc`` (PyInstaller (dest, src, typecode) entries) without denied files.

    A ``SYMLINK`` entry (PyInstaller links ``libQt6Foo.so.6`` at the top level to the
    real file) goes with its target, so no dangling links are left behind.
    """
    patterns = patterns_for(platform)
    kept = []
    for entry in toc:
        dest, src, typecode = entry[0], entry[1], entry[2]
        names = [_norm(dest)]
        if typecode == "SYMLINK":
            names.append(posixpath.normpath(posixpath.join(posixpath.dirname(_norm(dest)), _norm(src))))
        if any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns):
            if log is not None:
                log.append(dest)
        else:
            kept.append(entry)
    return kept


# --- Linux: libraries the .deb takes from the OS --------------------------------
# PyInstaller copies every shared library it finds, system ones included (glib, X11,
# xcb, fontconfig, dbus, OpenSSL...). Bundling those from the build host clashes with
# the user's own GTK/theme/input-method stack, and they are on every desktop anyway:
# the .deb declares them as Depends (dpkg-shlibdeps) instead. Kept in the bundle: what
# pip and Python brought (Qt, ICU 73 built for Qt, PySide6, libpython, extensions).
LINUX_SYSTEM_LIB_DIRS: tuple[str, ...] = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")


def is_linux_system_library(src: str, python_prefixes: Iterable[str] = ()) -> bool:
    """True for a library the OS provides (outside Python's own prefix and site-packages)."""
    if not src or "site-packages" in src or "dist-packages" in src:
        return False
    # The bootloader loads libpython from the bundle itself, whoever built the Python.
    if posixpath.basename(src).startswith("libpython"):
        return False
    # A Python in /usr is the distro's own: its libpython is a system package too.
    own = [p.rstrip("/") for p in python_prefixes if p and p.rstrip("/") not in ("", "/usr")]
    if any(src.startswith(p + "/") for p in own):
        return False
    return src.startswith(LINUX_SYSTEM_LIB_DIRS)


def drop_linux_system_libraries(
    toc: Iterable[tuple], python_prefixes: Iterable[str], log: list[str] | None = None
) -> list[tuple]:
    """Return ``toc`` without OS-provided shared libraries (and symlinks to them)."""
    entries = list(toc)
    dropped = {
        e[0]
        for e in entries
        if e[2] == "BINARY"
        and e[0].count("/") == 0
        and ".so" in e[0]
        and is_linux_system_library(e[1], python_prefixes)
    }
    kept = []
    for e in entries:
        if e[0] in dropped or (e[2] == "SYMLINK" and posixpath.basename(e[1]) in dropped and "/" not in e[1]):
            if log is not None:
                log.append(e[0])
        else:
            kept.append(e)
    return kept
