"""Keeping the UI's background work and open dialogs alive, and reporting what fails."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject

log = logging.getLogger(__name__)


class TaskSpawner:
    """Runs coroutines on the UI's loop; a failure is logged and told, never lost."""

    def __init__(self, report: Callable[[str, str, str], None]) -> None:
        self._report = report  # (title, message, level)
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("UI task failed", exc_info=task.exception())
            self._report("Something went wrong", f"{task.exception()}", "error")


D = TypeVar("D", bound=QObject)


class DialogKeeper:
    """Holds references to open dialogs (Qt would otherwise let Python collect them)."""

    def __init__(self) -> None:
        self.open: list[QObject] = []

    def keep(self, dialog: QObject) -> None:
        self.open.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._drop(d))  # type: ignore[attr-defined]

    def find(self, kind: type) -> QObject | None:
        return next((d for d in self.open if isinstance(d, kind)), None)

    def all_of(self, kind: type[D]) -> list[D]:
        """Every open dialog of this kind (some, like a channel's Sources, open once per channel)."""
        return [d for d in self.open if isinstance(d, kind)]

    def _drop(self, dialog: QObject) -> None:
        if dialog in self.open:
            self.open.remove(dialog)
        dialog.deleteLater()
