"""The written `/epg.xml` files: one pair (plain and gzip) at a time, written again when due.

A guide is written when what it shows changed (the host's version moved) or
when it is `LIFETIME` old (placeholders and the past cut-off move on with time),
and only then: every client in between is served the same files. A new pair
replaces the old one; the pair before that is removed then (a request handed the
old pair a moment ago still finds it; a client reading one keeps its open file;
on Windows the next run removes what could not be).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from desktop.streaming.guide.render import GuideEntry, RenderCounts, write_guide

LIFETIME = 3600.0  # s

# What a new guide is written from: its entries, and each guide source's stored copy.
Inputs = tuple[list[GuideEntry], dict[str, Path]]


@dataclass(frozen=True)
class GuideOutput:
    """One written `/epg.xml`: the file, its gzip, and what it holds."""

    plain: Path
    packed: Path
    counts: RenderCounts
    made_at: float
    version: int


class GuideOutputs:
    def __init__(self, folder: Path, executor: Executor, clock: Callable[[], float]) -> None:
        self._folder = folder
        self._executor = executor
        self._clock = clock
        self._current: GuideOutput | None = None
        self._previous: GuideOutput | None = None
        self._written = 0
        self._lock = asyncio.Lock()

    async def current(self, version: int, inputs: Callable[[], Awaitable[Inputs]]) -> GuideOutput:
        """The files for `version`, written first (from `inputs()`) unless they are there and fresh."""
        async with self._lock:
            current, now = self._current, self._clock()
            if current is not None and current.version == version and now - current.made_at < LIFETIME:
                return current
            entries, copies = await inputs()
            self._written += 1
            # The process in the name: the tray and `acetray serve` may share the cache folder.
            plain = self._folder / f"epg-{os.getpid()}-{self._written}.xml"
            packed = plain.with_name(plain.name + ".gz")
            loop = asyncio.get_running_loop()
            counts = await loop.run_in_executor(self._executor, write_guide, plain, packed, entries, copies, int(now))
            retired, self._previous = self._previous, current
            self._current = GuideOutput(plain, packed, counts, now, version)
            if retired is not None:
                await loop.run_in_executor(self._executor, remove_files, retired.plain, retired.packed)
            return self._current


def remove_files(*files: Path) -> None:
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink()


def remove_old_outputs(folder: Path, now: float) -> None:
    """Guides written by runs that ended (their clients are long gone)."""
    for path in folder.glob("epg-*.xml*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > 2 * LIFETIME:
                path.unlink()
