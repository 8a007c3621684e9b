"""A settings change is all or nothing: whichever step of `apply` fails, the service is exactly as it was.

Each step is failed in turn through the service's step hook (and the real faults
too: a taken port, a demo engine that cannot start, a port lost while undoing).
"As it was" is what a person and the code see: the snapshot, the config streams
read, the engine they start on, the refresh interval, the listening socket, and
a player that keeps receiving on the same connection without a reconnect.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest

from desktop.streaming.config import ENGINE_PROGRAM, ProxyConfig
from desktop.streaming.demo.engine import DemoEngine
from desktop.streaming.service import ProxyService, ProxyStartError
from tests.core.conftest import CHANNEL, EventLog
from tests.owned_engine import FAST_POLICY, demo_engine_command
from tests.ports import free_port
from tests.ui.helpers import port_accepts

PACKET = 188
RUNNING_STEPS = ("listener", "engine", "settings", "refresh schedule", "engine owner", "commit")
STOPPED_STEPS = ("settings", "refresh schedule", "engine owner", "start", "commit")


class InjectedFault(RuntimeError):
    pass


class StepFault:
    """The service's step hook: records each step and fails the chosen one."""

    def __init__(self) -> None:
        self.fail_at: str | None = None
        self.failure: type[BaseException] = InjectedFault
        self.seen: list[str] = []
        self.before_failing: Any = None  # called just before the failure (a fault of its own)

    def __call__(self, step: str) -> None:
        self.seen.append(step)
        if step == self.fail_at:
            if self.before_failing is not None:
                self.before_failing()
            raise self.failure(f"injected at {step}")


def picture(service: ProxyService) -> tuple[object, ...]:
    """Everything a settings change may touch, without the figures that move as bytes flow."""
    snapshot = service.snapshot()
    streams = tuple(
        (s.content_id, s.kind, s.reconnects, s.started_at, s.last_error, tuple(c.client_id for c in s.clients))
        for s in snapshot.streams
    )
    engine = service.context.engine if service.context.attached else None
    return (
        dataclasses.replace(snapshot, streams=(), taken_at=0.0),
        streams,
        service.config,
        service.engine_url,
        engine,  # the very client new sessions start on
        service.channels.interval_hours,
    )


def wanted_change(config: ProxyConfig, engine_url: str) -> ProxyConfig:
    """A change that takes every step: a new port, engine, tunables, refresh interval and engine owner."""
    return dataclasses.replace(
        config,
        port=free_port(),
        engine_url=engine_url,
        queue_size=8,
        linger=7.0,
        playlist_refresh_hours=1.0,
        engine_mode=ENGINE_PROGRAM,
        engine_program=demo_engine_command(),
    )


@contextmanager
def taken_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest.fixture
async def service_factory():
    made: list[ProxyService] = []

    def make(engine_url: str, fault: StepFault, **fields: Any) -> tuple[ProxyService, EventLog]:
        events = EventLog()
        fields.setdefault("port", free_port())
        config = ProxyConfig(engine_url=engine_url, linger=0.5, **fields)
        service = ProxyService(config, on_event=events, engine_policy=FAST_POLICY, on_apply_step=fault)
        made.append(service)
        return service, events

    yield make
    for service in made:
        await service.stop()


@pytest.mark.parametrize("step", RUNNING_STEPS)
async def test_whichever_step_fails_the_running_proxy_and_its_players_are_as_before(
    step, fake_engine_factory, service_factory, http
) -> None:
    first, second = await fake_engine_factory(), await fake_engine_factory()
    fault = StepFault()
    service, _events = service_factory(first.url, fault)
    await service.start()
    old_port = service.config.port
    async with http.get(f"{service.listen_url}/ace/getstream?id={CHANNEL}") as player:
        await player.content.readexactly(100 * PACKET)
        before = picture(service)
        wanted = wanted_change(service.config, second.url)

        fault.fail_at = step
        with pytest.raises(InjectedFault):
            await service.apply(wanted)

        assert fault.seen == list(RUNNING_STEPS[: RUNNING_STEPS.index(step) + 1])
        assert picture(service) == before
        await player.content.readexactly(1000 * PACKET)  # the same connection goes on playing
    assert (first.counters.sessions_started, second.counters.sessions_started) == (1, 0)  # no reconnect
    assert port_accepts(old_port) and not port_accepts(wanted.port)
    async with http.get(f"http://127.0.0.1:{old_port}/ace/getstream?id={CHANNEL}") as newcomer:
        assert newcomer.status == 200


async def test_the_same_change_without_a_fault_takes_every_step(fake_engine_factory, service_factory, http) -> None:
    first, second = await fake_engine_factory(), await fake_engine_factory()
    fault = StepFault()
    service, events = service_factory(first.url, fault)
    await service.start()
    wanted = wanted_change(service.config, second.url)
    await service.apply(wanted)
    assert fault.seen == list(RUNNING_STEPS)
    assert service.config == wanted and service.listen_url == f"http://127.0.0.1:{wanted.port}"
    assert service.channels.interval_hours == 1.0 and service.engine_url == second.url
    assert service.snapshot().engine_host is not None  # AceTray is in charge of the engine now
    await events.wait_for("Proxy now listening on")


