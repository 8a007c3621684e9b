"""The one seam between Qt and the streaming core: `CoreHost`.

Where the proxy's asyncio loop runs is one switch, `CorePlacement`:

- THREAD (default): the ProxyService runs on its own asyncio loop (uvloop when
  installed) in a dedicated thread. The README's Performance table has the figures: a plain
  loop moves ~2.2x the bytes qasync does, and a qasync-hosted proxy crashed
  PySide6 6.12.0 under load. Calls go in with `run_coroutine_threadsafe`
  (awaited through `asyncio.wrap_future` on the UI's qasync loop); snapshots
  and events come back as queued Qt signals.
- QASYNC: the service runs on the UI's qasync loop. Kept only so both can be
  benchmarked: `ACETRAY_CORE_LOOP=qasync acetray`.

The UI reaches the core only through CoreHost's named methods, never the
service itself or a socket.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from desktop.app.placement import CorePlacement
from desktop.streaming.channels import ChannelKey, ChannelsState, PlaylistState
from desktop.streaming.config import ProxyConfig
from desktop.streaming.engine_host import Discovery
from desktop.streaming.guide.match import GuideRef
from desktop.streaming.guide.state import GuideSource
from desktop.streaming.live.requests import SeenRequest
from desktop.streaming.runtime.loops import install_exception_logging, new_event_loop
from desktop.streaming.service import ProxyService
from desktop.streaming.tuner.app_check import How, TvLinks, check

log = logging.getLogger(__name__)

T = TypeVar("T")
ServiceFactory = Callable[..., ProxyService]


class CoreHost(QObject):
    """Runs one ProxyService somewhere and lets the UI drive it by name.

    Signals are emitted from the core's loop; connect them with a queued
    connection (they cross threads in THREAD placement).
    """

    snapshot_ready = Signal(object)  # ProxySnapshot: asked for, or pushed when the engine's reachability changes
    event_received = Signal(object)  # ProxyEvent
    channels_changed = Signal(object)  # ChannelsView: the playlists, favourites, downloads under way
    sources_changed = Signal(object)  # SourcesView: each source's health, the link check's progress
    logo_ready = Signal(str, object)  # a logo's id and its picture's bytes (None: there is none)
    guide_changed = Signal(object)  # GuideView: the guides, each channel's match, the guides' channels

    placement: CorePlacement

    def __init__(self, config: ProxyConfig, service_factory: ServiceFactory = ProxyService) -> None:
        super().__init__()
        self._config = config
        self._factory = service_factory
        self._service: ProxyService | None = None

    # -- what the UI calls -----------------------------------------------------
    async def start_proxy(self) -> None:
        """Listen and serve; raises ProxyStartError with a readable reason."""
        await self._run(lambda service: service.start())

    async def stop_proxy(self) -> None:
        """Stop every channel (engine stop commands) and the listener."""
        await self._run(lambda service: service.stop())

    async def apply(self, config: ProxyConfig, *, start: bool = False) -> None:
        """New settings, all or nothing, disturbing running players as little as possible; with
        `start`, a stopped proxy starts too. On any failure the core is as it was (ProxyStartError)."""
        await self._run(lambda service: service.apply(config, start=start))

    async def check_engine(self, engine_url: str) -> str:
        """The engine's version at `engine_url`; raises EngineCheckError with the reason."""
        return await self._run(lambda service: service.check_engine(engine_url))

    async def start_engine(self) -> None:
        """Start the engine AceTray runs (Settings → Engine); raises EngineUnavailable with the reason."""
        await self._run(lambda service: service.engine_owner.start())

    async def stop_engine(self) -> None:
        """Stop the engine AceTray started (its channels end); one it did not start is left alone."""
        await self._run(lambda service: service.stop_engine())

    async def recent_requests(self, key: ChannelKey) -> tuple[SeenRequest, ...]:
        """The channel's last few player requests, newest first: who asked, the answer, the bytes sent
        (*Open in player* tells from them whether the player connected, was refused, or plays)."""
        return await self._run(lambda service: _recent_requests(service, key))

    async def discover_engines(self) -> Discovery:
        """What can run the engine on this computer, found off the UI thread (Settings shows it)."""
        return await self._run(lambda service: service.engine_owner.discover())

    # -- channels (they live as long as the core, proxy running or not) ----------
    async def add_playlist(self, source: str) -> PlaylistState:
        """Add a playlist by URL or path and download it; InvalidSource (a sentence) when it cannot be one.
        A failed download is not an exception: it is the playlist's `error`."""
        return await self._run(lambda service: service.channels.add(source))

    async def remove_playlist(self, source: str) -> None:
        await self._run(lambda service: service.channels.remove(source))

    async def refresh_playlist(self, source: str) -> PlaylistState:
        return await self._run(lambda service: service.channels.refresh(source))

    async def refresh_all(self) -> ChannelsState:
        return await self._run(lambda service: service.channels.refresh_all())

    async def set_favourite(self, key: ChannelKey, on: bool) -> None:
        await self._run(lambda service: service.channels.set_favourite(key, on))

    # -- the guide (/epg.xml) ------------------------------------------------------
    async def add_guide(self, source: str) -> GuideSource:
        """Add an XMLTV guide by URL or path and fetch it; InvalidSource (a sentence) when it cannot be one."""
        return await self._run(lambda service: service.guide.add_source(source))

    async def remove_guide(self, source: str) -> None:
        await self._run(lambda service: service.guide.remove_source(source))

    async def refresh_guides(self) -> tuple[GuideSource, ...]:
        return await self._run(lambda service: service.guide.refresh_all())

    async def pick_guide(self, key: ChannelKey, ref: GuideRef | None) -> None:
        """The person's guide channel for a channel (None: no guide); kept over refreshes."""
        await self._run(lambda service: service.guide.pick(key, ref))

    async def unpick_guide(self, key: ChannelKey) -> None:
        """Back to matching the channel's guide automatically."""
        await self._run(lambda service: service.guide.unpick(key))

    async def set_number(self, key: ChannelKey, number: str) -> str:
        """A channel's new number (as stored); NumberRefused (a sentence) for a repeat or a non-number."""
        return await self._run(lambda service: service.channels.set_number(key, number))

    # A channel's sources: each raises SourceRefused (a sentence) for a change that cannot be made.
    async def reorder_sources(self, channel: ChannelKey, sources: Sequence[ChannelKey]) -> None:
        await self._run(lambda service: service.channels.reorder_sources(channel, sources))

    async def detach_source(self, source: ChannelKey) -> None:
        await self._run(lambda service: service.channels.detach_source(source))

    async def attach_source(self, source: ChannelKey, channel: ChannelKey) -> None:
        await self._run(lambda service: service.channels.attach_source(source, channel))

    async def check_tv_app(self, how: How, links: TvLinks) -> str:
        """What a TV app would see at `links` (Share with devices → TV apps → Test); AppCheckFailed says why not."""
        return await self._run(lambda service: check(how, links, discovery_port=service.config.discovery_port))

    async def check_links(self, keys: Sequence[ChannelKey]) -> int:
        """Queue sources for the link check (how many joined); CheckUnavailable (a sentence) while stopped.
        Its progress and verdicts come as `sources_changed`."""
        return await self._run(lambda service: _check(service, keys))

    async def stop_check(self) -> None:
        await self._run(_stop_check)

    def start(self) -> None:
        """Bring up the core (its loop and the service object); the proxy itself starts with start_proxy."""
        raise NotImplementedError

    def request_snapshot(self) -> None:
        """Ask for a snapshot; it arrives through `snapshot_ready`."""
        raise NotImplementedError

    def request_logo(self, logo_id: str) -> None:
        """Ask for a channel's logo by id (`catalog.logos.id_for(channel.logo)`); it arrives through
        `logo_ready`. The core fetches it (web, disk cache, or a local playlist's file), so the UI
        thread never reads a file or waits on the network."""
        raise NotImplementedError

    def shutdown(self, timeout: float) -> None:
        """End the core's loop (after stop_proxy). Bounded by `timeout`."""
        raise NotImplementedError

    # -- placement-specific ----------------------------------------------------
    async def _run(self, fn: Callable[[ProxyService], Awaitable[T]]) -> T:
        raise NotImplementedError

    def _make_service(self) -> ProxyService:
        # The service lives on the core's thread: it must not keep this QObject
        # alive. A strong reference (a bound method) would make host <-> service
        # a cycle that Python's garbage collector may free on the core thread,
        # running Qt's destructor there while the UI thread deletes widgets: a
        # deadlock seen in the test suite. A weak relay has no cycle.
        return self._factory(
            self._config,
            on_event=_WeakRelay(self, "event_received"),
            on_channels=_WeakRelay(self, "channels_changed"),
            on_guide=_WeakRelay(self, "guide_changed"),
            on_snapshot=_WeakRelay(self, "snapshot_ready"),  # the engine's reachability changed: at once
            on_sources=_WeakRelay(self, "sources_changed"),
        )

    def _emit_snapshot(self) -> None:
        if self._service is not None:
            self.snapshot_ready.emit(self._service.snapshot())


