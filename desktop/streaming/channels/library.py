"""The owner of the channel state on the core's loop: add, remove, refresh, favourites.

Every change makes a new `ChannelsState`, hands it to `on_change` (the service
turns that into a snapshot for the window) and is written to disk before the
call returns. Anyone may keep and read an old state from any thread; only the
loop makes new ones, so there are no locks around the state itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path

import aiohttp

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.fetch import (
    DEFAULT_LIMITS,
    FetchLimits,
    refresh_playlist,
)
from desktop.streaming.channels.model import ChannelKey
from desktop.streaming.channels.numbering import renumber
from desktop.streaming.channels.source_choices import SourceChoices
from desktop.streaming.channels.sources import normalize_source
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.channels.store import ChannelStore

log = logging.getLogger(__name__)


class UnknownPlaylist(KeyError):
    """No playlist with that source (removed meanwhile, or never added)."""


class SourceRefused(ValueError):
    """A change to a channel's sources that cannot be made; str() is a sentence for the person."""


class ChannelLibrary:
    def __init__(
        self,
        store: ChannelStore | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        limits: FetchLimits = DEFAULT_LIMITS,
        on_change: Callable[[ChannelsState], None] | None = None,
        on_problem: Callable[[str], None] | None = None,
        on_busy: Callable[[frozenset[str]], None] | None = None,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`store=None` keeps everything in memory (tests, a throw-away run).
        `session=None` gives each download its own short-lived session.
        `on_busy` hears the sources being downloaded whenever that set changes
        (the window shows progress while one runs). Disk work and parsing run on
        `executor` (the loop's default when None)."""
        self._store = store
        self._session = session
        self._limits = limits
        self._on_change = on_change
        self._on_problem = on_problem
        self._on_busy = on_busy
        self._executor = executor
        self._clock = clock
        self._state = ChannelsState()
        self._refreshing: dict[str, asyncio.Task[PlaylistState]] = {}
        self._save_lock = asyncio.Lock()
        # Nothing is written before the saved files were read: a write before
        # load() would replace them with the little known so far. Changes made
        # meanwhile are remembered and written by load().
        self._loaded = store is None
        self._unsaved: set[str] = set()
        self._numbered: Catalog | None = None  # the catalog the current numbers were given for

    @property
    def state(self) -> ChannelsState:
        """The current value; immutable, safe to hand to another thread."""
        return self._state

    @property
    def refreshing(self) -> frozenset[str]:
        """The sources whose download is under way."""
        return frozenset(self._refreshing)

    async def load(self) -> tuple[str, ...]:
        """Read the saved playlists and favourites; returns sentences about broken files."""
        if self._store is None:
            return ()
        loaded = await asyncio.get_running_loop().run_in_executor(self._executor, self._store.load)
        for problem in loaded.problems:
            self._problem(problem)
        # Playlists added before loading finished (e.g. `--playlist`) stay, after the saved ones.
        state = loaded.state
        for playlist in self._state.playlists:
            if state.playlist(playlist.source) is None:
                state = dataclasses.replace(state, playlists=(*state.playlists, playlist))
        self._loaded = True  # first: the numbers are given now, from the stored ones
        # Favourites starred before loading finished come after the saved ones, as if starred last.
        early = tuple(key for key in self._state.starred if key not in state.favourites)
        state = dataclasses.replace(state, starred=state.starred + early)
        if self._state.choices:  # made before loading finished: they are the newest
            state = state.with_choices(self._state.choices)
        self._set(state)
        if "playlists" in self._unsaved:
            await self._save_playlists()
        if "favourites" in self._unsaved:
            await self._save_favourites()
        if "channel sources" in self._unsaved:
            await self._save_choices()
        await self._save_numbers()
        return loaded.problems

    async def add(
        self, source: str, *, saved: bool = True, refresh: bool = True, base: Path | None = None
    ) -> PlaylistState:
        """Add a playlist by URL or path and (by default) fetch it now.

        Raises InvalidSource (a ValueError with a sentence) for anything but
        http(s) or a local file. `saved=False` keeps it for this run only.
        """
        source = normalize_source(source, base=base)
        self._set(self._state.with_playlist(source, saved=saved))
        await self._save_playlists()
        if refresh:
            return await self.refresh(source)
        return self._playlist(source)

    async def remove(self, source: str) -> None:
        # A download in flight is left to end on its own (its result is then
        # dropped): cancelling it would surface as a cancel in whoever awaits it.
        self._set(self._state.without_playlist(source))
        await self._save_playlists()

    async def refresh(self, source: str) -> PlaylistState:
        """Fetch one playlist again; a refresh already running for it is joined, not repeated."""
        task = self._refreshing.get(source)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._refresh(self._playlist(source)), name="playlist-fetch")
            self._refreshing[source] = task
            task.add_done_callback(lambda done: self._forget(source, done))
            self._busy_changed()
        # shield: one caller giving up must not cancel the refresh for the others.
        return await asyncio.shield(task)

    async def refresh_all(self) -> ChannelsState:
        """Every playlist at once (there are few, and each waits on the network)."""
        sources = self._state.sources
        results = await asyncio.gather(*(self.refresh(s) for s in sources), return_exceptions=True)
        for source, result in zip(sources, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, (UnknownPlaylist, asyncio.CancelledError)):
                log.error("refreshing %s failed", source, exc_info=result)
        return self._state

    async def set_favourite(self, key: ChannelKey, on: bool = True) -> None:
        self._set(self._state.with_favourite(key, on))
        await self._save_favourites()

    async def set_number(self, key: ChannelKey, number: str) -> str:
        """A person's number for a channel, kept from now on; the number as stored (normalised).

        NumberRefused (a sentence) for something that is not a number, or one another channel holds.
        """
        state = self._state
        numbers = state.numbers.with_number(key, number, state.catalog.by_key)
        self._set(state.with_numbers(numbers))
        self._unsaved.add("numbers")
        await self._save_numbers()
        return numbers.number_of(key) or ""

    # -- a channel's sources ------------------------------------------------------------------
    async def reorder_sources(self, channel: ChannelKey, sources: Sequence[ChannelKey]) -> None:
        """`channel` (any of its sources' keys) tries its sources in this order from now on."""
        catalog = self._state.catalog
        found = catalog.get(channel)
        have = {s.key for s in catalog.sources_of(channel)}
        if found is None or not sources or set(sources) != have:
            raise SourceRefused("The channel's sources changed meanwhile: look at them again and retry.")
        await self._choose(self._state.choices.reordered(found.key, sources))

    async def detach_source(self, source: ChannelKey) -> None:
        """`source` becomes a channel of its own, and stays one across refreshes."""
        if len(self._state.catalog.sources_of(source)) < 2:
            raise SourceRefused("That source is a channel of its own already.")
        await self._choose(self._state.choices.detach(source))

    async def attach_source(self, source: ChannelKey, channel: ChannelKey) -> None:
        """`source` (an entry, or a channel of its own) joins `channel` as its last source."""
        catalog = self._state.catalog
        target = catalog.get(channel)
        if catalog.get(source) is None or target is None:
            raise SourceRefused("That channel is no longer in the playlists.")
        if any(s.key == source for s in catalog.sources_of(channel)):
            raise SourceRefused(f"It is a source of {target.title} already.")
        await self._choose(self._state.choices.attach(source, target.key))

    async def _choose(self, choices: SourceChoices) -> None:
        self._set(self._state.with_choices(choices))
        await self._save_choices()
        await self._save_numbers()  # a channel that came apart gets a number

    def seconds_until_due(self, interval_seconds: float) -> float:
        """When the next automatic refresh is due: 0 when a playlist was never
        tried or its last try is older than the interval (the app was closed)."""
        if interval_seconds <= 0 or not self._state.playlists:
            return max(0.0, interval_seconds)
        now = self._clock()
        due = [0.0 if p.checked_at is None else p.checked_at + interval_seconds - now for p in self._state.playlists]
        return max(0.0, min(due))

    async def close(self) -> None:
        """Stop refreshes in flight and wait for the last write."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        async with self._save_lock:
            pass

    def _playlist(self, source: str) -> PlaylistState:
        playlist = self._state.playlist(source)
        if playlist is None:
            raise UnknownPlaylist(source)
        return playlist

    async def _refresh(self, playlist: PlaylistState) -> PlaylistState:
        result = await refresh_playlist(
            playlist, session=self._session, limits=self._limits, clock=self._clock, executor=self._executor
        )
        current = self._state.playlist(playlist.source)
        if current is None:  # removed while downloading: nothing to keep
            return result
        # Only what the refresh decides; whether it is saved may have changed meanwhile.
        result = dataclasses.replace(result, saved=current.saved)
        self._set(self._state.with_update(result))
        if result.saved:
            await self._save_playlists()
        await self._save_numbers()  # a run-only playlist's channels keep their numbers too
        return result

    def _forget(self, source: str, task: asyncio.Task[PlaylistState]) -> None:
        if self._refreshing.get(source) is task:
            del self._refreshing[source]
            self._busy_changed()

    def _busy_changed(self) -> None:
        if self._on_busy is not None:
            self._on_busy(self.refreshing)

    def _set(self, state: ChannelsState) -> None:
        if self._loaded and state.catalog is not self._numbered:
            # New channels get their numbers here, before anyone sees them; stored ones stay.
            numbers = renumber(state.numbers, state.catalog.channels)
            if numbers is not state.numbers:
                state = state.with_numbers(numbers)
                self._unsaved.add("numbers")
            self._numbered = state.catalog
        self._state = state
        if self._on_change is not None:
            self._on_change(state)

    async def _save_playlists(self) -> None:
        await self._save(lambda store, state: store.save_playlists(state), "playlists")
        await self._save_numbers()

    async def _save_numbers(self) -> None:
        if "numbers" in self._unsaved:
            await self._save(lambda store, state: store.save_numbers(state), "numbers")

    async def _save_choices(self) -> None:
        await self._save(lambda store, state: store.save_choices(state), "channel sources")

    async def _save_favourites(self) -> None:
        await self._save(lambda store, state: store.save_favourites(state), "favourites")

    async def _save(self, write: Callable[[ChannelStore, ChannelsState], None], what: str) -> None:
        if self._store is None:
            return
        if not self._loaded:
            self._unsaved.add(what)
            return
        self._unsaved.discard(what)
        store = self._store
        # One write at a time, each of the newest state: an older write can
        # never finish after a newer one and leave stale data on disk.
        async with self._save_lock:
            try:
                await asyncio.get_running_loop().run_in_executor(self._executor, write, store, self._state)
            except OSError as exc:
                log.warning("could not save the %s: %s", what, exc)
                self._problem(f"Could not save the {what} ({exc.strerror or exc}).")

    def _problem(self, message: str) -> None:
        if self._on_problem is not None:
            self._on_problem(message)
