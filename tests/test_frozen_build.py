"""Smoke test of the frozen build as a user gets it: the .deb, unpacked into a temporary root.

Builds the PyInstaller bundle and the .deb with packaging/build.sh (`make package`),
or reuses dist/ when the .deb is newer than every source file (ACETRAY_REBUILD=1
forces a build). Then: the .deb's file list, control data and desktop entry; the
frozen `acetray serve --demo` streaming to ffprobe and exiting 0 on SIGTERM; and,
where Xvfb/trayer/xdotool exist, the frozen tray app showing its icon in a real tray.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import qt_prune  # noqa: E402
import smoke_frozen  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the .deb is built on Linux"),
    pytest.mark.timeout(1200),
]

VERSION = next(
    line.split("=", 1)[1].strip().strip("\"'")
    for line in (ROOT / "desktop" / "__init__.py").read_text().splitlines()
    if line.startswith("__version__")
)
SOURCES = ("desktop", "resources", "packaging", "pyproject.toml")


def _arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            if "__pycache__" not in file.parts:
                newest = max(newest, file.stat().st_mtime)
    return newest


@pytest.fixture(scope="session")
def deb() -> Path:
    for tool in ("dpkg-deb", "dpkg-shlibdeps"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is required to build the .deb (apt-get install dpkg-dev)")
    path = ROOT / "dist" / f"acetray_{VERSION}_{_arch()}.deb"
    fresh = (
        path.is_file()
        and (ROOT / "dist" / "acetray" / "acetray").is_file()
        and path.stat().st_mtime > _newest_source_mtime()
        and os.environ.get("ACETRAY_REBUILD") != "1"
    )
    if not fresh:
        started = time.monotonic()
        out = subprocess.run(
            ["bash", str(ROOT / "packaging" / "build.sh")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1100,
            env={**os.environ, "PYTHON": sys.executable},
        )
        assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
        print(f"\nbuilt bundle + .deb in {time.monotonic() - started:.0f} s")
    assert path.is_file()
    return path


@pytest.fixture(scope="session")
def root(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("debroot")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    return target


def test_deb_file_list(deb: Path, root: Path) -> None:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    names = {line.split(None, 5)[5].split(" -> ")[0].lstrip("./").rstrip("/") for line in listing.splitlines()}
    for required in (
        "opt/acetray/acetray",
        "opt/acetray/_internal/resources/icons/tray-idle.svg",
        "opt/acetray/_internal/resources/demo/demo.ts",
        "usr/bin/acetray",
        "usr/share/applications/acetray.desktop",
        "usr/share/icons/hicolor/scalable/apps/acetray.svg",
        "usr/share/icons/hicolor/16x16/apps/acetray.png",
        "usr/share/icons/hicolor/48x48/apps/acetray.png",
        "usr/share/icons/hicolor/256x256/apps/acetray.png",
        "usr/share/doc/acetray/copyright",
        "usr/share/man/man1/acetray.1.gz",
    ):
        assert required in names, required
    assert os.readlink(root / "usr/bin/acetray") == "/opt/acetray/acetray"
    assert os.access(root / "opt/acetray/acetray", os.X_OK)
    # Everything outside the usual places is the bundle.
    stray = [n for n in names if n and not n.startswith(("opt", "usr"))]
    assert not stray, stray
    # The deny-list held: no pruned Qt file made it into the bundle.
    internal = root / "opt/acetray/_internal"
    bundled = [str(p.relative_to(internal)) for p in internal.rglob("*") if p.is_file() or p.is_symlink()]
    denied = [p for p in bundled if qt_prune.is_denied(p, "linux")]
    assert not denied, denied
    dangling = [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling, dangling
    files = [p for p in (root / "opt/acetray").rglob("*") if p.is_file() and not p.is_symlink()]
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    print(f"\nbundle {size_mb:.1f} MiB unpacked, .deb {deb.stat().st_size / 2**20:.1f} MiB")
    assert size_mb <= 120, f"bundle is {size_mb:.1f} MiB, over the 120 MiB budget"


def test_deb_control_and_scripts(deb: Path, tmp_path: Path) -> None:
    fields = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    control = dict(line.split(": ", 1) for line in fields.splitlines() if ": " in line and not line.startswith(" "))
    assert control["Package"] == "acetray"
    assert control["Version"] == VERSION
    assert "libc6" in control["Depends"] and "libxcb-cursor0" in control["Depends"]
    subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "DEBIAN")], check=True)
    for script in ("postinst", "postrm"):
        text = (tmp_path / "DEBIAN" / script).read_text()
        assert os.access(tmp_path / "DEBIAN" / script, os.X_OK)
        assert "command -v update-desktop-database" in text and "command -v update-mime-database" in text
        subprocess.run(["sh", "-n", str(tmp_path / "DEBIAN" / script)], check=True)
    assert (tmp_path / "DEBIAN" / "md5sums").stat().st_size > 0


def test_deb_desktop_entry_validates(root: Path) -> None:
    entry = root / "usr/share/applications/acetray.desktop"
    text = entry.read_text()
    assert "Exec=acetray %u" in text and "MimeType=x-scheme-handler/acestream;" in text and "Icon=acetray" in text
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is required (apt-get install desktop-file-utils)")
    out = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_frozen_version(root: Path) -> None:
    out = subprocess.run([str(root / "opt/acetray/acetray"), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"AceTray {VERSION}"


def test_frozen_serve_demo_streams_and_stops_cleanly(root: Path, tmp_path: Path) -> None:
    if shutil.which("ffprobe") is None:
        pytest.fail("ffprobe is required (apt-get install ffmpeg)")
    exe = root / "opt/acetray/acetray"
    port = smoke_frozen.free_port()
    env = smoke_frozen.isolated_env(tmp_path / "config")
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log_file:
        proc = smoke_frozen.start_serve(exe, port, env, log_file)
        try:
            took = smoke_frozen.wait_listening(proc, port, timeout=60)
            url = f"http://127.0.0.1:{port}/ace/getstream?id={smoke_frozen.DEMO_ID}"
            probe = subprocess.run(
                ["ffprobe", "-v", "error", "-show_streams", "-of", "json", url],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert probe.returncode == 0, probe.stderr + log_path.read_text(errors="replace")
            streams = json.loads(probe.stdout)["streams"]
            assert any(s.get("codec_type") == "video" for s in streams), streams
            assert proc.poll() is None, "the frozen server died while streaming"
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    log = log_path.read_text(errors="replace")
    assert code == 0, f"exit code {code} after SIGTERM:\n{log[-3000:]}"
    assert "Traceback" not in log, log[-3000:]
    print(f"\nfrozen serve --demo listening after {took:.2f} s; streams: {[s['codec_type'] for s in streams]}")


@pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("Xvfb", "trayer", "xdotool")), reason="needs Xvfb, trayer and xdotool"
)
def test_frozen_tray_shows_its_icon_and_quits_on_sigterm(root: Path, tmp_path: Path) -> None:
    log_path = tmp_path / "tray.log"
    with smoke_frozen.TrayDisplay() as display, open(log_path, "wb") as log_file:
        app = subprocess.Popen(
            [str(root / "opt/acetray/acetray"), "--port", str(smoke_frozen.free_port())],
            env=smoke_frozen.tray_env(tmp_path / "config", display),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            try:
                took = smoke_frozen.wait_tray_icon(app, display, timeout=60)
            except (RuntimeError, TimeoutError) as exc:
                pytest.fail(f"{exc}:\n{log_path.read_text(errors='replace')[-3000:]}")
            app.send_signal(signal.SIGTERM)
            code = app.wait(timeout=15)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    log = log_path.read_text(errors="replace")
    assert code == 0, f"tray app exit code {code}:\n{log[-3000:]}"
    assert "Traceback" not in log, log[-3000:]
    print(f"\nfrozen tray icon shown after {took:.2f} s")
