"""Smoke-test a frozen AceTray: `serve --demo`, read a channel through it, stop it.

    python packaging/smoke_frozen.py dist/acetray/acetray            # Linux
    python packaging/smoke_frozen.py dist/AceTray.app/Contents/MacOS/acetray
    python packaging/smoke_frozen.py dist\\acetray\\acetray-cli.exe   # Windows (console twin)

Needs only the standard library (CI runners for Windows/macOS have no ffprobe): it
checks that the stream is MPEG-TS (0x47 sync bytes every 188 bytes). On POSIX it
stops the server with SIGTERM and requires exit code 0; on Windows there is no
SIGTERM, so the process is terminated and only the stream is checked.
Also used by tests/test_frozen_build.py for the start/wait/stop part.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DEMO_ID = "0123456789abcdef0123456789abcdef01234567"
TS_PACKET = 188


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(config_dir: Path) -> dict[str, str]:
    """The environment for a frozen run that never touches the user's own settings."""
    env = dict(os.environ)
    env["ACETRAY_CONFIG_DIR"] = str(config_dir)
    env["XDG_CONFIG_HOME"] = str(config_dir / "xdg-config")
    env["XDG_STATE_HOME"] = str(config_dir / "xdg-state")
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    return env


def start_serve(exe: Path, port: int, env: dict[str, str], log_file) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [str(exe), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=env,
    )


def wait_listening(proc: subprocess.Popen, port: int, timeout: float = 60.0) -> float:
    """Poll the port until it accepts a connection; return the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"acetray exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return time.monotonic() - start
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"acetray did not listen on port {port} within {timeout:.0f} s")


def read_ts(port: int, nbytes: int = 188 * 700, timeout: float = 30.0) -> bytes:
    url = f"http://127.0.0.1:{port}/ace/getstream?id={DEMO_ID}"
    data = b""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while len(data) < nbytes:
            chunk = response.read(min(65536, nbytes - len(data)))
            if not chunk:
                break
            data += chunk
    return data


def looks_like_ts(data: bytes) -> bool:
    packets = len(data) // TS_PACKET
    return packets >= 10 and all(data[i * TS_PACKET] == 0x47 for i in range(packets))


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
    """SIGTERM (POSIX) and wait; returns the exit code (None on Windows, where it is killed)."""
    if sys.platform == "win32":
        proc.terminate()
        proc.wait(timeout)
        return None
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout)


# --- A real X display with a system tray (Xvfb + trayer), for the tray app ------------


def xdotool(display: str, *args: str) -> str:
    out = subprocess.run(["xdotool", *args], capture_output=True, text=True, env={**os.environ, "DISPLAY": display})
    return out.stdout


def tray_icon_window(display: str, wm_class: str = "acetray") -> str | None:
    """The id of the app's tray icon window (a small window of its class), if shown."""
    for window in xdotool(display, "search", "--class", wm_class).split():
        geometry = xdotool(display, "getwindowgeometry", window)
        size = geometry.split("Geometry:")[-1].strip() if "Geometry:" in geometry else ""
        if "x" in size and max(int(v) for v in size.split("x")) <= 64:
            return window
    return None


class TrayDisplay:
    """`with TrayDisplay() as display:` a fresh Xvfb screen with trayer's tray on it."""

    def __init__(self, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self.display = ""
        self._procs: list[subprocess.Popen] = []

    def __enter__(self) -> str:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._procs.append(xvfb)
        self.display = ":" + xvfb.stdout.readline().decode().strip()
        env = {**os.environ, "DISPLAY": self.display}
        self._procs.append(
            subprocess.Popen(
                [
                    "trayer",
                    "--edge",
                    "top",
                    "--align",
                    "right",
                    "--widthtype",
                    "pixel",
                    "--width",
                    "200",
                    "--height",
                    "24",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + self.timeout
        while not xdotool(self.display, "search", "--name", "^panel$").split():
            if time.monotonic() > deadline:
                self.__exit__()
                raise TimeoutError("trayer did not come up")
            time.sleep(0.05)
        return self.display

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()


def tray_env(config_dir: Path, display: str) -> dict[str, str]:
    env = {**isolated_env(config_dir), "DISPLAY": display}
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform, not offscreen
    return env


def wait_tray_icon(proc: subprocess.Popen, display: str, timeout: float = 60.0) -> float:
    """Seconds from now until the app's tray icon window exists."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"acetray exited with {proc.returncode} before showing its tray icon")
        if tray_icon_window(display):
            return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError(f"no tray icon within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a frozen AceTray build.")
    parser.add_argument("exe", type=Path)
    args = parser.parse_args()
    out = subprocess.run([str(args.exe), "--version"], capture_output=True, text=True, timeout=60)
    print(f"--version: rc={out.returncode} {out.stdout.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "serve.log"
        port = free_port()
        with open(log_path, "wb") as log_file:
            proc = start_serve(args.exe, port, isolated_env(Path(tmp) / "config"), log_file)
            try:
                took = wait_listening(proc, port)
                print(f"listening on {port} after {took:.2f} s")
                data = read_ts(port)
                ok = looks_like_ts(data)
                print(f"read {len(data)} bytes, MPEG-TS: {ok}")
            finally:
                code = stop(proc) if proc.poll() is None else proc.returncode
        print(log_path.read_text(errors="replace")[-2000:])
        print(f"exit code after stop: {code}")
        if not ok:
            return 1
        if code not in (0, None):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
