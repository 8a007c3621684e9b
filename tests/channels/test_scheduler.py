"""The refresh schedule: every N hours, at once on request, never two at a time.

Hours pass on a fake clock the tests move on (tests/fake_clock.py), not in real time.
"""

from __future__ import annotations

import asyncio

import pytest

from desktop.streaming.channels.scheduler import HOUR, RefreshScheduler
from tests.fake_clock import FakeClock


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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def after_runs(scheduler: RefreshScheduler, runs: int) -> None:
    """Once `runs` refreshes have finished (and the next one is planned from the end of the last)."""
    while scheduler.runs < runs:
        await asyncio.sleep(0)


async def test_nothing_runs_before_the_interval_and_refresh_now_runs_at_once(refreshes, clock) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6, clock=clock)
    scheduler.start()
    await clock.asleep(6 * HOUR)  # its timer waits the whole interval (one set early would wait less)
    clock.advance(6 * HOUR - 1)
    await clock.settled()
    assert refreshes.calls == 0
    assert scheduler.seconds_until_next() == pytest.approx(1)
    scheduler.refresh_now()
    assert await refreshes.next() == 1
    await scheduler.stop()


async def test_refreshes_repeat_every_interval(refreshes, clock) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6, clock=clock)
    scheduler.start()
    for run in (1, 2, 3):
        await clock.asleep(6 * HOUR)  # the next round is planned a whole interval from the last one's end
        clock.advance(6 * HOUR - 1)
        await clock.settled()
        assert refreshes.calls == run - 1  # not a second early
        clock.advance(1)
        assert await refreshes.next() == run
        await after_runs(scheduler, run)
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
    await after_runs(scheduler, 2)  # the second finished: check that no third came
    assert (refreshes.calls, refreshes.most_at_once) == (2, 1)
    await scheduler.stop()


async def test_a_failing_refresh_does_not_stop_the_schedule(refreshes, clock, caplog) -> None:
    refreshes.fail = True
    scheduler = RefreshScheduler(refreshes, interval_hours=6, clock=clock)
    scheduler.start()
    for run in (1, 2):
        clock.advance(6 * HOUR)
        assert await refreshes.next() == run
        await after_runs(scheduler, run)
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


async def test_a_shorter_interval_takes_effect_at_once(refreshes, clock) -> None:
    scheduler = RefreshScheduler(refreshes, interval_hours=6, clock=clock)
    scheduler.start()
    clock.advance(2 * HOUR)
    await clock.settled()
    scheduler.set_interval(1)  # an hour: already overdue, two hours after the start
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
