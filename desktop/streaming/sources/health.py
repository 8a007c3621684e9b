"""Per-source health: is this AceStream id alive, dead, or not known — and since when.

A source is one engine id (a `ChannelKey`); a channel may have several. The
link check (`probes/`) and the channels people watch report what they learn
through `HealthStore.report`; everyone else reads a `HealthMap`, a frozen
picture that can cross threads (the window keeps one). The store is bounded:
past `MAX_SOURCES` the oldest verdicts are forgotten first. It is written to
the config folder (`health_file.py`) a moment after a change, off the loop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypeVar

from desktop.streaming.ids import ChannelKey

log = logging.getLogger(__name__)
T = TypeVar("T")

State = Literal["alive", "dead", "unknown"]
STATES: tuple[State, ...] = ("alive", "dead", "unknown")
MAX_SOURCES = 50_000  # verdicts kept; a playlist holds at most 50,000 channels
MAX_REASON = 200  # characters of a reason (an engine's error text can be anything)
SAVE_DELAY = 2.0  # s after a change before the file is written: a check's verdicts go in one write


def iso_time(epoch: float) -> str:
    """ISO 8601 in UTC, to the second: what `/api/channels/health` gives as `checked_at`."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's last verdict; `checked_at` in epoch seconds (None: never judged)."""

    state: State = "unknown"
    checked_at: float | None = None
    peers: int | None = None
    speed_kbps: int | None = None
    reason: str | None = None  # why it is dead, in words

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "checked_at": iso_time(self.checked_at) if self.checked_at is not None else None,
            "peers": self.peers,
            "speed_kbps": self.speed_kbps,
            "reason": self.reason,
        }


UNKNOWN = SourceHealth()


@dataclass(frozen=True, eq=False)
class HealthMap:
    """Every source with a verdict; any other source is `UNKNOWN`. Immutable: safe on any thread."""

    _by_key: Mapping[ChannelKey, SourceHealth] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key: ChannelKey) -> SourceHealth:
        return self._by_key.get(key, UNKNOWN)

    def is_dead(self, key: ChannelKey) -> bool:
        found = self._by_key.get(key)
        return found is not None and found.state == "dead"

    def all_dead(self, keys: Iterable[ChannelKey]) -> bool:
        """Every one of a channel's sources is known dead (a channel with none is not)."""
        found = False
        for key in keys:
            if not self.is_dead(key):
                return False
            found = True
        return found

    def items(self) -> Iterator[tuple[ChannelKey, SourceHealth]]:
        return iter(self._by_key.items())

    def __len__(self) -> int:
        return len(self._by_key)


class VerdictFile(Protocol):
    """Where verdicts are kept between runs (`health_file.HealthFile`); blocking calls, run on a thread."""

    def read(self) -> list[tuple[ChannelKey, SourceHealth]]: ...

    def write(self, entries: list[tuple[ChannelKey, SourceHealth]]) -> None: ...


def _count(value: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class HealthStore:
    """The verdicts, on the core's loop: `report` changes them, `map` is the current picture.

    With a `file`, `open` reads the saved verdicts and every change is written
    a moment later, on a thread of the store's own (not the loop's executor: on
    the UI's qasync loop that is made of QThreads). `on_change` hears every new picture.
    """

    def __init__(
        self,
        file: VerdictFile | None = None,
        *,
        clock: Callable[[], float] = time.time,
        limit: int = MAX_SOURCES,
        on_change: Callable[[HealthMap], None] | None = None,
    ) -> None:
        self._entries: dict[ChannelKey, SourceHealth] = {}  # oldest verdict first
        self._map: HealthMap | None = HealthMap()
        self._file = file
        self._clock = clock
        self._limit = limit
        self._on_change = on_change
        self._opened = False
        self._save_timer: asyncio.TimerHandle | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._writing: asyncio.Future[None] | None = None  # the write a change set off
        self._saved: asyncio.Future[None] | None = None  # done once the changes so far are written

    @property
    def map(self) -> HealthMap:
        """The current picture, made once per change (a copy: the store goes on changing)."""
        if self._map is None:
            self._map = HealthMap(MappingProxyType(dict(self._entries)))
        return self._map

    def get(self, key: ChannelKey) -> SourceHealth:
        return self._entries.get(key, UNKNOWN)

    def now(self) -> float:
        """The store's clock (epoch seconds): what `checked_at` is measured on."""
        return self._clock()

    def report(
        self,
        source_key: ChannelKey,
        state: State,
        reason: str | None,
        peers: int | None = None,
        speed_kbps: int | None = None,
    ) -> None:
        """What was learnt of a source just now. "unknown" forgets its verdict; a reason is kept for "dead"."""
        if state not in STATES:
            raise ValueError(f"a source is alive, dead or unknown, not {state!r}")
        key = ChannelKey(source_key[0], source_key[1])
        if state == "unknown":
            if self._entries.pop(key, None) is None:
                return
        else:
            text = " ".join(reason.split())[:MAX_REASON] if reason and state == "dead" else None
            self._entries.pop(key, None)  # re-inserted last: the oldest verdict stays first
            self._entries[key] = SourceHealth(state, self._clock(), _count(peers), _count(speed_kbps), text)
            if len(self._entries) > self._limit:
                self._forget_oldest()
        self._changed()
        if self._file is not None and self._save_timer is None:
            loop = asyncio.get_running_loop()
            self._save_timer = loop.call_later(SAVE_DELAY, self._save_soon)
            self._saved = loop.create_future()

    # -- the file ---------------------------------------------------------------------------
    async def open(self) -> None:
        """Read the saved verdicts once; a verdict given before that wins over the saved one."""
        if self._opened or self._file is None:
            return
        self._opened = True
        saved = await self._in_thread(self._file.read)
        entries = dict(sorted(saved, key=lambda item: item[1].checked_at or 0.0))
        entries.update(self._entries)
        self._entries = entries
        if len(self._entries) > self._limit:
            self._forget_oldest()
        self._changed()

    def _save_soon(self) -> None:
        self._save_timer = None
        self._writing = asyncio.ensure_future(self.flush())

    async def until_saved(self) -> None:
        """Return once every change so far is written (a stop calls `flush` instead)."""
        if self._saved is not None:
            await asyncio.shield(self._saved)

    async def flush(self) -> None:
        """Write the verdicts now if any changed (at stop; otherwise a moment after a change)."""
        if self._save_timer is not None:
            self._save_timer.cancel()
            self._save_timer = None
        saved, self._saved = self._saved, None  # set while changes wait to be written
        if self._file is None or saved is None:
            return
        try:
            await self._in_thread(self._file.write, list(self._entries.items()))
        except OSError as exc:  # a full disk loses the verdicts, never the proxy
            log.warning("could not save the sources' health: %s", exc)
        finally:
            if saved is not None and not saved.done():
                saved.set_result(None)

    async def close(self) -> None:
        await self.flush()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acetray-health")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # -- inside -------------------------------------------------------------------------------
    def _forget_oldest(self) -> None:
        # A tenth more than needed at once, so a full store does not trim on every report.
        drop = len(self._entries) - self._limit * 9 // 10
        for key in list(itertools.islice(self._entries, drop)):
            del self._entries[key]

    def _changed(self) -> None:
        self._map = None
        if self._on_change is not None:
            self._on_change(self.map)
