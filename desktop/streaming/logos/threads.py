"""Blocking calls (the disk, a local file) run off the event loop on daemon threads, a few at a time.

Not a ThreadPoolExecutor: Python waits for its threads at exit, and a read
stuck on a dead network mount would then keep AceTray from quitting. A stuck
call keeps its slot, so at most `size` threads are ever stuck; later calls
wait for a slot, and their caller's deadline still answers the person.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DaemonThreads:
    def __init__(self, size: int, name: str) -> None:
        self._slots = asyncio.Semaphore(size)
        self._name = name

    async def run(self, fn: Callable[[], T]) -> T:
        """`fn()` on a thread of its own; cancelling the caller does not stop the thread, only the wait."""
        await self._slots.acquire()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()

        def finish(result: T | None, error: BaseException | None) -> None:
            self._slots.release()
            if answer.done():  # the caller gave up meanwhile
                return
            if error is not None:
                answer.set_exception(error)
            else:
                answer.set_result(result)  # type: ignore[arg-type]

        def work() -> None:
            result: T | None = None
            error: BaseException | None = None
            try:
                result = fn()
            except Exception as exc:  # handed to the caller on the loop
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                loop.call_soon_threadsafe(finish, result, error)

        try:
            threading.Thread(target=work, name=self._name, daemon=True).start()
        except BaseException:
            self._slots.release()
            raise
        return await answer
