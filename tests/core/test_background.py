"""The core's background helpers: waits that double, and a task ended and waited for."""

from __future__ import annotations

import asyncio

import pytest

from desktop.streaming.runtime.background import Backoff, cancel_and_wait


def test_a_backoff_doubles_from_its_first_wait_up_to_its_most() -> None:
    backoff = Backoff(first=5.0, most=30.0)
    assert [backoff.wait(n) for n in range(6)] == [5.0, 5.0, 10.0, 20.0, 30.0, 30.0]


async def test_cancel_and_wait_returns_once_the_task_has_ended() -> None:
    started, ended = asyncio.Event(), asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            ended.set()

    task = asyncio.create_task(forever())
    await started.wait()
    await cancel_and_wait(task)
    assert task.cancelled() and ended.is_set()
    await cancel_and_wait(None)  # nothing there: nothing to do


async def test_cancel_and_wait_passes_on_what_else_the_task_raised() -> None:
    started = asyncio.Event()

    async def fails_on_cancel() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RuntimeError("broke while stopping") from None

    task = asyncio.create_task(fails_on_cancel())
    await started.wait()
    with pytest.raises(RuntimeError, match="broke while stopping"):
        await cancel_and_wait(task)