async def _recent_requests(service: ProxyService, key: ChannelKey) -> tuple[SeenRequest, ...]:
    return service.context.requests.of(key)


async def _check(service: ProxyService, keys: Sequence[ChannelKey]) -> int:
    return service.sources.check(keys)


async def _stop_check(service: ProxyService) -> None:
    service.sources.checker.stop()


class _WeakRelay:
    """Forwards core values (events, channel views) to one of a CoreHost's signals without keeping the host alive."""

    __slots__ = ("_host", "_signal")

    def __init__(self, host: CoreHost, signal: str) -> None:
        self._host = weakref.ref(host)
        self._signal = signal

    def __call__(self, *values: object) -> None:
        host = self._host()
        if host is not None:
            getattr(host, self._signal).emit(*values)


def _emit_snapshot(service: ProxyService | None, host_ref: weakref.ref[ThreadCoreHost]) -> None:
    host = host_ref()
    if host is not None and service is not None:
        host.snapshot_ready.emit(service.snapshot())


def _send_logo(service: ProxyService | None, logo_id: str, relay: _WeakRelay) -> None:
    if service is not None:
        service.channels.send_logo(logo_id, relay)


async def _invoke(service: ProxyService, fn: Callable[[ProxyService], Awaitable[T]]) -> T:
    # A plain function on purpose: an exception's traceback made on the core
    # thread then holds no frame that refers to a Qt object.
    return await fn(service)


