"""All or nothing: a change made of steps, each leaving its undo.

    async with Rollback() as change:
        site = await change.step("listener", open_new_listener)  # returns (site, undo)
        await change.step("settings", undoable(lambda: use(new), use))  # use() returns what it replaced

When anything inside the block fails (or the caller is cancelled), every step
already done is undone, newest first, and the failure goes on to the caller
unchanged. An undo that fails is logged and the others still run: the caller
hears about the failure it caused, not a later one. A step must itself be
all or nothing (it either returns its undo or raises having changed nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Undo = Callable[[], Awaitable[None]]
Step = Callable[[], Awaitable[tuple[T, Undo]]]
COMMIT = "commit"  # the name `on_step` hears last, once every step is done and before the change is kept


async def nothing_to_undo() -> None:
    """The undo of a step that turned out to change nothing."""


def undoable(do: Callable[[], T], undo: Callable[[T], object]) -> Step[T]:
    """A step made of plain calls: `do()`, and to undo it `undo(what do() returned)`."""

    async def step() -> tuple[T, Undo]:
        value = do()

        async def back() -> None:
            undo(value)

        return value, back

    return step


class Rollback:
    def __init__(self, on_step: Callable[[str], None] | None = None) -> None:
        """`on_step(name)` is called before each step and before the change is kept (`COMMIT`):
        tests make it raise, to fail a change at each step in turn."""
        self._on_step = on_step
        self._undos: list[tuple[str, Undo]] = []

    async def step(self, name: str, do: Step[T]) -> T:
        """Run one step; its undo is kept until the change is kept or undone."""
        if self._on_step is not None:
            self._on_step(name)
        value, undo = await do()
        self._undos.append((name, undo))
        return value

    async def __aenter__(self) -> Rollback:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None and self._on_step is not None:
            try:
                self._on_step(COMMIT)
            except BaseException:
                await self._undo_all()
                raise
        if exc is not None:
            await self._undo_all()
        self._undos.clear()

    async def _undo_all(self) -> None:
        while self._undos:
            name, undo = self._undos.pop()
            try:
                await undo()
            except Exception:
                log.exception("could not undo the step %r of a refused change", name)