@pytest.mark.parametrize("step", STOPPED_STEPS)
async def test_whichever_step_fails_a_stopped_proxy_stays_stopped_with_its_settings_and_reason(
    step, fake_engine, service_factory
) -> None:
    fault = StepFault()
    with taken_port() as busy:
        service, _events = service_factory(fake_engine.url, fault, port=busy)
        with pytest.raises(ProxyStartError):
            await service.start()  # a busy port at start: stopped, and the window says why
    before = picture(service)
    assert not service.running and "in use" in (service.snapshot().error or "")

    fault.fail_at = step
    with pytest.raises(InjectedFault):
        await service.apply(dataclasses.replace(service.config, port=free_port(), queue_size=8), start=True)

    assert fault.seen == list(STOPPED_STEPS[: STOPPED_STEPS.index(step) + 1])
    assert picture(service) == before


async def test_a_stopped_proxy_that_cannot_start_with_the_new_settings_keeps_the_old_ones(
    fake_engine, service_factory
) -> None:
    service, events = service_factory(fake_engine.url, StepFault())
    before = picture(service)
    with taken_port() as busy:
        wanted = dataclasses.replace(service.config, port=busy, playlist_refresh_hours=2.0)
        with pytest.raises(ProxyStartError, match=f"Port {busy} is in use"):
            await service.apply(wanted, start=True)
    assert picture(service) == before
    await service.apply(dataclasses.replace(service.config, queue_size=8), start=True)  # a good change starts it
    assert service.running and service.config.queue_size == 8
    assert not any("Proxy stopped" in m for m in events.messages())


async def test_a_taken_port_changes_nothing_and_says_where_the_proxy_stays(
    fake_engine_factory, service_factory, http
) -> None:
    first, second = await fake_engine_factory(), await fake_engine_factory()
    service, _events = service_factory(first.url, StepFault())
    await service.start()
    async with http.get(f"{service.listen_url}/ace/getstream?id={CHANNEL}") as player:
        await player.content.readexactly(100 * PACKET)
        before = picture(service)
        with taken_port() as busy:
            wanted = dataclasses.replace(wanted_change(service.config, second.url), port=busy)
            with pytest.raises(ProxyStartError) as refused:
                await service.apply(wanted)
        assert str(refused.value) == f"Port {busy} is in use by another program; AceTray stays on {before[2].port}."
        assert picture(service) == before
        await player.content.readexactly(1000 * PACKET)
    assert second.counters.sessions_started == 0


async def test_a_demo_engine_that_cannot_start_leaves_the_old_port_and_engine(
    fake_engine, service_factory, http, monkeypatch
) -> None:
    service, _events = service_factory(fake_engine.url, StepFault())
    await service.start()

    async def cannot_start(self: DemoEngine) -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(DemoEngine, "start", cannot_start)
    async with http.get(f"{service.listen_url}/ace/getstream?id={CHANNEL}") as player:
        await player.content.readexactly(100 * PACKET)
        before = picture(service)
        wanted = dataclasses.replace(service.config, port=free_port(), demo=True)
        with pytest.raises(ProxyStartError, match="demo engine could not start: Too many open files"):
            await service.apply(wanted)
        assert picture(service) == before and not port_accepts(wanted.port)
        await player.content.readexactly(1000 * PACKET)


async def test_the_same_port_on_another_address_is_let_go_and_taken_back(fake_engine, service_factory, http) -> None:
    fault = StepFault()
    service, _events = service_factory(fake_engine.url, fault)
    await service.start()
    port = service.config.port
    async with http.get(f"{service.listen_url}/ace/getstream?id={CHANNEL}") as player:
        await player.content.readexactly(100 * PACKET)
        before = picture(service)
        fault.fail_at = "engine"  # after the old socket was let go for the new address
        with pytest.raises(InjectedFault):
            await service.apply(dataclasses.replace(service.config, host="127.0.0.2"))
        assert picture(service) == before
        assert port_accepts(port) and not port_accepts(port, host="127.0.0.2")
        await player.content.readexactly(1000 * PACKET)


async def test_a_port_lost_while_undoing_stops_the_proxy_cleanly_and_says_so(fake_engine, service_factory) -> None:
    fault = StepFault()
    service, events = service_factory(fake_engine.url, fault)
    await service.start()
    port = service.config.port
    thief = socket.socket()
    fault.fail_at = "engine"
    # Another program takes the old address in the moment it was let go.
    fault.before_failing = lambda: (thief.bind(("127.0.0.1", port)), thief.listen())
    try:
        with pytest.raises(InjectedFault):
            await service.apply(dataclasses.replace(service.config, host="127.0.0.2"))
        assert not service.running and service.registry is None and not service.context.attached
        assert f"Port {port} is in use" in (service.snapshot().error or "")
        await events.wait_for("The proxy stopped: it could not listen where it did.")
    finally:
        thief.close()
    await service.start()  # once the port is free again, Start proxy works
    assert service.running and service.config.host == "127.0.0.1"


async def test_a_cancelled_change_is_undone_too(fake_engine_factory, service_factory) -> None:
    first, second = await fake_engine_factory(), await fake_engine_factory()
    fault = StepFault()
    service, _events = service_factory(first.url, fault)
    await service.start()
    before = picture(service)
    fault.fail_at, fault.failure = "engine owner", asyncio.CancelledError
    with pytest.raises(asyncio.CancelledError):
        await service.apply(wanted_change(service.config, second.url))
    assert picture(service) == before
