"""`acetray serve --engine-command` / `--engine-docker`, end to end: AceTray runs the engine headless.

Separate processes as a user runs them; the stand-in engine is the demo engine
(it takes the real engine's flags), the stand-in `docker` the engine host tests' one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.engine_host.test_docker import docker_calls, recorded  # noqa: F401 - the fixture
from tests.owned_engine import demo_engine_command, is_demo_engine
from tests.ports import free_port
from tests.test_e2e_player import CHANNEL, wait_for_health

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and the stand-in docker script")


class Serve:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.engine_port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desktop",
                "serve",
                "--port",
                str(self.port),
                "--engine",
                f"http://127.0.0.1:{self.engine_port}",
                "--linger",
                "1",
                *args,
            ],
            env=dict(os.environ, ACETRAY_CONFIG_DIR=str(tmp_path)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: list[str] = []
        self._new_line = threading.Condition()
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._new_line:
                self._lines.append(line)
                self._new_line.notify_all()

    @property
    def log(self) -> str:
        with self._new_line:
            return "".join(self._lines)

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        """Until serve logs a line containing `text` (its log is the only event across processes)."""
        with self._new_line:
            found = self._new_line.wait_for(lambda: any(text in line for line in self._lines), timeout)
        assert found, f"serve never logged {text!r}; it logged:\n{self.log}"

    @property
    def stream_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ace/getstream?id={CHANNEL}"

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[type[Serve]]:
    started: list[Serve] = []

    def start(*args: str) -> Serve:
        running = Serve(tmp_path, *args)
        started.append(running)
        wait_for_health(running.port, running.proc)
        return running

    yield start  # type: ignore[misc]
    for running in started:
        running.kill()


def test_serve_runs_the_engine_command_plays_through_it_and_takes_it_along_on_sigterm(serve, tmp_path) -> None:
    running = serve("--engine-command", demo_engine_command())
    # The first player's session start waits until the engine answers.
    with urllib.request.urlopen(running.stream_url, timeout=60) as response:
        data = response.read(188 * 200)
    assert len(data) == 188 * 200 and all(data[i] == 0x47 for i in range(0, len(data), 188))
    if shutil.which("ffprobe"):
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", running.stream_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert probe.returncode == 0, probe.stderr
        assert "h264" in {s["codec_name"] for s in json.loads(probe.stdout)["streams"]}

    engine = [p for p in running.descendants() if is_demo_engine(p)]
    assert len(engine) == 1 and f"--http-port {running.engine_port}" in " ".join(engine[0].cmdline())
    family = running.descendants()
    assert running.terminate() == 0
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []  # the engine, its guard and everything they started
    assert f"AceStream engine 3.1.70 is running on port {running.engine_port}." in running.log
    assert "AceStream engine stopped." in running.log
    assert "Proxy stopped" in running.log
    assert (tmp_path / "logs" / "engine.log").read_text().count("demo engine listening") >= 1


def test_serve_runs_the_docker_engine_and_stops_its_container(serve, docker_calls) -> None:  # noqa: F811
    running = serve("--engine-docker", "example/acestream:1")
    name = f"acetray-engine-{running.engine_port}"
    run = ["run", "--rm", "--name", name, "-p", f"127.0.0.1:{running.engine_port}:6878"]
    running.wait_for_log("AceStream engine 3.2.3 is running")  # the stand-in answers get_version only
    assert running.terminate() == 0
    calls = recorded(docker_calls)
    assert ["pull", "--", "example/acestream:1"] in calls
    assert any(call[: len(run)] == run and call[-1] == "example/acestream:1" for call in calls)
    assert ["stop", "--time", "5", name] in calls  # stopped politely, through docker
    assert "AceStream engine stopped." in running.log