class ThreadCoreHost(CoreHost):
    """The service on its own asyncio loop in a daemon thread."""

    placement = CorePlacement.THREAD

    def __init__(self, config: ProxyConfig, service_factory: ServiceFactory = ProxyService) -> None:
        super().__init__(config, service_factory)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    def start(self) -> None:
        # Daemon: if the engine hangs a stop command past the quit deadline,
        # the process still exits instead of waiting on this thread.
        self._thread = threading.Thread(target=self._serve_forever, name="acetray-core", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            raise RuntimeError(f"The streaming core could not start: {self._startup_error}")
        if self._loop is None:
            raise RuntimeError("The streaming core did not start within 10 s.")

    def _serve_forever(self) -> None:
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        install_exception_logging(loop)
        try:
            # Created on its own loop so anything it binds at init binds there.
            self._service = self._make_service()
        except BaseException as exc:  # reported to start() and re-raised there
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            _cancel_leftovers(loop)
            loop.close()

    async def _run(self, fn: Callable[[ProxyService], Awaitable[T]]) -> T:
        if self._loop is None or self._loop.is_closed():
            raise RuntimeError("The streaming core is not running.")
        assert self._service is not None
        future = asyncio.run_coroutine_threadsafe(_invoke(self._service, fn), self._loop)
        # Cancelling the awaiting UI task cancels the core-side task too.
        return await asyncio.wrap_future(future)

    def request_snapshot(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            try:
                # Queued with a weak reference: the core thread must never hold the last one.
                self._loop.call_soon_threadsafe(_emit_snapshot, self._service, weakref.ref(self))
            except RuntimeError:  # closed between the check and the call
                pass

    def request_logo(self, logo_id: str) -> None:
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(_send_logo, self._service, logo_id, _WeakRelay(self, "logo_ready"))
            except RuntimeError:  # closed between the check and the call
                pass

    def shutdown(self, timeout: float) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the core thread did not finish within %.1f s; exiting anyway", timeout)
        else:
            self._service = None  # freed here, on the UI thread


class QasyncCoreHost(CoreHost):
    """The service on the UI's qasync loop (for benchmarks; see the module docstring)."""

    placement = CorePlacement.QASYNC

    def start(self) -> None:
        self._service = self._make_service()

    async def _run(self, fn: Callable[[ProxyService], Awaitable[T]]) -> T:
        if self._service is None:
            raise RuntimeError("The streaming core is not running.")
        return await fn(self._service)

    def request_snapshot(self) -> None:
        self._emit_snapshot()

    def request_logo(self, logo_id: str) -> None:
        _send_logo(self._service, logo_id, _WeakRelay(self, "logo_ready"))

    def shutdown(self, timeout: float) -> None:
        self._service = None


def make_core_host(
    placement: CorePlacement, config: ProxyConfig, service_factory: ServiceFactory = ProxyService
) -> CoreHost:
    cls = ThreadCoreHost if placement is CorePlacement.THREAD else QasyncCoreHost
    return cls(config, service_factory)


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel tasks still pending when the loop stops, so their cleanups run."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        try:
            loop.run_until_complete(asyncio.wait(tasks, timeout=0.5))
        except Exception:
            log.debug("leftover core tasks failed while cancelling", exc_info=True)
    try:
        loop.run_until_complete(loop.shutdown_asyncgens())
    except Exception:
        pass
