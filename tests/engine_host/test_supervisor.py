"""The supervisor runs a real program (the stand-in engine): start, restart, stop, give up."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import psutil
import pytest

from desktop.streaming.engine_host import EngineState, SupervisorPolicy, program_command, user_command
from tests.engine_host.conftest import FAST, engine_info, standin_program, wait_pid_gone

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups; Windows uses a job object")


def running(s) -> bool:  # type: ignore[no-untyped-def]
    return s.state is EngineState.RUNNING


async def test_start_waits_for_get_version_and_reports_the_version(supervisors, port, tmp_path) -> None:
    sup, events = supervisors(program_command(standin_program("--version", "3.2.3"), port), port)
    await sup.start()
    snapshot = await sup.wait_settled(40)
    assert snapshot.state is EngineState.RUNNING
    assert (snapshot.version, snapshot.owned, snapshot.restarts, snapshot.outdated) == ("3.2.3", True, 0, False)
    assert events.matching(f"AceStream engine 3.2.3 is running on port {port}", "info")
    # The headless flags reached the engine, and its output went to the log file.
    log_text = (tmp_path / "logs" / "engine.log").read_text()
    assert f"--client-console --http-port {port} --live-cache-type memory --vod-cache-type memory" in log_text
    assert f"standin engine 3.2.3 listening on {port}" in log_text


async def test_killed_engine_is_restarted_ready_again_and_counted(supervisors, port) -> None:
    sup, events = supervisors(program_command(standin_program(), port), port)
    await sup.start()
    await sup.wait_for(running, 40)
    first_pid = (await engine_info(port))["pid"]

    os.kill(first_pid, signal.SIGKILL)
    crashed = await sup.wait_for(lambda s: s.state is EngineState.RESTARTING, 10)
    assert crashed.reason == (
        f"The AceStream engine stopped unexpectedly (killed by SIGKILL; it said: standin engine 3.2.3 "
        f"listening on {port})."
    )
    again = await sup.wait_for(lambda s: running(s) and s.restarts == 1, 40)
    assert again.attempt == 0  # ready again: the consecutive count is over
    assert (await engine_info(port))["pid"] != first_pid
    assert events.matching(f"listening on {port}). Restarting in 0.05 s (attempt 1 of 3).", "warning")


async def test_stop_ends_the_engine_within_the_grace(supervisors, port) -> None:
    sup, events = supervisors(program_command(standin_program(), port), port)
    await sup.start()
    await sup.wait_for(running, 40)
    pid = (await engine_info(port))["pid"]

    await asyncio.wait_for(sup.stop(), FAST.stop_grace + 3)
    assert sup.snapshot.state is EngineState.STOPPED
    assert await wait_pid_gone(pid, timeout=2)
    assert events.matching("AceStream engine stopped.")
    assert not events.matching("by force")  # it obeyed SIGTERM


async def test_engine_ignoring_sigterm_is_killed_after_the_grace(supervisors, port) -> None:
    policy = SupervisorPolicy(**{**FAST.__dict__, "stop_grace": 0.5})
    sup, events = supervisors(program_command(standin_program("--ignore-term"), port), port, policy)
    await sup.start()
    await sup.wait_for(running, 40)
    pid = (await engine_info(port))["pid"]

    await asyncio.wait_for(sup.stop(), policy.stop_grace + 3)
    # SIGKILL lands asynchronously: gone within a short bound, not at the very instant stop() returns.
    assert await wait_pid_gone(pid, timeout=2)
    assert events.matching("did not stop within 0.5 s; ending it by force", "warning")


async def test_program_exiting_at_once_backs_off_then_fails_with_what_it_said(supervisors, port) -> None:
    sup, events = supervisors(program_command(standin_program("--exit-at-once", "3"), port), port)
    await sup.start()
    failed = await sup.wait_for(lambda s: s.state is EngineState.FAILED, 60)
    assert failed.reason == (
        "The AceStream engine exited before it answered (exit code 3; it said: error: the engine cannot "
        "start (stand-in failure)). Gave up after 3 restarts in a row."
    )
    assert failed.restarts == 3 and not failed.owned and failed.pid is None
    backoffs = events.matching("Restarting in", "warning")
    assert [m.split("Restarting in ")[1] for m in backoffs] == [
        "0.05 s (attempt 1 of 3).",
        "0.1 s (attempt 2 of 3).",
        "0.2 s (attempt 3 of 3).",
    ]
    assert events.matching("AceStream engine failed: The AceStream engine exited", "error")


async def test_program_that_never_answers_fails_after_the_ready_wait(supervisors, port) -> None:
    policy = SupervisorPolicy(**{**FAST.__dict__, "ready_timeout": 1.0})
    sup, _ = supervisors(program_command(standin_program("--never-listen"), port), port, policy)
    await sup.start()
    failed = await sup.wait_for(lambda s: s.state is EngineState.FAILED, 20)
    assert failed.reason == (
        f"The AceStream engine did not answer on port {port} within 1 s; "
        f"it said: standin engine starting, pid {failed.reason.rsplit('pid ', 1)[-1]}"
    )
    assert failed.restarts == 0  # a program that never answers is not retried


async def test_missing_program_fails_at_once_without_retrying(supervisors, port) -> None:
    sup, _ = supervisors(user_command("/nonexistent/acestreamengine --http-port {port}", port), port)
    await sup.start()
    failed = await sup.wait_for(lambda s: s.state is EngineState.FAILED, 10)
    assert failed.reason == "The engine program was not found: /nonexistent/acestreamengine"
    assert failed.restarts == 0


async def test_old_engine_is_warned_about_once_even_across_restarts(supervisors, port) -> None:
    sup, events = supervisors(program_command(standin_program("--version", "3.1.49"), port), port)
    await sup.start()
    snapshot = await sup.wait_for(running, 40)
    assert snapshot.outdated
    os.kill((await engine_info(port))["pid"], signal.SIGKILL)
    await sup.wait_for(lambda s: running(s) and s.restarts == 1, 40)
    warnings = events.matching("older than 3.2", "warning")
    assert warnings == [
        "AceStream engine 3.1.49 is older than 3.2: some internet providers cut such engines every "
        "12–15 minutes. Updating the engine is recommended."
    ]


async def test_user_command_gets_the_port_and_no_added_flags(supervisors, port, tmp_path) -> None:
    text = f'"{sys.executable}" "{standin_program()[1]}" --http-port {{port}} --version 3.2.9'
    sup, _ = supervisors(user_command(text, port), port)
    await sup.start()
    assert (await sup.wait_for(running, 40)).version == "3.2.9"
    assert "--client-console" not in (tmp_path / "logs" / "engine.log").read_text()


async def test_stop_while_starting_ends_the_half_started_engine(supervisors, port) -> None:
    sup, _ = supervisors(program_command(standin_program("--never-listen"), port), port)
    await sup.start()
    starting = await sup.wait_for(lambda s: s.state is EngineState.STARTING and s.pid is not None, 20)
    guard = psutil.Process(starting.pid)
    engine = await wait_for_child(guard)
    await asyncio.wait_for(sup.stop(), FAST.stop_grace + 3)
    assert sup.snapshot.state is EngineState.STOPPED
    assert await wait_pid_gone(engine.pid, timeout=2) and await wait_pid_gone(guard.pid, timeout=2)


async def test_stop_during_the_backoff_spawns_nothing_more(supervisors, port) -> None:
    policy = SupervisorPolicy(**{**FAST.__dict__, "backoff_first": 30.0, "backoff_max": 30.0})
    sup, _ = supervisors(program_command(standin_program("--exit-at-once", "1"), port), port, policy)
    await sup.start()
    waiting = await sup.wait_for(lambda s: s.state is EngineState.RESTARTING and s.pid is None, 20)
    assert waiting.attempt == 1
    await asyncio.wait_for(sup.stop(), 2)  # does not sit out the 30 s backoff
    assert sup.snapshot.state is EngineState.STOPPED and sup.snapshot.restarts == 0


async def wait_for_child(parent: psutil.Process) -> psutil.Process:
    """The guard's engine child, once it exists (spawned just after the guard itself)."""
    async with asyncio.timeout(10):
        while True:
            for child in parent.children():
                if "standin_engine.py" in " ".join(child.cmdline()):
                    return child
            await asyncio.sleep(0.02)  # polling the OS: no event exists for "a process appeared"
