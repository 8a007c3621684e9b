"""Packaging checks that need no build: the Qt deny-list against the app, the desktop
entry, the icons, the macOS plist, and that the NSIS installer script compiles."""

from __future__ import annotations

import json
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
sys.path.insert(0, str(PACKAGING))

import qt_prune  # noqa: E402

# The modules the frozen app runs from (the spec bundles every desktop submodule).
APP_ENTRY_MODULES = ("desktop.cli", "desktop.serve", "desktop.app", "desktop.ui")

# Runs in a fresh interpreter: import the app the way the bundle does, exercise the Qt
# pieces it uses at run time (widgets, tray icon, SVG icons, local socket), then report
# every imported module and every Qt library/plugin mapped into the process.
_PROBE = r"""
import importlib, json, os, pkgutil, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
entry = json.loads(sys.argv[1])
imported, missing = [], []
for name in entry:
    try:
        importlib.import_module(name)
        imported.append(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            missing.append(name)  # not written yet
        else:
            raise
import desktop
for info in pkgutil.walk_packages(desktop.__path__, "desktop."):
    if info.name.endswith("__main__") or ".autostart.windows" in info.name or ".autostart.macos" in info.name:
        continue  # runs the app / other platforms' modules (winreg...)
    importlib.import_module(info.name)
from PySide6.QtGui import QIcon
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QMainWindow, QMenu
from desktop.resources import resource_path
app = QApplication([])
for stem in ("acetray", "tray-stopped", "tray-idle", "tray-streaming", "tray-error"):
    icon = QIcon(str(resource_path("icons", stem + ".svg")))
    assert not icon.pixmap(22, 22).isNull(), stem
    assert not QIcon(str(resource_path("icons", "acetray-64.png"))).pixmap(64, 64).isNull()
tray = QSystemTrayIcon(icon)
menu = QMenu(); menu.addAction("Quit"); tray.setContextMenu(menu)
window = QMainWindow(); window.show(); app.processEvents()
server = QLocalServer(); server.listen("acetray-probe-%d" % os.getpid()); server.close()
maps = []
if os.path.exists("/proc/self/maps"):
    with open("/proc/self/maps") as handle:
        maps = sorted({line.split()[-1] for line in handle if "/PySide6/" in line or "/shiboken6/" in line})
print(json.dumps({"imported": imported, "missing": missing, "modules": sorted(sys.modules), "maps": maps}))
"""


@pytest.fixture(scope="module")
def probe() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(APP_ENTRY_MODULES)],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_app_imports_no_pruned_module(probe: dict) -> None:
    assert "desktop.cli" in probe["imported"]
    offenders = [m for m in probe["modules"] if qt_prune.is_excluded_module(m) and m not in qt_prune.OPTIONAL_SPEEDUPS]
    assert not offenders, (
        f"the app imports modules the frozen build excludes: {offenders}; "
        "drop the import or take them off packaging/qt_prune.py"
    )


