"""The link check's pace: at most N probe starts in any 60 s, shown with a clock the test drives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from desktop.streaming.config import ProxyConfig
from desktop.streaming.engine.client import EngineClient
from desktop.streaming.events import EventSink
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.probes import LinkChecker, SlidingWindow
from desktop.streaming.sources import HealthStore
from tests.core.link_check_support import SkippingClock, keys, source


class Events:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, event) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(event.message)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def checker_on(engine, http, clock: SkippingClock, **config) -> tuple[LinkChecker, HealthStore, Events]:  # type: ignore[no-untyped-def]
    events = Events()
    context = CoreContext(ProxyConfig(engine_url=engine.url, **config), EventSink(events))
    context.attach(http, EngineClient(engine.url, http))
    health = HealthStore(clock=clock.wall)
    checker = LinkChecker(context, health, clock=clock)
    checker.attach(StreamRegistry(context))
    return checker, health, events


@pytest.mark.parametrize("per_minute", [12, 5])
async def test_no_60_s_window_holds_more_probes_than_the_setting_allows(fake_engine, http, per_minute: int) -> None:
    clock = SkippingClock()
    checker, health, events = checker_on(fake_engine, http, clock, check_per_minute=per_minute)
    ids = [source(n) for n in range(30)]
    checker.check(keys(ids))
    async with asyncio.timeout(30):
        await checker.until_finished()

    times = sorted(health.get(ChannelKey("id", i)).checked_at for i in ids)  # type: ignore[type-var]
    assert len(times) == 30 and all(t is not None for t in times)
    windows = [later - earlier for earlier, later in zip(times, times[per_minute:], strict=False)]
    assert min(windows) >= 60.0  # the (N+1)-th probe never within 60 s of the first of N
    # ...and it does not dawdle either: each further batch of N waits one window, no more.
    assert clock.time == pytest.approx(60.0 * ((30 - 1) // per_minute))
    assert events.messages[-1] == "Link check finished: 30 alive, 0 dead (30 links)."
    assert fake_engine.counters.most_sessions == 1 and fake_engine.active_sessions == 0


def test_the_window_slides_rather_than_refilling_each_minute() -> None:
    clock = SkippingClock()
    window = SlidingWindow(clock)
    for at in (0.0, 10.0, 20.0):
        clock.time = at
        assert window.wait_time(3) == 0.0
        window.spend()
    clock.time = 30.0
    assert window.wait_time(3) == 30.0  # until the start at 0 s leaves the window
    clock.time = 60.0
    assert window.wait_time(3) == 0.0
    window.spend()
    assert window.wait_time(3) == 10.0  # the one at 10 s is next to leave
    assert window.wait_time(10) == 0.0  # a setting raised meanwhile applies at once
