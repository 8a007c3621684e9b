"""The channels part of a running core: the library, its refresh schedule, and what they tell.

`ProxyService` owns one `ChannelsHost` on the core's loop. It loads the saved
playlists once (before any refresh), adds this run's `--playlist` sources,
refreshes every N hours while the proxy runs, and hands every change on as a
`ChannelsView` — a frozen value the window may keep on its own thread. It
also turns a finished download into one readable event ("Playlist x: 312
channels", or why not), so the events list and `serve`'s log say what happened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from desktop import paths
from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.fetch import DEFAULT_LIMITS, FetchLimits
from desktop.streaming.channels.library import ChannelLibrary
from desktop.streaming.channels.model import Channel, ChannelKey
from desktop.streaming.channels.scheduler import HOUR, RefreshScheduler
from desktop.streaming.channels.sources import source_label
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.channels.store import ChannelStore
from desktop.streaming.config import ProxyConfig
from desktop.streaming.ids import ChannelKey as Key
from desktop.streaming.logos import Logo, LogoDiskCache, LogoError, LogoStore, UnknownLogo
from desktop.streaming.logs import log_level
from desktop.streaming.snapshot import StreamSnapshot

log = logging.getLogger(__name__)

EventCallback = Callable[[str, str], None]  # (level, message)
LogoDelivery = Callable[[str, bytes | None], None]  # (logo id, the picture's bytes or None)


@dataclass(frozen=True, eq=False)
class ChannelsView:
    """What the window shows about channels: the state, and which playlists are downloading."""

    state: ChannelsState = field(default_factory=ChannelsState)
    refreshing: frozenset[str] = frozenset()
    loaded: bool = False  # the saved playlists have been read

    def channel(self, kind: str, content_id: str) -> Channel | None:
        return self.state.catalog.get((kind, content_id))  # type: ignore[arg-type]


class ChannelsHost:
    def __init__(
        self,
        *,
        interval_hours: float,
        run_playlists: Iterable[str] = (),
        store: ChannelStore | None = None,
        limits: FetchLimits = DEFAULT_LIMITS,
        on_view: Callable[[ChannelsView], None] | None = None,
        on_catalog: Callable[[Catalog, Mapping[ChannelKey, str]], None] | None = None,
        on_event: EventCallback | None = None,
        logos: LogoStore | None = None,
    ) -> None:
        """`logos=None`: logos cached in the cache folder's `logos`. `on_catalog` hears the
        merged channel list and the channels' numbers with every view (the guide matches
        its channels to it and names them by number)."""
        self._interval_hours = interval_hours
        self._run_playlists = tuple(run_playlists)
        self._on_view = on_view
        self._on_catalog = on_catalog
        # Told after every change of the state, before the window is: the core's own listener
        # (the warm keeper follows the favourites). Set by the owner; None: nobody listens.
        self.on_state_change: Callable[[], None] | None = None
        self._on_event = on_event
        self._loaded = False
        self._opening: asyncio.Future[None] | None = None
        self._scheduler: RefreshScheduler | None = None
        self._last_state: ChannelsState | None = None  # to tell which playlists a change refreshed
        self._logos = logos if logos is not None else LogoStore(LogoDiskCache(paths.cache_dir() / "logos"))
        self._logo_sends: set[asyncio.Task[None]] = set()
        # Threads of our own for the disk and parsing, not the loop's executor: on the
        # UI's qasync loop (ACETRAY_CORE_LOOP=qasync) that one is made of QThreads,
        # which Qt refuses to see destroyed still running at exit.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acetray-channels")
        self.library = ChannelLibrary(
            store if store is not None else ChannelStore(),
            limits=limits,
            on_change=self._changed,
            on_problem=lambda message: self._event("warning", message),
            on_busy=lambda _sources: self._publish(),
            executor=self._executor,
        )

    @classmethod
    def for_config(
        cls,
        config: ProxyConfig,
        *,
        on_view: Callable[[ChannelsView], None] | None = None,
        on_catalog: Callable[[Catalog, Mapping[ChannelKey, str]], None] | None = None,
        on_event: EventCallback | None = None,
    ) -> ChannelsHost:
        """The saved playlists plus the run's `--playlist` ones, refreshed as the settings say."""
        return cls(
            interval_hours=config.playlist_refresh_hours,
            run_playlists=config.playlists,
            on_view=on_view,
            on_catalog=on_catalog,
            on_event=on_event,
        )

    @property
    def state(self) -> ChannelsState:
        return self.library.state

    @property
    def view(self) -> ChannelsView:
        return ChannelsView(self.library.state, self.library.refreshing, self._loaded)

    def named(self, streams: Iterable[StreamSnapshot]) -> tuple[StreamSnapshot, ...]:
        """Streams with the name, group and logo their playlist gives them (`/api/streams`, the window)."""
        catalog = self.library.state.catalog
        named = []
        for stream in streams:
            channel = catalog.get((stream.kind, stream.content_id))  # type: ignore[arg-type]
            if channel is not None:
                stream = dataclasses.replace(
                    stream, name=channel.name or None, group=channel.group or None, logo=channel.logo or None
                )
            named.append(stream)
        return tuple(named)

    def name_for_id(self, content_id: str) -> str | None:
        """A name for an id whose kind is not known (events carry only the id)."""
        catalog = self.library.state.catalog
        return catalog.name_for(Key("id", content_id)) or catalog.name_for(Key("infohash", content_id))

    # -- logos -----------------------------------------------------------------------------
    async def logo(self, logo_id: str) -> Logo:
        """The picture of a logo a playlist names (`/logo/<id>`); UnknownLogo or LogoError (a sentence) if none."""
        ref = self.library.state.catalog.logos.ref(logo_id)
        if ref is None:
            raise UnknownLogo("No playlist names a logo with this id.")
        return await self._logos.get(logo_id, ref)

    def send_logo(self, logo_id: str, deliver: LogoDelivery) -> None:
        """Fetch a logo and hand its bytes (None when there is none) to `deliver`, on this loop (the tray)."""
        task = asyncio.get_running_loop().create_task(self._send_logo(logo_id, deliver), name="logo for the window")
        self._logo_sends.add(task)
        task.add_done_callback(self._logo_sends.discard)

    async def _send_logo(self, logo_id: str, deliver: LogoDelivery) -> None:
        try:
            data: bytes | None = (await self.logo(logo_id)).data
        except LogoError:
            data = None  # the row keeps the channel's initials; the store logged why
        deliver(logo_id, data)

    # -- life ----------------------------------------------------------------------------
    async def open(self) -> None:
        """Read the saved playlists and add this run's, once; later calls wait for the first."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
        await asyncio.shield(self._opening)

    async def _open(self) -> None:
        await self.library.load()
        for source in self._run_playlists:
            # Fetched by the schedule's first round, which is due at once for a new playlist.
            await self.library.add(source, saved=False, refresh=False)
        self._loaded = True
        self._publish()

    async def start_schedule(self, then: Callable[[], Awaitable[object]] | None = None) -> None:
        """Refresh automatically (while the proxy runs); the first round as soon as a copy is due.

        `then` runs after each scheduled round (the guide follows the playlists' schedule).
        """
        await self.open()
        if self._scheduler is not None:
            return

        async def round_() -> None:
            await self.library.refresh_all()
            if then is not None:
                await then()

        first = self.library.seconds_until_due(self._interval_hours * HOUR)
        self._scheduler = RefreshScheduler(round_, self._interval_hours, first_delay=first)
        self._scheduler.start()

    async def stop_schedule(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            await scheduler.stop()

    def seconds_until_refresh(self) -> float | None:
        """When the next automatic refresh is due; None when none is planned (0 hours, or stopped)."""
        return self._scheduler.seconds_until_next() if self._scheduler is not None else None

    @property
    def interval_hours(self) -> float:
        """Hours between automatic refreshes (0: only when asked)."""
        return self._interval_hours

    def set_interval(self, hours: float) -> float:
        """Takes effect at once; returns the interval it replaced."""
        replaced, self._interval_hours = self._interval_hours, hours
        if self._scheduler is not None:
            self._scheduler.set_interval(hours)
        return replaced

    async def close(self) -> None:
        await self.stop_schedule()
        for task in self._logo_sends:
            task.cancel()
        await self._logos.close()
        await self.library.close()
        self._executor.shutdown(wait=False)

    # -- what the window asks for ----------------------------------------------------------
    async def add(self, source: str, *, saved: bool = True) -> PlaylistState:
        """Add and download one playlist; InvalidSource (a sentence) for an address that cannot be one."""
        await self.open()
        return await self.library.add(source, saved=saved)

    async def remove(self, source: str) -> None:
        await self.open()
        await self.library.remove(source)

    async def refresh(self, source: str) -> PlaylistState:
        await self.open()
        return await self.library.refresh(source)

    async def refresh_all(self) -> ChannelsState:
        await self.open()
        return await self.library.refresh_all()

    async def set_favourite(self, key: ChannelKey, on: bool) -> None:
        await self.open()
        await self.library.set_favourite(key, on)

    async def set_number(self, key: ChannelKey, number: str) -> str:
        """A person's number for a channel; NumberRefused (a sentence) when it cannot be."""
        await self.open()
        return await self.library.set_number(key, number)

    # A channel's sources: SourceRefused (a sentence) for a change that cannot be made.
    async def reorder_sources(self, channel: ChannelKey, sources: Sequence[ChannelKey]) -> None:
        await self.open()
        await self.library.reorder_sources(channel, sources)

    async def detach_source(self, source: ChannelKey) -> None:
        await self.open()
        await self.library.detach_source(source)

    async def attach_source(self, source: ChannelKey, channel: ChannelKey) -> None:
        await self.open()
        await self.library.attach_source(source, channel)

    # -- telling ---------------------------------------------------------------------------
    def _changed(self, state: ChannelsState) -> None:
        if self.on_state_change is not None:
            self.on_state_change()
        previous, self._last_state = self._last_state, state
        if previous is not None:
            for playlist in state.playlists:
                before = previous.playlist(playlist.source)
                if before is not None and before.checked_at != playlist.checked_at:
                    self._tell_result(playlist, state.catalog)
        self._publish()

    def _tell_result(self, playlist: PlaylistState, catalog: Catalog) -> None:
        label = source_label(playlist.source)
        if playlist.error:
            self._event("warning", f"Playlist {label}: {playlist.error}")
            return
        note = playlist.note()
        # Channels as the Channels tab lists them: a channel with backup links is one.
        count, links = catalog.channel_count(playlist.source, playlist.channels), len(playlist.channels)
        words = f"{count} channel" if count == 1 else f"{count:,} channels"
        words += f" from {links:,} links" if links != count else ""
        self._event("info", f"Playlist {label} updated: {words}." + (f" {note}" if note else ""))

    def _publish(self) -> None:
        if self._on_catalog is not None:
            state = self.library.state
            self._on_catalog(state.catalog, state.numbers.by_key)
        if self._on_view is None:
            return
        view = self.view
        # Built here, on the core's loop, once per change: the window's thread
        # never pays for merging the playlists or hashing their logos.
        _ = view.state.catalog.logos
        self._on_view(view)

    def _event(self, level: str, message: str) -> None:
        if self._on_event is not None:
            self._on_event(level, message)
        else:
            log.log(log_level(level), "%s", message)
