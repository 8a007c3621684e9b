"""The guide part of a running core: its sources, their copies, the matches and `/epg.xml`.

`ProxyService` owns one `GuideHost` on the core's loop. Its sources are the
playlists' own guides (`url-tvg`), the ones the person added (saved) and this
run's `--guide` ones. It loads their last good copies at once (so the guide
works offline and at start), fetches a source when it is new or older than the
playlists' refresh interval, and again after each scheduled playlist refresh.
Every change (a new copy, new channels, a pick) matches the channels again and
makes the next `/epg.xml` a new file; until a change, every client is served the
same file. Parsing runs on one thread of its own, matching and writing on
another, so a 100 MB guide being read never holds up `/epg.xml`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp

from desktop import paths
from desktop.streaming.channels.catalog import EMPTY_CATALOG, Catalog
from desktop.streaming.channels.fetch import FetchError, FetchLimits, redact
from desktop.streaming.channels.model import ChannelKey
from desktop.streaming.channels.sources import normalize_source, source_label
from desktop.streaming.config import ProxyConfig
from desktop.streaming.guide import saved as saved_file
from desktop.streaming.guide.entries import entries_for
from desktop.streaming.guide.fetch import GUIDE_LIMITS, create_download, fetch_guide, guide_sources
from desktop.streaming.guide.match import GuideChannel, GuideRef, Match, match_all
from desktop.streaming.guide.numbers import channel_numbers
from desktop.streaming.guide.output import GuideOutput, GuideOutputs, Inputs, remove_files, remove_old_outputs
from desktop.streaming.guide.parse import GuideError, GuideReader, open_guide
from desktop.streaming.guide.state import ADDED, GuideSource, GuideView
from desktop.streaming.guide.store import GuideStore, StoredGuide
from desktop.streaming.logs import log_level

log = logging.getLogger(__name__)

HOUR = 3600.0
FRESH = 600.0  # s: a scheduled round leaves a guide fetched this recently alone

EventCallback = Callable[[str, str], None]  # (level, message)


class GuideHost:
    def __init__(
        self,
        *,
        interval_hours: float,
        run_sources: Iterable[str] = (),
        config_folder: Path | None = None,
        cache_folder: Path | None = None,
        session: aiohttp.ClientSession | None = None,
        limits: FetchLimits = GUIDE_LIMITS,
        clock: Callable[[], float] = time.time,
        on_view: Callable[[GuideView], None] | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        self._interval_hours = interval_hours
        self._run_sources = tuple(dict.fromkeys(run_sources))
        self._config_folder = config_folder
        self._store = GuideStore((cache_folder if cache_folder is not None else paths.cache_dir()) / "guide")
        self._session = session
        self._limits = limits
        self._clock = clock
        self._on_view = on_view
        self._on_event = on_event
        self._saved = saved_file.SavedGuide()
        self._catalog: Catalog = EMPTY_CATALOG
        self._numbers: Mapping[ChannelKey, str] | None = None  # the channels' numbers (None: by position)
        self._sources: dict[str, GuideSource] = {}
        self._stored: dict[str, StoredGuide] = {}
        self._refreshing: dict[str, asyncio.Task[GuideSource]] = {}
        self._version = 0  # bumped by every change the matches and the output depend on
        self._matched: tuple[int, dict[ChannelKey, Match], tuple[GuideChannel, ...]] = (-1, {}, ())
        self._match_lock = asyncio.Lock()
        self._opening: asyncio.Future[None] | None = None
        self._started = False
        self._closing = threading.Event()  # read by the reading thread: quitting ends a long read
        self._background: set[asyncio.Task[object]] = set()
        # Threads of our own (see ChannelsHost): one reads guides, which may take seconds;
        # the other matches and writes /epg.xml, which must not wait behind a read.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acetray-guide-read")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acetray-guide-write")
        self._outputs = GuideOutputs(self._store.folder, self._writer, clock)

    @classmethod
    def for_config(
        cls,
        config: ProxyConfig,
        *,
        on_view: Callable[[GuideView], None] | None = None,
        on_event: EventCallback | None = None,
    ) -> GuideHost:
        """The saved guides, the playlists' and this run's `--guide` ones, fetched on the playlists' schedule."""
        return cls(
            interval_hours=config.playlist_refresh_hours, run_sources=config.guides, on_view=on_view, on_event=on_event
        )

    @property
    def folder(self) -> Path:
        return self._store.folder

    @property
    def saved_path(self) -> Path:
        return (self._config_folder if self._config_folder is not None else paths.config_dir()) / saved_file.GUIDE_FILE

    @property
    def view(self) -> GuideView:
        _version, matches, channels = self._matched
        return GuideView(
            sources=tuple(self._sources.values()),
            matches=matches,
            picks=dict(self._saved.picks),
            channels=channels,
            refreshing=frozenset(self._refreshing),
        )

    # -- life ----------------------------------------------------------------------------
    async def open(self) -> None:
        """Read what was saved and the last good copies, once; later calls wait for the first."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
        await asyncio.shield(self._opening)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        self._saved, problem = await loop.run_in_executor(self._reader, saved_file.load, self.saved_path)
        if problem:
            self._event("warning", problem)
        self._update_sources()
        await loop.run_in_executor(self._reader, remove_old_outputs, self.folder, self._clock())
        await loop.run_in_executor(self._reader, self._store.remove_leftovers)
        await self._load_copies()
        self._changed()  # the saved picks

    async def start(self, interval_hours: float | None = None) -> None:
        """Fetch automatically from now on: each guide that is new, or older than the playlists'
        refresh interval; after that the playlists' schedule drives the fetches (`scheduled_refresh`).
        Like the playlists, a guide new in a changed playlist is fetched even while the proxy is stopped."""
        await self.open()
        if interval_hours is not None:
            self._interval_hours = interval_hours
        self._started = True
        for source in self._due(self._interval_hours * HOUR):
            self._launch(source)

    async def close(self) -> None:
        self._started = False
        self._closing.set()
        tasks = [*self._refreshing.values(), *self._background]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._reader.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=False, cancel_futures=True)

    # -- what changes it -------------------------------------------------------------------
    def set_catalog(self, catalog: Catalog, numbers: Mapping[ChannelKey, str] | None = None) -> None:
        """The playlists' channels or their numbers changed (called on the loop with every channels view)."""
        if catalog is self._catalog and numbers is self._numbers:
            return
        self._catalog, self._numbers = catalog, numbers
        if self._update_sources():
            self._spawn(self._sources_changed())
        self._changed()

    async def add_source(self, text: str, *, base: Path | None = None) -> GuideSource:
        """Add a guide (URL or file) and fetch it now; InvalidSource (a sentence) when it cannot be one."""
        await self.open()
        source = normalize_source(text, base=base)
        if source not in self._saved.sources:
            self._saved = saved_file.SavedGuide((*self._saved.sources, source), self._saved.picks)
            await self._save()
        self._update_sources()
        self._changed()
        return await self.refresh(source)

    async def remove_source(self, source: str) -> None:
        await self.open()
        if source in self._saved.sources:
            sources = tuple(s for s in self._saved.sources if s != source)
            self._saved = saved_file.SavedGuide(sources, self._saved.picks)
            await self._save()
        if self._update_sources():
            await self._sources_changed()
        self._changed()

    async def pick(self, key: ChannelKey, ref: GuideRef | None) -> None:
        """The person chose `ref` (None: no guide) for a channel; it stays over refreshes."""
        await self.open()
        self._saved = saved_file.SavedGuide(self._saved.sources, {**self._saved.picks, key: ref})
        await self._save()
        self._changed()

    async def unpick(self, key: ChannelKey) -> None:
        """Back to automatic matching for a channel."""
        await self.open()
        picks = {k: v for k, v in self._saved.picks.items() if k != key}
        self._saved = saved_file.SavedGuide(self._saved.sources, picks)
        await self._save()
        self._changed()

    # -- fetching ----------------------------------------------------------------------------
    async def refresh(self, source: str) -> GuideSource:
        """Fetch one guide again; a fetch already running for it is joined, not repeated."""
        # shield: one caller giving up must not cancel the fetch for the others.
        return await asyncio.shield(self._launch(source))

    async def refresh_all(self, max_age: float | None = None) -> tuple[GuideSource, ...]:
        """Every guide, or (with `max_age`, seconds) those whose last try is older than that."""
        await self.open()
        await asyncio.gather(*(self.refresh(s) for s in self._due(max_age)), return_exceptions=True)
        return tuple(self._sources.values())

    def _due(self, max_age: float | None) -> list[str]:
        now = self._clock()
        return [
            s.source
            for s in self._sources.values()
            if max_age is None or s.checked_at is None or now - s.checked_at >= max_age
        ]

    def _launch(self, source: str) -> asyncio.Task[GuideSource]:
        task = self._refreshing.get(source)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._refresh(source), name="guide-fetch")
            self._refreshing[source] = task
            task.add_done_callback(lambda done: self._forget(source, done))
            self._publish()
        return task

    async def scheduled_refresh(self) -> None:
        """After the playlists' scheduled refresh: every guide not fetched just now."""
        await self.refresh_all(max_age=FRESH)

    async def _refresh(self, source: str) -> GuideSource:
        label = source_label(source)
        download = self._store.download_path(source)
        loop = asyncio.get_running_loop()
        try:
            out = await loop.run_in_executor(self._reader, create_download, download)
            with out:
                local = await fetch_guide(source, out, session=self._session, limits=self._limits)
            stored = await loop.run_in_executor(self._reader, self._build, source, local or download)
        except (FetchError, GuideError) as exc:
            return self._failed(source, str(exc))
        except asyncio.CancelledError:  # the loop is stopping: so is the read on the thread
            self._closing.set()
            raise
        except Exception as exc:  # a bug must not lose the last good copy either
            log.exception("guide %s: unexpected failure", redact(source))
            return self._failed(source, f"The guide could not be read ({type(exc).__name__}).")
        finally:
            await loop.run_in_executor(self._reader, remove_files, download)
        current = self._sources.get(source)
        if current is None:  # removed while it was fetched
            await loop.run_in_executor(self._reader, self._store.remove, source)
            return GuideSource(source, ADDED)
        self._stored[source] = stored
        done = current.succeeded(len(stored.channels), stored.programmes, stored.skipped, stored.fetched_at)
        self._sources[source] = done
        self._event(
            "info", f"Guide {label} updated: {len(stored.channels):,} channels, {stored.programmes:,} programmes."
        )
        self._changed()
        return done

    def _build(self, source: str, path: Path) -> StoredGuide:
        try:
            with open_guide(path, stopping=self._closing.is_set) as stream:
                return self._store.build(source, GuideReader(stream, source), now=self._clock())
        except OSError as exc:
            raise GuideError(f"The guide could not be read ({exc.strerror or exc}).") from None

    def _failed(self, source: str, message: str) -> GuideSource:
        current = self._sources.get(source)
        if current is None:
            return GuideSource(source, ADDED, error=message)
        kept = " The last good copy is kept." if current.updated_at is not None else ""
        log.warning("guide %s: %s", redact(source), message)
        self._event("warning", f"Guide {source_label(source)}: {message}{kept}")
        failed = current.failed(message + kept, self._clock())
        self._sources[source] = failed
        self._publish()
        return failed

    def _forget(self, source: str, task: asyncio.Task[GuideSource]) -> None:
        if self._refreshing.get(source) is task:
            del self._refreshing[source]
            self._publish()

    # -- sources and copies ----------------------------------------------------------------
    def _update_sources(self) -> bool:
        """The sources, in order: the playlists', the person's, this run's. True when they changed."""
        wanted = guide_sources(self._catalog.epg_urls, self._saved.sources, self._run_sources)
        if list(wanted.items()) == [(s.source, s.origin) for s in self._sources.values()]:
            return False
        old = self._sources
        self._sources = {
            source: GuideSource(source, origin) if source not in old else _with_origin(old[source], origin)
            for source, origin in wanted.items()
        }
        for gone in set(self._stored) - set(self._sources):
            del self._stored[gone]
        return True

    async def _sources_changed(self) -> None:
        await self._load_copies()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._reader, self._store.tidy, tuple(self._sources))
        if self._started:
            await self.refresh_all(max_age=self._interval_hours * HOUR)

    async def _load_copies(self) -> None:
        loop = asyncio.get_running_loop()
        loaded = False
        for source in [s for s in self._sources if s not in self._stored]:
            stored = await loop.run_in_executor(self._reader, self._store.load, source)
            if stored is not None and source in self._sources and source not in self._stored:
                self._stored[source] = stored
                self._sources[source] = self._sources[source].succeeded(
                    len(stored.channels), stored.programmes, stored.skipped, stored.fetched_at
                )
                loaded = True
        if loaded:
            self._changed()

    async def _save(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._reader, saved_file.save, self.saved_path, self._saved)
        except OSError as exc:
            log.warning("could not save the guide settings: %s", exc)
            self._event("warning", f"Could not save the guide settings ({exc.strerror or exc}).")

    # -- matches and /epg.xml ----------------------------------------------------------------
    def _changed(self) -> None:
        self._version += 1
        self._publish()
        self._spawn(self.matches())  # the window learns the new matches without waiting for a client

    async def matches(self) -> Mapping[ChannelKey, Match]:
        """Every channel's match for the current channels, guides and picks."""
        async with self._match_lock:
            version = self._version
            if self._matched[0] != version:
                listed = tuple(c for s in self._sources if s in self._stored for c in self._stored[s].channels)
                channels, picks = self._catalog.channels, dict(self._saved.picks)
                loop = asyncio.get_running_loop()
                matched = await loop.run_in_executor(self._writer, match_all, channels, listed, picks)
                self._matched = (version, matched, listed)
                self._publish()
            return self._matched[1]

    async def output(self) -> GuideOutput:
        """The current `/epg.xml`, written first when something changed or it is an hour old."""
        await self.open()
        return await self._outputs.current(self._version, self._output_inputs)

    async def _output_inputs(self) -> Inputs:
        matches = await self.matches()
        numbers = self._numbers if self._numbers is not None else channel_numbers(self._catalog)
        entries = entries_for(self._catalog, matches, numbers)
        return entries, {source: stored.path for source, stored in self._stored.items()}

    # -- telling -------------------------------------------------------------------------------
    def _publish(self) -> None:
        if self._on_view is not None:
            self._on_view(self.view)

    def _event(self, level: str, message: str) -> None:
        if self._on_event is not None:
            self._on_event(level, message)
        else:
            log.log(log_level(level), "%s", message)

    def _spawn(self, coroutine: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[object]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("guide work failed", exc_info=task.exception())


def _with_origin(source: GuideSource, origin: str) -> GuideSource:
    return source if source.origin == origin else dataclasses.replace(source, origin=origin)