def test_the_guide_matches_names_the_same_without_the_speedups_the_bundle_leaves_out() -> None:
    blocked = json.dumps(list(qt_prune.OPTIONAL_SPEEDUPS))
    probe = (
        "import json, sys\n"
        f"for name in json.loads({blocked!r}): sys.modules[name] = None  # ImportError, as in the bundle\n"
        "from rapidfuzz import fuzz\n"
        "from desktop.streaming.channels.names import normalize_name\n"
        "print(fuzz.ratio(normalize_name('Sport 1 HD'), normalize_name('SPORT 1')))\n"
    )
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert plain.returncode == 0, plain.stderr[-2000:]
    from rapidfuzz import fuzz

    from desktop.streaming.channels.names import normalize_name

    assert float(plain.stdout) == fuzz.ratio(normalize_name("Sport 1 HD"), normalize_name("SPORT 1"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_app_loads_no_pruned_qt_library_or_plugin(probe: dict) -> None:
    loaded = []
    for path in probe["maps"]:
        # .../site-packages/PySide6/Qt/plugins/x/y.so -> PySide6/Qt/plugins/x/y.so (bundle path)
        marker = "/PySide6/" if "/PySide6/" in path else "/shiboken6/"
        loaded.append(marker.strip("/") + "/" + path.split(marker, 1)[1])
    assert any("plugins/platforms/" in p for p in loaded), loaded
    assert any("libqsvg" in p for p in loaded), "SVG icons did not load through the svg plugins"
    denied = [p for p in loaded if qt_prune.is_denied(p, "linux")]
    assert not denied, f"the app loaded Qt files the frozen build prunes: {denied}"


def test_entry_modules_exist(probe: dict) -> None:
    # Written by other engineers; once present they must import (the probe raised otherwise).
    assert set(probe["imported"]) | set(probe["missing"]) == set(APP_ENTRY_MODULES)
    assert "desktop.cli" not in probe["missing"]


def test_deny_list_keeps_what_the_app_needs() -> None:
    for platform in ("linux", "win32", "darwin"):
        kept_but_denied = [p for p in qt_prune.KEEP if qt_prune.is_denied(p, platform)]
        assert not kept_but_denied, (platform, kept_but_denied)
    assert not [m for m in qt_prune.REQUIRED_MODULES if qt_prune.is_excluded_module(m)]
    assert qt_prune.is_denied("PySide6/Qt/plugins/platforms/libqvnc.so", "linux")
    assert qt_prune.is_denied("PySide6/Qt/lib/libQt6Quick.so.6", "linux")
    assert qt_prune.is_denied("PySide6\\translations\\qtbase_de.qm", "win32")
    assert not qt_prune.is_denied("resources/icons/tray-idle.svg", "linux")
    assert not qt_prune.is_denied("resources/demo/demo.ts", "linux")


def test_prune_takes_symlinks_with_their_targets() -> None:
    toc = [
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", "/x/libQt6OpenGL.so.6", "BINARY"),
        ("libQt6OpenGL.so.6", "PySide6/Qt/lib/libQt6OpenGL.so.6", "SYMLINK"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/x/libQt6Gui.so.6", "BINARY"),
    ]
    log: list[str] = []
    kept = qt_prune.prune(toc, log, platform="linux")
    assert [e[0] for e in kept] == ["libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6"]
    assert log == ["PySide6/Qt/lib/libQt6OpenGL.so.6", "libQt6OpenGL.so.6"]


def test_linux_system_libraries_are_left_to_the_os() -> None:
    prefixes = ["/opt/py/3.11", "/usr"]
    toc = [
        ("libX11.so.6", "/usr/lib/x86_64-linux-gnu/libX11.so.6", "BINARY"),
        ("libpython3.11.so.1.0", "/opt/py/3.11/lib/libpython3.11.so.1.0", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/v/site-packages/PySide6/Qt/lib/libQt6Core.so.6", "BINARY"),
        ("python3.11/lib-dynload/_ssl.so", "/usr/lib/python3.11/lib-dynload/_ssl.so", "EXTENSION"),
        # Debian's own Python: libpython is a system file but the bootloader needs it bundled.
        ("libpython3.11.so.1.0", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", "BINARY"),
    ]
    kept = qt_prune.drop_linux_system_libraries(toc, prefixes)
    assert [e[0] for e in kept] == [e[0] for e in toc[1:]]


def test_spec_reads_the_package_version() -> None:
    spec = (PACKAGING / "acetray.spec").read_text()
    assert 'ROOT / "desktop" / "__init__.py"' in spec
    import desktop

    init = (ROOT / "desktop" / "__init__.py").read_text()
    assert re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', init, re.M).group(1) == desktop.__version__


def test_desktop_entry() -> None:
    path = ROOT / "resources" / "acetray.desktop"
    entry = dict(
        line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    assert entry["Name"] == "AceTray"
    assert entry["Exec"] == "acetray %u"
    assert entry["Icon"] == "acetray"
    assert entry["Terminal"] == "false"
    assert "x-scheme-handler/acestream" in entry["MimeType"].split(";")
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate not installed (apt-get install desktop-file-utils)")
    out = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "error" not in (out.stdout + out.stderr).lower()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_icons_present_and_sized() -> None:
    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        assert _png_size(ICONS / f"acetray-{size}.png") == (size, size)
    for state in ("stopped", "idle", "streaming", "error"):
        assert (ICONS / f"tray-{state}.svg").is_file()
        for size in (16, 22, 24, 32, 48, 64):  # drawn per size: crisp where panels use them
            assert _png_size(ICONS / f"tray-{state}-{size}.png") == (size, size)
    ico = (ICONS / "acetray.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 6
    sizes = {ico[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
    icns = (ICONS / "acetray.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_the_tray_icons_come_from_the_generator(qapp) -> None:
    import make_icons

    for state in make_icons.TRAY_STATES:
        assert (ICONS / f"tray-{state}.svg").read_text(encoding="utf-8") == make_icons.tray_svg(state, 24), (
            "edit the tray icons in packaging/make_icons.py and run it"
        )


def test_the_tray_icons_are_one_family_and_the_error_is_no_triangle(qapp) -> None:
    from PySide6.QtGui import QImage

    def alpha(state: str, x: int, y: int) -> int:
        return QImage(str(ICONS / f"tray-{state}-24.png")).pixelColor(x, y).alpha()

    # The same rounded tile in every state: transparent corners, solid edges, at the same pixels.
    for state in ("stopped", "idle", "streaming", "error"):
        assert alpha(state, 0, 0) == 0 and alpha(state, 23, 0) == 0, state
        assert alpha(state, 12, 1) == 255 and alpha(state, 1, 12) == 255, state
        # A warning triangle would leave the top corners empty beside its apex; the tile fills them.
        assert alpha(state, 4, 3) == 255 and alpha(state, 19, 3) == 255, state


def test_macos_info_plist() -> None:
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert info["LSUIElement"] is True
    schemes = [s for t in info["CFBundleURLTypes"] for s in t["CFBundleURLSchemes"]]
    assert schemes == ["acestream"]
    assert "BUNDLE(" in (PACKAGING / "acetray.spec").read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="check_nsis.sh is for POSIX; CI compiles it with makensis.exe")
def test_nsis_script_compiles(tmp_path: Path) -> None:
    if shutil.which("makensis") is None:
        pytest.skip("makensis not installed (apt-get install nsis)")
    out = subprocess.run(
        ["bash", str(PACKAGING / "windows" / "check_nsis.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    installer = tmp_path / "AceTray-Setup.exe"
    assert installer.read_bytes()[:2] == b"MZ"


def test_nsis_script_registers_and_removes_everything() -> None:
    nsi = (PACKAGING / "windows" / "acetray.nsi").read_text()
    install, uninstall = nsi.split('Section "Uninstall"', 1)
    assert "MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER" in nsi and "MULTIUSER_EXECUTIONLEVEL Standard" in nsi
    assert '"URL Protocol" ""' in install and '\\shell\\open\\command" "" \'"$INSTDIR\\${APP_EXE}" "%1"\'' in install
    assert 'CLASSES_KEY "Software\\Classes\\acestream"' in nsi.replace("!define ", "")
    for key in ("${CLASSES_KEY}", "${UNINSTALL_KEY}", "${SETTINGS_KEY}"):
        assert f'DeleteRegKey SHCTX "{key}"' in uninstall, key
    assert 'DeleteRegValue HKCU "${RUN_KEY}" "${APP_ID}"' in uninstall
    assert "$SMPROGRAMS\\${APP_NAME}.lnk" in install and "$SMPROGRAMS\\${APP_NAME}.lnk" in uninstall
