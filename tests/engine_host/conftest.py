"""Fixtures for the engine host: free ports, the stand-in engine, supervisors that clean up."""

from __future__ import annotations

import asyncio
import os
import select
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
import pytest_asyncio

from desktop.streaming.engine_host import EngineCommand, EngineSupervisor, SupervisorPolicy
from tests.ports import free_port

HERE = Path(__file__).resolve().parent
STANDIN_ENGINE = HERE / "standin_engine.py"
# Small bounds so failures show quickly; the ready wait stays generous for a loaded machine.
FAST = SupervisorPolicy(
    ready_timeout=30.0,
    probe_interval=0.05,
    probe_timeout=2.0,
    stop_grace=2.0,
    backoff_first=0.05,
    backoff_max=0.2,
    max_attempts=3,
)


def standin_program(*extra: str) -> list[str]:
    """The stand-in engine's program argv; the supervisor's command adds the engine flags."""
    return [sys.executable, str(STANDIN_ENGINE), *extra]


@pytest.fixture
def port() -> int:
    return free_port()


class Events:
    """The supervisor's (level, message) events, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def __call__(self, level: str, message: str) -> None:
        self.items.append((level, message))

    def matching(self, text: str, level: str | None = None) -> list[str]:
        return [m for lv, m in self.items if text in m and (level is None or lv == level)]


@pytest_asyncio.fixture
async def supervisors(tmp_path: Path) -> AsyncIterator[Callable[..., tuple[EngineSupervisor, Events]]]:
    """Make supervisors (stopped at teardown even when a test fails)."""
    made: list[EngineSupervisor] = []

    def make(command: EngineCommand, port: int, policy: SupervisorPolicy = FAST) -> tuple[EngineSupervisor, Events]:
        events = Events()
        sup = EngineSupervisor(
            command, port=port, log_path=tmp_path / "logs" / "engine.log", policy=policy, on_event=events
        )
        made.append(sup)
        return sup, events

    yield make
    for sup in made:
        await sup.stop()


async def engine_info(port: int) -> dict[str, Any]:
    """The stand-in's get_version result (it includes its pid)."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/webui/api/service", params={"method": "get_version"}) as resp,
    ):
        return dict((await resp.json())["result"])


def pid_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def wait_pid_gone(pid: int, timeout: float) -> bool:
    """True once `pid` has exited, False after `timeout`. Waits on a pidfd, not a sleep loop."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = await asyncio.to_thread(select.select, [fd], [], [], timeout)
        return bool(ready) or not pid_alive(pid)
    finally:
        os.close(fd)
