"""What the benchmark scripts share: the demo engine and `acetray serve` as processes of their own,
each waited for until it listens, and every one stopped at the end however the run ends.

    with listening((serve(port, config_dir, "--demo"), port)):
        ...  # `acetray serve --demo` answers on `port` here

    with demo_and_serve(("--rate", "1000000"), ("--linger", "60")) as served:
        ...  # the demo engine and `acetray serve` in front of it, on free ports
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
QUIET: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


def stop(*procs: subprocess.Popen) -> None:
    """Terminate the processes, then wait for each (killing any that does not end in 10 s)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def demo_engine(port: int, *flags: str) -> subprocess.Popen:
    """`python -m desktop.streaming.demo --port PORT FLAGS…`, its output dropped."""
    return subprocess.Popen(
        [sys.executable, "-m", "desktop.streaming.demo", "--port", str(port), *flags], cwd=ROOT, **QUIET
    )


def serve(
    port: int, config_dir: str | Path, *flags: str, env: Mapping[str, str] | None = None, **popen: Any
) -> subprocess.Popen:
    """`acetray serve --port PORT FLAGS…` with its own config folder (and `env` added to this one's);
    its output dropped unless `popen` says where it goes."""
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", "--port", str(port), *flags],
        cwd=ROOT,
        env={**os.environ, "ACETRAY_CONFIG_DIR": str(config_dir), **(env or {})},
        **{**QUIET, **popen},
    )


@contextmanager
def listening(*started: tuple[subprocess.Popen, int]) -> Iterator[None]:
    """Wait until each (process, port) listens, in order; at the end stop them all, the last started first."""
    try:
        for proc, port in started:
            wait_listening(port, proc)
        yield
    finally:
        stop(*(proc for proc, _port in reversed(started)))


@dataclass(frozen=True)
class Served:
    port: int  # where `acetray serve` listens
    proxy: subprocess.Popen
    engine_port: int
    config_dir: Path


@contextmanager
def demo_and_serve(
    engine_flags: tuple[str, ...] = (),
    serve_flags: tuple[str, ...] = (),
    *,
    config_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """The demo engine and `acetray serve` in front of it, on free ports, both listening for the block.

    `config_dir`: a folder the caller has prepared (favourites, settings); a temporary one otherwise."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(config_dir or temporary)
        engine_port, port = free_port(), free_port()
        with listening((demo_engine(engine_port, *engine_flags), engine_port)):
            proxy = serve(port, folder, "--engine", f"http://127.0.0.1:{engine_port}", *serve_flags, env=env)
            with listening((proxy, port)):
                yield Served(port, proxy, engine_port, folder)
