"""Whose engine is it: never spawn over, or stop, an engine AceTray did not start; never leave ours behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from desktop.streaming.engine_host import EngineState, program_command
from tests.engine_host.conftest import HERE, engine_info, pid_alive, standin_program, wait_pid_gone

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups; Windows uses a job object")


@pytest_asyncio.fixture
async def foreign_engine(port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    """A stand-in engine the user started themselves, before AceTray."""
    engine = await asyncio.create_subprocess_exec(
        *standin_program("--http-port", str(port), "--version", "3.1.74"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert engine.stdout is not None
    # Ready once it says so: it prints after its socket is listening.
    while b"listening" not in await asyncio.wait_for(engine.stdout.readline(), 30):
        pass
    yield engine
    engine.kill()
    await engine.wait()


async def test_engine_already_running_is_used_not_spawned_and_never_stopped(
    supervisors, port, foreign_engine, tmp_path
) -> None:
    sup, events = supervisors(program_command(standin_program(), port), port)
    await sup.start()
    snapshot = await sup.wait_settled(20)
    assert snapshot.state is EngineState.EXTERNAL
    assert (snapshot.version, snapshot.owned, snapshot.pid, snapshot.outdated) == ("3.1.74", False, None, True)
    assert events.matching(f"already running on port {port}; AceTray uses it and will not stop it", "info")
    assert events.matching("older than 3.2", "warning")  # warned for an engine we use, too
    assert not (tmp_path / "logs" / "engine.log").exists()  # nothing was spawned

    await sup.stop()
    assert foreign_engine.returncode is None
    assert (await engine_info(port))["pid"] == foreign_engine.pid  # still answering
    assert events.matching("was not started by AceTray; left running")


async def test_port_held_by_something_else_fails_with_a_clear_reason(supervisors, port) -> None:
    async def not_an_engine(_request: web.Request) -> web.Response:
        return web.Response(text="<html>router login</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", not_an_engine)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        sup, _ = supervisors(program_command(standin_program(), port), port)
        await sup.start()
        failed = await sup.wait_settled(20)
    finally:
        await runner.cleanup()
    assert failed.state is EngineState.FAILED
    assert failed.reason == (
        f"Port {port} is in use by something that does not answer like an AceStream engine "
        "(an answer that is not JSON). Choose another engine port or close that program."
    )


@pytest.mark.parametrize("victim", ["engine", "helper"])
async def test_engine_and_its_helpers_do_not_outlive_a_killed_supervisor(port, victim) -> None:
    """AceTray killed with SIGKILL (no cleanup code runs): its engine still goes, helpers included."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "supervisor_child.py"), str(port),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    pids: dict[str, int] = {}
    try:
        report = json.loads(await asyncio.wait_for(child.stdout.readline(), 60))
        assert report["state"] == "running"
        info = await engine_info(port)
        pids = {"engine": info["pid"], "helper": info["helper_pid"], "guard": report["guard_pid"]}
        assert all(pid_alive(pid) for pid in pids.values())
        child.send_signal(signal.SIGKILL)
        await child.wait()
        assert await wait_pid_gone(pids[victim], timeout=10), f"the {victim} outlived the killed supervisor"
        assert await wait_pid_gone(pids["guard"], timeout=10)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        for pid in pids.values():  # a failed run must not leave our stand-ins behind
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
