"""Running the real `acetray` as a separate process, as a user would start it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from desktop.settings import Settings
from tests.ui.helpers import port_accepts

REPO = Path(__file__).resolve().parents[2]
TICK_LINE = re.compile(r"ui-timer ticks=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) max_ms=([\d.]+)")


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll a condition another process controls (there is no signal to wait on)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class AppProcess:
    """`python -m desktop` with its own settings folder, headless (offscreen: no tray, window shown)."""

    def __init__(self, config_dir: Path, settings: Settings, *, extra_env: dict[str, str] | None = None) -> None:
        self.config_dir = config_dir
        self.settings = settings
        config_dir.mkdir(parents=True, exist_ok=True)
        data = asdict(settings)
        data["recent_channels"] = list(settings.recent_channels)
        (config_dir / "settings.json").write_text(json.dumps(data))
        self.env = {
            **os.environ,
            "ACETRAY_CONFIG_DIR": str(config_dir),
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.output = config_dir / "process-output.txt"
        self.proc: subprocess.Popen | None = None

    @property
    def log_file(self) -> Path:
        return self.config_dir / "logs" / "acetray.log"

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """A launch that is expected to end by itself (e.g. a second instance)."""
        return subprocess.run(
            [sys.executable, "-m", "desktop", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str) -> AppProcess:
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "desktop", *args],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: port_accepts(self.settings.port) or self.proc.poll() is not None, 20, "the proxy to listen")
        assert self.proc.poll() is None, f"the app exited early:\n{self.output.read_text()}"
        # The proxy is up; the single-instance server was claimed before it.
        wait_for(lambda: "Proxy listening on" in self.log_text(), 10, "the start-up log line")
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout: float = 10) -> float:
        """SIGTERM (what a session logout sends); returns seconds until the process was gone."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
            self.proc.wait(10)

    def tick_stats(self) -> dict[str, float]:
        found = TICK_LINE.findall(self.log_text())
        assert found, "no ui-timer line in the log"
        ticks, p50, p99, worst = found[-1]
        return {"ticks": int(ticks), "p50_ms": float(p50), "p99_ms": float(p99), "max_ms": float(worst)}
