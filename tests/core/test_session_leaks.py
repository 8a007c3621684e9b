"""Every engine session AceTray started gets stopped: late ones, and ones whose stop failed at first."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

import pytest

from desktop.streaming.live import session_stopper
from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import wait_until


async def test_a_session_the_engine_starts_after_the_start_timeout_is_stopped_when_it_arrives(
    fake_engine, proxy_factory
) -> None:
    fake_engine.set_faults(start_delay=1.5)
    proxy = await proxy_factory(fake_engine.url, start_timeout=0.5)
    async with proxy.http.get(proxy.url()) as resp:
        assert resp.status == 504  # the player is told at once...
    assert fake_engine.counters.sessions_started == 0
    # ...and the session the engine makes afterwards is stopped, not left running for nobody.
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_started == 1, timeout=10)
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1, timeout=10)
    assert fake_engine.active_sessions == 0
    assert proxy.service.context.sessions.late_sessions == 1


async def test_a_session_started_for_players_who_all_left_meanwhile_is_stopped(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(start_delay=60)
    proxy = await proxy_factory(fake_engine.url)
    player = asyncio.ensure_future(proxy.http.get(proxy.url()))  # waits: the engine holds the start
    await wait_until(lambda: fake_engine.counters.getstream_requests == 1)
    player.cancel()  # the only player leaves before the session exists
    await wait_until(lambda: len(proxy.registry) == 0)
    fake_engine.set_faults(start_delay=0)  # now the engine finishes creating it
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1, timeout=10)
    assert fake_engine.active_sessions == 0


@pytest.mark.parametrize("given_up_by", ["the start timeout", "every player leaving"])
async def test_a_session_the_engine_brings_after_acetray_stopped_waiting_for_its_answer_is_stopped(
    fake_engine, proxy_factory, monkeypatch, given_up_by
) -> None:
    # As seen with a real engine: AceTray gave up at 30 s, the engine answered at 45 s.
    monkeypatch.setattr(session_stopper, "START_TIMEOUT", 0.4)
    fake_engine.set_faults(start_delay=0.6)
    proxy = await proxy_factory(fake_engine.url)
    if given_up_by == "the start timeout":
        async with proxy.http.get(proxy.url()) as resp:
            assert resp.status == 504
            assert "did not answer within 0.4 s" in await resp.text()  # the player is told at its time
    else:
        player = asyncio.ensure_future(proxy.http.get(proxy.url()))
        await wait_until(lambda: fake_engine.counters.getstream_requests == 1)
        player.cancel()
        await wait_until(lambda: len(proxy.registry) == 0)
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_started == 1, timeout=10)
    await fake_engine.wait_until(lambda: fake_engine.counters.stop_calls == 1, timeout=10)
    assert fake_engine.counters.sessions_stopped == 1 and fake_engine.active_sessions == 0
    assert proxy.service.context.sessions.late_sessions == 1


async def test_an_answer_is_waited_for_in_the_background_only_up_to_late_start_wait(
    fake_engine, proxy_factory, monkeypatch
) -> None:
    monkeypatch.setattr(session_stopper, "START_TIMEOUT", 0.2)
    monkeypatch.setattr(session_stopper, "LATE_START_WAIT", 0.5)
    fake_engine.set_faults(start_delay=60)  # never, as far as AceTray can tell
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(proxy.url()) as resp:
        assert resp.status == 504
    stopper = proxy.service.context.sessions
    assert stopper.pending == 1  # still listening for the engine's answer...
    assert await stopper.wait(timeout=10)  # ...for a bounded time only
    assert stopper.late_sessions == 0 and fake_engine.counters.stop_calls == 0


async def _leave_while_the_engine_is_down(engine, proxy) -> None:  # type: ignore[no-untyped-def]
    """A player watches, the engine becomes unreachable, the player leaves: the stop command fails."""
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(10 * PACKET_SIZE)
        await engine.go_offline()
    stopper = proxy.service.context.sessions
    await wait_until(lambda: stopper.failed_attempts >= 1)
    assert engine.counters.sessions_stopped == 0 and engine.active_sessions == 1


async def test_a_stop_that_fails_while_the_engine_is_down_is_retried_and_lands(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, linger=0)
    await _leave_while_the_engine_is_down(fake_engine, proxy)
    await fake_engine.come_online()
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1, timeout=10)
    assert fake_engine.active_sessions == 0


async def test_stopping_the_proxy_sweeps_failed_stops_at_once(fake_engine, proxy_factory, monkeypatch) -> None:
    monkeypatch.setattr(session_stopper, "RETRY_FIRST", 60.0)  # the retry would come far too late on its own
    proxy = await proxy_factory(fake_engine.url, linger=0)
    await _leave_while_the_engine_is_down(fake_engine, proxy)
    await fake_engine.come_online()
    await proxy.service.stop()
    assert fake_engine.counters.sessions_stopped == 1  # swept within the shutdown grace
    assert fake_engine.active_sessions == 0


async def test_stopping_the_proxy_waits_only_a_bounded_time_when_the_engine_stays_away(
    fake_engine, proxy_factory, caplog
) -> None:
    from desktop.streaming import service

    proxy = await proxy_factory(fake_engine.url, linger=0)
    fake_engine.set_faults(stop_hangs=True)  # answers nothing, so every stop waits for its timeout
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(10 * PACKET_SIZE)
    await wait_until(lambda: fake_engine.counters.stop_calls == 1)  # (a hung stop wakes no engine waiter)
    began = time.monotonic()
    await proxy.service.stop()
    assert time.monotonic() - began < service.SHUTDOWN_GRACE + 1.0
    assert proxy.service.context.sessions.pending == 0
    assert "could not be stopped in time" in caplog.text


async def test_failed_stops_are_given_up_after_a_bounded_number_of_attempts(
    fake_engine, proxy_factory, monkeypatch
) -> None:
    monkeypatch.setattr(session_stopper, "RETRY_FIRST", 0.01)
    monkeypatch.setattr(session_stopper, "RETRY_MAX", 0.02)
    proxy = await proxy_factory(fake_engine.url, linger=0)
    await _leave_while_the_engine_is_down(fake_engine, proxy)
    stopper = proxy.service.context.sessions
    await wait_until(lambda: stopper.pending == 0)
    assert stopper.failed_attempts == session_stopper.ATTEMPTS
    await asyncio.sleep(0)  # nothing more is scheduled
    assert stopper.failed_attempts == session_stopper.ATTEMPTS


async def test_after_an_engine_switch_failed_stops_on_the_old_engine_are_not_retried(
    fake_engine_factory, proxy_factory, caplog
) -> None:
    old, new = await fake_engine_factory(), await fake_engine_factory()
    proxy = await proxy_factory(old.url)
    channels = [f"{n:040x}" for n in range(1, 6)]
    players = [await proxy.http.get(proxy.url(content_id)) for content_id in channels]
    try:
        for player in players:
            await player.content.readexactly(10 * PACKET_SIZE)
        old.set_faults(stop_error="engine is shutting down")  # every stop there fails from now on
        caplog.set_level("DEBUG", logger=session_stopper.__name__)
        await proxy.service.apply(dataclasses.replace(proxy.service.config, engine_url=new.url))
        stopper = proxy.service.context.sessions
        # One attempt each, then nothing waits to retry (before: six attempts each, over ~15 s).
        await wait_until(lambda: stopper.pending == 0, timeout=5)
        assert old.counters.stop_calls == len(channels)
        assert stopper.failed_attempts == len(channels)
        lines = [
            r.getMessage() for r in caplog.records if r.name == session_stopper.__name__ and r.levelno >= logging.INFO
        ]
        assert lines == ["5 engine session stop(s) will not be retried: the engine was changed in Settings"]
        # The channels play on from the new engine.
        await wait_until(lambda: new.counters.sessions_started == len(channels), timeout=10)
    finally:
        for player in players:
            player.close()
