"""The refresh schedule: every N hours, at once on request, never two at a time."""

from __future__ import annotations

import asyncio

import pytest

from desktop.streaming.channels.scheduler import HOUR, RefreshScheduler

TINY_HOURS = 0.02 / HOUR  # 20 ms, so periodic behaviour shows within a test


class Refreshes:
    """A refresh callable that reports each call and can be held open."""

    def __init__(self) -> None:
        self.started: asyncio.Queue[int] = asyncio.Queue()
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False

    async def __call__(self) -> None:
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.started.put_nowait(self.calls)
        try:
            await self.gate.wait()
            if self.fail:
                raise RuntimeError("the site is down")
        finally:
            self.running -= 1

    async def next(self) -> int:
        return await self.started.get()


@pytest.fixture
async def refreshes():
    return Refreshes()


async def test_nothing_runs_before_the_interval_and_refresh_now_runs_at_once(refreshes) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6)
    scheduler.start()
    await asyncio.sleep(0)  # let the task reach its wait
    assert refreshes.calls == 0
    assert scheduler.seconds_until_next() == pytest.approx(6 * HOUR, abs=5)
    scheduler.refresh_now()
    assert await refreshes.next() == 1
    await scheduler.stop()


async def test_refreshes_repeat_every_interval(refreshes) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=TINY_HOURS)
    scheduler.start()
    assert [await refreshes.next(), await refreshes.next(), await refreshes.next()] == [1, 2, 3]
    await scheduler.stop()


async def test_stale_saved_copies_refresh_at_start(refreshes) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6, first_delay=0)
    scheduler.start()
    assert await refreshes.next() == 1
    await scheduler.stop()


async def test_refresh_now_during_a_refresh_runs_one_more_afterwards_never_overlapping(
    refreshes,
) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6)
    scheduler.start()
    refreshes.gate.clear()
    scheduler.refresh_now()
    await refreshes.next()
    for _ in range(3):
        scheduler.refresh_now()
    refreshes.gate.set()
    assert await refreshes.next() == 2
    while scheduler.runs < 2:  # wait for the second to finish, then check that no third came
        await asyncio.sleep(0)
    assert (refreshes.calls, refreshes.most_at_once) == (2, 1)
    await scheduler.stop()


async def test_a_failing_refresh_does_not_stop_the_schedule(refreshes, caplog) -> None:
    refreshes.fail = True
    scheduler = RefreshScheduler(refreshes, interval_hours=TINY_HOURS)
    scheduler.start()
    assert [await refreshes.next(), await refreshes.next()] == [1, 2]
    assert "playlist refresh failed" in caplog.text
    await scheduler.stop()


async def test_interval_zero_means_only_on_request(refreshes) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=0, first_delay=0)
    scheduler.start()
    await asyncio.sleep(0)
    assert (scheduler.seconds_until_next(), refreshes.calls) == (None, 0)
    scheduler.refresh_now()
    assert await refreshes.next() == 1
    await scheduler.stop()


async def test_a_shorter_interval_takes_effect_at_once(refreshes) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6)
    scheduler.start()
    await asyncio.sleep(0)
    scheduler.set_interval(TINY_HOURS)
    assert await refreshes.next() == 1
    scheduler.set_interval(0)
    assert scheduler.seconds_until_next() is None
    assert scheduler.interval_hours == 0
    await scheduler.stop()


async def test_stop_cancels_a_refresh_in_progress(refreshes) -> None:
    refreshes.gate.clear()
    scheduler = RefreshScheduler(refreshes, interval_hours=6, first_delay=0)
    scheduler.start()
    await refreshes.next()
    await scheduler.stop()
    assert refreshes.running == 0
