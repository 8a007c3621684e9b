"""One live channel: a single engine session, one reader task, many players.

Life of a stream: starting (engine session + first byte) → playing ⇄
reconnecting → lingering (no players, kept warm for zapping back) → stopped,
or failed with a reason every waiting player receives as an HTTP error.

A stream gets a `CoreContext` (config, engine, HTTP session, events,
counters, session stopper) and an `on_closed` callback, never its registry:
it reads the context at each use, so new settings reach it without a call.
Routes use its player-facing methods (subscribe, unsubscribe, player_count,
and `hls` for HLS), never its fan-out. TS players hold a connection and a
queue; HLS viewers (stream_hls) count while they keep asking. The channel
lingers once the last of either kind is gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp

from desktop.streaming.context import CoreContext
from desktop.streaming.engine import (
    EngineClient,
    EngineError,
    EngineSession,
    EngineStats,
)
from desktop.streaming.failures import Failure, SessionGone, describe
from desktop.streaming.fanout import ClientInfo, Fanout, StreamEnded, Subscriber
from desktop.streaming.snapshot import StreamSnapshot, stream_picture
from desktop.streaming.stream_hls import StreamHls
from desktop.streaming.ts import PACKET_SIZE, PacketAligner

log = logging.getLogger(__name__)

READ_SIZE = PACKET_SIZE * 348  # ~64 KiB: few large writes per player keep CPU per GB low
COALESCE_BELOW = 16 * 1024  # a read smaller than this waits briefly for more...
COALESCE_DELAY = 0.02  # ...this long, so a trickling engine still yields few chunks
TICK = 1.0  # s between stale checks and rate samples
STAT_INTERVAL = 2.0  # s between engine stat polls while the channel has players
STALLED_AFTER = 3.0  # s without engine data before a playing channel shows as stalled
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 5.0


@dataclass(frozen=True)
class ChannelKey:
    kind: str  # engine parameter selecting the content: "id" or "infohash"
    content_id: str  # 40 hex, lower case


class LiveStream:
    def __init__(
        self,
        key: ChannelKey,
        extra: Mapping[str, str],
        context: CoreContext,
        on_closed: Callable[[LiveStream], None],
    ) -> None:
        self.key = key
        self.extra = dict(extra)
        self._context = context
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        self.clock = self._loop.time  # monotonic clock shared with the players' queues
        self.fanout = Fanout()
        self.hls = StreamHls(context, self.fanout, self.clock, on_arrival=self._player_arrived)
        self._aligner = PacketAligner()
        self.state = "starting"
        self.started_at = time.time()
        self._start_time = self._loop.time()
        self.bytes_in = 0
        self.reconnects = 0
        self.last_error: str | None = None
        self.end_reason: StreamEnded | None = None  # why it closed, for requests that find it closed
        self.stats: EngineStats | None = None
        self._had_data = False
        self._last_data = self._start_time
        self._session: EngineSession | None = None
        self._session_engine: EngineClient | None = None
        self._linger: asyncio.TimerHandle | None = None
        self.lingering_since: float | None = None  # when the last player left (loop time): the registry evicts by it
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self._start_deadline: asyncio.Timeout | None = None  # disarmed by the first byte
        self._waiting_for_players = asyncio.Event()  # set while the reader waits for a taker
        self._response: aiohttp.ClientResponse | None = None  # the engine's playback answer being read
        self._engine_switched = False  # set by switch_engine until the reader has reconnected

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        name = self.key.content_id[:8]
        self._tasks = [
            self._loop.create_task(self._run(), name=f"reader-{name}"),
            self._loop.create_task(self._housekeeping(), name=f"tick-{name}"),
            self._loop.create_task(self._poll_stats(), name=f"stats-{name}"),
        ]

    def close(self, reason: StreamEnded, *, failed: bool = False) -> None:
        """End the stream now: players get `reason`, the engine session is stopped in the background."""
        if self._closed:
            return
        self._closed = True
        self.end_reason = reason
        self.state = "failed" if failed else "stopped"
        if failed:
            self.last_error = str(reason)
        if self._linger is not None:
            self._linger.cancel()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self.fanout.end_all(reason)
        self.hls.close()
        self._drop_session()
        self._on_closed(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _drop_session(self) -> None:
        if self._session is not None and self._session_engine is not None:
            self._context.sessions.stop_later(self._session_engine, self._session)
        self._session = None
        self._session_engine = None

    def switch_engine(self) -> None:
        """The engine changed: reconnect on the new one as after an engine fault; players stay."""
        if self._closed:
            return
        self._engine_switched = True
        self._drop_session()
        if self._response is not None:
            self._response.close()  # the reader sees its stream end and reconnects

    # --- players -------------------------------------------------------------------------
    def subscribe(self, info: ClientInfo) -> Subscriber:
        """A new player: its queue starts at the backlog's join point. Its writer counts `bytes_sent`."""
        self._player_arrived()
        return self.fanout.join(
            self._context.counters.next_client_id(), info, self._context.config.queue_size, self._loop.time()
        )

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if self.fanout.remove(subscriber.client_id) is not None:
            self._unless_players_left()

    @property
    def has_players(self) -> bool:
        return bool(self.fanout.subscribers) or bool(self.hls.viewers)

    @property
    def player_count(self) -> int:
        return len(self.fanout.subscribers) + len(self.hls.viewers)

    def _player_arrived(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
            self.state = "playing" if self._had_data else "starting"

    def _unless_players_left(self) -> None:
        """Once the last player (TS or HLS) has gone: linger, or stop a channel that never started."""
        if self.has_players or self._closed or self._linger is not None:
            return
        linger = self._context.config.linger
        if linger <= 0 or not self._had_data:
            # Nobody waits for a channel that never started: stop it at once.
            self.close(StreamEnded("no players left", 410))
        else:
            self.state = "lingering"
            self._linger, self.lingering_since = self._loop.call_later(linger, self._linger_expired), self._loop.time()

    def _linger_expired(self) -> None:
        self._linger = None
        if not self.has_players:
            self._context.events.emit("info", "Channel closed: no players for the linger time", self.key.content_id)
            self.close(StreamEnded("no players left", 410))

    # --- reading -------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            await self._read_until_failure()
        except asyncio.CancelledError:
            raise
        except StreamEnded as ended:
            level = "error"
            self._context.events.emit(level, f"Stream failed: {ended}", self.key.content_id)
            self.close(ended, failed=True)
        except Exception as exc:  # a bug must not leave players hanging
            log.exception("reader of %s crashed", self.key.content_id)
            self.close(StreamEnded(f"AceTray internal error: {exc}", 500), failed=True)

    async def _read_until_failure(self) -> None:
        config = self._context.config
        try:
            async with asyncio.timeout(config.start_timeout) as self._start_deadline:
                await self._open_session()
                await self._pump()
        except TimeoutError:
            if not self._had_data and not self._engine_switched:
                raise StreamEnded(
                    f"No data from the AceStream engine within {config.start_timeout:g} s", 504
                ) from None
            failure = Failure(f"no data for {config.empty_timeout:g} s")
        except (EngineError, SessionGone, aiohttp.ClientError, OSError) as exc:
            if not self._had_data and not self._engine_switched:
                raise StreamEnded(describe(exc).text, getattr(exc, "status", 502)) from None
            failure = describe(exc)
        else:
            if not self._had_data and not self._engine_switched:
                raise StreamEnded("The AceStream engine closed the stream before sending data", 502)
            failure = Failure("the engine ended the stream")
        await self._reconnect_loop(failure)

    async def _reconnect_loop(self, failure: Failure) -> None:
        """Keep players connected while reopening the stream, with backoff, for a bounded time."""
        failing_since = self._last_data
        backoff = BACKOFF_FIRST
        new_session = False
        while True:
            config = self._context.config
            if self._engine_switched:
                self._engine_switched = False
                failure = Failure("the engine was changed in Settings")
            if not self.has_players:
                self._context.events.emit("info", f"Channel closed while lingering: {failure.text}", self.key.content_id)
                self.close(StreamEnded("no players left", 410))
                return
            waited = self._loop.time() - failing_since
            if waited > config.give_up_after:
                raise StreamEnded(f"Gave up after {waited:.0f} s without data: {failure.text}", 502)
            self.state = "reconnecting"
            self.stats = None  # the engine's figures were for a session that is no longer flowing
            self.last_error = failure.text
            self.reconnects += 1
            self._context.events.emit(
                "warning", f"Reconnecting: {failure.text}.", self.key.content_id, detail=failure.detail
            )
            self.fanout.clear_backlog()
            self._aligner.reset()
            if self.hls.segmenter is not None:
                self.hls.segmenter.discontinuity()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
            if new_session:
                self._drop_session()
            bytes_before = self.bytes_in
            try:
                await self._open_session()
                await self._pump()
                failure = Failure("the engine ended the stream")
            except TimeoutError:
                failure = Failure(f"no data for {config.empty_timeout:g} s")
            except (EngineError, SessionGone, aiohttp.ClientError, OSError) as exc:
                failure = describe(exc)
            if self.bytes_in > bytes_before:
                # Data flowed again: the next break starts a fresh count and backoff,
                # and first tries to reopen the same session.
                failing_since, backoff, new_session = self._last_data, BACKOFF_FIRST, False
            else:
                # Reopening this session gave nothing: ask the engine for a new one.
                new_session = True

    async def _open_session(self) -> None:
        if self._session is None:
            engine = self._context.engine
            self._session = await self._context.sessions.start(engine, self.key.kind, self.key.content_id, self.extra)
            self._session_engine = engine

    async def _pump(self) -> None:
        """Read the playback URL until EOF; raises on errors and when data stops coming."""
        assert self._session is not None
        loop = self._loop
        context = self._context
        empty_timeout = context.config.empty_timeout
        try:
            async with context.http.get(
                self._session.playback_url,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
                allow_redirects=False,
            ) as resp:
                self._response = resp
                if resp.status == 404:
                    raise SessionGone("The AceStream engine no longer knows this session")
                if resp.status != 200:
                    raise EngineError(f"The AceStream engine answered HTTP {resp.status} for the stream")
                content = resp.content
                aligner = self._aligner
                # Before the first byte the start timeout (outer) applies; after it, the empty timeout.
                async with asyncio.timeout_at(loop.time() + empty_timeout if self._had_data else None) as deadline:
                    while True:
                        data = await content.read(READ_SIZE)
                        if not data:
                            return
                        if len(data) < COALESCE_BELOW:
                            await asyncio.sleep(COALESCE_DELAY)
                            more = content.read_nowait(READ_SIZE - len(data))
                            if more:
                                data += more
                        chunk = aligner.feed(data)
                        if chunk:
                            self._publish(chunk)
                            if self.fanout.all_backed_up:
                                # Not reading is our choice, not engine silence: no empty timeout meanwhile.
                                deadline.reschedule(None)
                                await self._wait_for_players()
                            deadline.reschedule(loop.time() + context.config.empty_timeout)
        finally:
            self._response = None

    async def _wait_for_players(self) -> None:
        self._waiting_for_players.set()
        try:
            await self.fanout.wait_for_a_taker()
        finally:
            self._waiting_for_players.clear()

    @property
    def waiting_for_players(self) -> bool:
        """The reader is parked because every player is backed up (deliberately not reading)."""
        return self._waiting_for_players.is_set()

    async def until_waiting_for_players(self) -> None:
        """Return once the reader parks for its players; lets a test wait for that instead of guessing."""
        await self._waiting_for_players.wait()

    def _publish(self, chunk: bytes) -> None:
        self.bytes_in += len(chunk)
        self._last_data = self._loop.time()
        if self.state != "playing" and self.state != "lingering":
            if not self._had_data:
                self._context.events.emit("info", "Stream playing", self.key.content_id)
            elif self.state == "reconnecting":
                self._context.events.emit("info", "Stream resumed", self.key.content_id)
                self.last_error = None  # flowing again: the old error no longer describes the channel
            self.state = "playing"
        if not self._had_data:
            self._had_data = True
            if self._start_deadline is not None:
                self._start_deadline.reschedule(None)  # playing: only the empty timeout applies now
                self._start_deadline = None
        self.fanout.publish(chunk)
        segmenter = self.hls.segmenter
        if segmenter is not None:
            segmenter.feed(chunk)  # the same immutable chunk: an open segment keeps references to it

    # --- periodic work -------------------------------------------------------------------
    async def _housekeeping(self) -> None:
        """Once a second: rates for the UI, and eviction of players that stopped taking."""
        while True:
            await asyncio.sleep(TICK)
            now = self._loop.time()
            stale_after = self._context.config.stale_timeout
            for subscriber in list(self.fanout.subscribers.values()):
                subscriber.sample_rate(now)
                if subscriber.is_stale(now, stale_after):
                    self._context.events.emit(
                        "warning",
                        f"Player {subscriber.info.address} dropped: took nothing for {stale_after:g} s",
                        self.key.content_id,
                    )
                    self._context.counters.stale_evictions += 1
                    subscriber.evict(StreamEnded("dropped as stale", 408))
            if self.hls.viewers:
                for viewer in self.hls.expire(now):
                    log.info("HLS player %s left %s", viewer.address, self.key.content_id)
                self._unless_players_left()

    async def _poll_stats(self) -> None:
        while True:
            await asyncio.sleep(STAT_INTERVAL)
            session, engine = self._session, self._session_engine
            if not self.has_players or session is None or engine is None or not session.stat_url:
                continue
            try:
                self.stats = await engine.stats(session.stat_url)
            except EngineError as exc:
                self.stats = None  # figures the engine can no longer confirm are not shown
                log.debug("stat poll for %s failed: %s", self.key.content_id, exc)

    # --- picture -------------------------------------------------------------------------
    def snapshot(self) -> StreamSnapshot:
        # Still "playing" by state, but the engine sends nothing (a P2P gap) and the empty timeout runs.
        stalled = self.state == "playing" and not self.waiting_for_players and (
            self._loop.time() - self._last_data > STALLED_AFTER
        )
        return stream_picture(
            self.key.kind, self.key.content_id, "stalled" if stalled else self.state, self.stats,
            tuple(s.snapshot() for s in self.fanout.subscribers.values())
            + tuple(viewer.snapshot() for viewer in self.hls.viewers),
            bytes_in=self.bytes_in, bytes_out=self.fanout.bytes_out + self.hls.viewers.bytes_sent,
            started_at=self.started_at, reconnects=self.reconnects, last_error=self.last_error,
        )
