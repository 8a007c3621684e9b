"""One live channel: a single engine session, one reader task, many players.

Life of a stream: starting (engine session + first byte) → playing ⇄
reconnecting → lingering (no players, kept warm for zapping back) → stopped,
or failed with a reason every waiting player receives as an HTTP error.
A favourite the warm keeper holds (`keep_ready`) is "ready" instead of
lingering when it has no players: read and discarded, reconnected like any
stream, never closed for want of players until the keeper lets go of it.

A channel of several sources plays one of them at a time and moves to the
next when it fails (`source_reader.SourcesReader`); players stay, and the
window and events say so ("Sport 1 switched to source 2 of 3 (…)"). The
engine's stat polls double as its word on whether the source in use is dead
(`sources.dead_watch`).

A stream gets a `CoreContext` (config, engine, HTTP session, events,
counters, session stopper) and an `on_closed` callback, never its registry:
it reads the context at each use, so new settings reach it without a call.
Routes use its player-facing methods (subscribe, unsubscribe, player_count,
and `hls` for HLS), never its fan-out. TS players hold a connection and a
queue; HLS viewers (stream_hls) count while they keep asking. The channel
lingers once the last of either kind is gone. The engine side (session,
read loop, reconnects) is `reader.EngineReader`'s (`source_reader.py` moves a
channel of several sources between them); this module says what its chunks
and failures mean to players.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from desktop.streaming.engine.client import EngineError, EngineRefused, EngineSession, EngineStats
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.failures import Failure
from desktop.streaming.live.fanout import Fanout, Subscriber
from desktop.streaming.live.player import ClientInfo, StreamEnded
from desktop.streaming.live.reader import EngineReader
from desktop.streaming.live.source_reader import SourcesReader
from desktop.streaming.live.stream_hls import StreamHls
from desktop.streaming.snapshot import StreamSnapshot, stream_picture
from desktop.streaming.sources.dead_watch import DeadWatch
from desktop.streaming.sources.failover import Rotation, Switch
from desktop.streaming.sources.lineup import ChannelSources

log = logging.getLogger(__name__)

TICK = 1.0  # s between stale checks and rate samples
STAT_INTERVAL = 2.0  # s between engine stat polls while the channel has players (or is kept ready)
STALLED_AFTER = 3.0  # s without engine data before a playing channel shows as stalled
FLOWING = ("playing", "lingering", "ready")  # data arrives (for players, or for the backlog alone)


class LiveStream:
    def __init__(
        self,
        lineup: ChannelSources | ChannelKey,
        extra: Mapping[str, str],
        context: CoreContext,
        on_closed: Callable[[LiveStream], None],
    ) -> None:
        """`lineup`: the channel and its sources (a bare key: a channel of that one source)."""
        self.lineup = lineup if isinstance(lineup, ChannelSources) else ChannelSources.alone(lineup)
        self.key: ChannelKey = self.lineup.key
        self.extra = dict(extra)
        self._context = context
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        self.clock = context.clock  # when players took data, when the channel was left, its timers
        self.fanout = Fanout()
        self.hls = StreamHls(context, self.fanout, self.clock, on_arrival=self._player_arrived)
        self.state = "starting"
        self.started_at = time.time()
        self.reconnects = 0
        self.last_error: str | None = None
        self.end_reason: StreamEnded | None = None  # why it closed, for requests that find it closed
        self.stats: EngineStats | None = None
        self._linger: asyncio.Task[None] | None = None
        self.lingering_since: float | None = None  # when the last player left (`clock`): the registry evicts by it
        # Its place among the favourites the warm keeper holds open (0 = the first); None: not held.
        self.ready_rank: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self.rotation = Rotation(self.lineup, context.health, self._loop.time)
        self._reader = self._make_reader()

    def _make_reader(self) -> EngineReader:
        """A channel of several sources reads through a `SourcesReader`: it fails over."""
        parts = (self.rotation, self.extra, self._context, self.fanout)
        if self.lineup.several:
            return SourcesReader(
                *parts,
                on_chunk=self._publish,
                on_reconnect=self._reconnecting,
                on_switch=self._switched,
                wanted=self._wanted,
            )
        return EngineReader(*parts, on_chunk=self._publish, on_reconnect=self._reconnecting, wanted=self._wanted)

    def _wanted(self) -> bool:
        """Read on (and reconnect, and fail over) while players are left or the warm keeper holds it."""
        return self.has_players or self.kept_ready

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        name = self.key.content_id[:8]
        rotation = self.rotation
        if rotation.position > 1:  # the ones before are known dead: say so, or the window leaves it a riddle
            said = f"{self.lineup.title} starts from {rotation.key_phrase()}: {rotation.dead_before()}."
            self._context.events.emit("info", said, self.key.content_id)
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
        self._reader.drop_session()
        self._on_closed(self)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def kept_ready(self) -> bool:
        """Held open by the warm keeper: it reads on (and reconnects) with no players."""
        return self.ready_rank is not None

    def keep_ready(self, rank: int | None) -> None:
        """The warm keeper holds this channel open as its `rank`-th favourite, or lets go of it (None).

        Let go with no players, it closes now; with players, it lingers after
        the last one leaves, as any channel does.
        """
        if self._closed:
            return
        held, self.ready_rank = self.kept_ready, rank
        if rank is not None:
            if self._linger is not None:
                self._linger.cancel()
                self._linger, self.lingering_since = None, None
                self.state = "ready"
        elif held and not self.has_players:
            self._context.events.emit("info", "Channel closed: no longer kept ready", self.key.content_id)
            self.close(StreamEnded("no longer kept ready", 410))

    def switch_engine(self) -> None:
        """The engine changed: reconnect on the new one as after an engine fault; players stay."""
        if self._closed:
            return
        self._reader.switch_engine()

    # --- players -------------------------------------------------------------------------
    def subscribe(self, info: ClientInfo) -> Subscriber:
        """A new player: its queue starts at the backlog's join point. Its writer counts `bytes_sent`."""
        self._player_arrived()
        return self.fanout.join(
            self._context.counters.next_client_id(), info, self._context.config.queue_size, self.clock()
        )

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if self.fanout.remove(subscriber.client_id) is not None:
            self._unless_players_left()

    def give_way(self, reason: StreamEnded) -> None:
        """Close for another channel: its players (none of them reading) are dropped now, not left to drain."""
        for subscriber in list(self.fanout.subscribers.values()):
            subscriber.evict(reason)
        self.close(reason)

    def unread_for(self, now: float) -> float:
        """How long none of its players has taken anything while data waited (0 while one reads or waits).

        As of the last look at the TS players (`look_at_players`; the housekeeping looks once a tick).
        """
        waits = [subscriber.unread_for(now) for subscriber in self.fanout.subscribers.values()]
        if self.hls.viewers:
            waits.append(self.hls.unread_for(now))
        return min(waits, default=0.0)

    def look_at_players(self, now: float) -> None:
        """Note what each TS player took since the last look."""
        for subscriber in self.fanout.subscribers.values():
            subscriber.look(now)

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
        if self.state in ("lingering", "ready"):
            self.state = "playing" if self._reader.had_data else "starting"

    def _unless_players_left(self) -> None:
        """Once the last player (TS or HLS) has gone: linger, or stop a channel that never started."""
        if self.has_players or self._closed or self._linger is not None:
            return
        if self.kept_ready:  # read on for the next player, however long it takes to come
            if self.state == "playing":
                self.state = "ready"
            return
        linger = self._context.config.linger
        if linger <= 0 or not self._reader.had_data:
            # Nobody waits for a channel that never started: stop it at once.
            self.close(StreamEnded("no players left", 410))
        else:
            self.state = "lingering"
            self.lingering_since = since = self.clock()
            self._linger = self._loop.create_task(self._linger_for(since, linger), name="linger")

    async def _linger_for(self, since: float, seconds: float) -> None:
        await self.clock.sleep(since + seconds - self.clock())  # from when the last player left
        self._linger = None
        if not self.has_players:
            self._context.events.emit("info", "Channel closed: no players for the linger time", self.key.content_id)
            self.close(StreamEnded("no players left", 410))

    # --- reading -------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            failure = await self._reader.run()
        except asyncio.CancelledError:
            raise
        except StreamEnded as ended:
            level = "error"
            self._context.events.emit(level, f"Stream failed: {ended}", self.key.content_id)
            self.close(ended, failed=True)
        except Exception as exc:  # a bug must not leave players hanging
            log.exception("reader of %s crashed", self.key.content_id)
            self.close(StreamEnded(f"AceTray internal error: {exc}", 500), failed=True)
        else:  # every player left while the engine was failing
            self._context.events.emit("info", f"Channel closed while lingering: {failure.text}", self.key.content_id)
            self.close(StreamEnded("no players left", 410))

    def _reconnecting(self, failure: Failure) -> None:
        self.state = "reconnecting"
        self.stats = None  # the engine's figures were for a session that is no longer flowing
        self.last_error = failure.text
        self.reconnects += 1
        self._context.events.emit(
            "warning", f"Reconnecting: {failure.text}.", self.key.content_id, detail=failure.detail
        )
        if self.hls.segmenter is not None:
            self.hls.segmenter.discontinuity()

    def _switched(self, switch: Switch) -> None:
        """The channel moved to another of its sources: players stay, and are told nothing but new data."""
        if self._reader.had_data:
            self.state = "reconnecting"
            if self.hls.segmenter is not None:
                self.hls.segmenter.discontinuity()
        self.stats = None  # the figures were the old source's
        self.last_error = switch.why
        self._context.events.emit("warning", switch.sentence() + ".", self.key.content_id)

    @property
    def source_key(self) -> ChannelKey:
        """The source the channel plays from (or tries) now."""
        return self.rotation.key

    @property
    def bytes_in(self) -> int:
        return self._reader.bytes_in

    @property
    def waiting_for_players(self) -> bool:
        """The reader is parked because every player is backed up (deliberately not reading)."""
        return self._reader.waiting_for_players

    async def until_waiting_for_players(self) -> None:
        """Return once the reader parks for its players; lets a test wait for that instead of guessing."""
        await self._reader.until_waiting_for_players()

    def _publish(self, chunk: bytes, first: bool) -> None:
        if self.state not in FLOWING:
            ready = self.kept_ready and not self.has_players
            if first:
                said = "Ready: this favourite plays at once when chosen" if ready else "Stream playing"
                self._context.events.emit("info", said, self.key.content_id)
            elif self.state == "reconnecting":
                self._context.events.emit("info", "Stream resumed", self.key.content_id)
                self.last_error = None  # flowing again: the old error no longer describes the channel
            self.state = "ready" if ready else "playing"
        self.fanout.publish(chunk)
        segmenter = self.hls.segmenter
        if segmenter is not None:
            segmenter.feed(chunk)  # the same immutable chunk: an open segment keeps references to it

    # --- periodic work -------------------------------------------------------------------
    async def _housekeeping(self) -> None:
        """Once a second: rates for the UI, and eviction of players that stopped taking."""
        while True:
            await self.clock.sleep(TICK)
            now = self.clock()
            stale_after = self._context.config.stale_timeout
            for subscriber in list(self.fanout.subscribers.values()):
                subscriber.look(now)
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
        watch, watched = DeadWatch(), None  # for a channel of several sources: is the one in use dead?
        while True:
            await self.clock.sleep(STAT_INTERVAL)
            reader = self._reader
            session, engine = reader.session, reader.session_engine
            # A favourite kept ready is polled too: its peers and download are what it costs.
            wanted = self.has_players or self.kept_ready
            if not wanted or session is None or engine is None or not session.stat_url:
                continue
            if session is not watched:
                watch.reset()
                watched = session
            try:
                self.stats = await engine.stats(session.stat_url)
            except EngineRefused as exc:
                self.stats = None
                self._dead_unless_moved_on(session, watch.stat_error(str(exc)))
            except EngineError as exc:
                self.stats = None  # figures the engine can no longer confirm are not shown
                log.debug("stat poll for %s failed: %s", self.key.content_id, exc)
            else:
                now, stall = self._loop.time(), self._context.config.stall_timeout
                self._dead_unless_moved_on(session, watch.seen(self.stats, now, reader.last_data, stall))

    def _dead_unless_moved_on(self, session: EngineSession, dead: str | None) -> None:
        """Tell the reader the engine calls its source dead, unless it has moved on since the poll."""
        if dead is not None and session is self._reader.session:
            self._reader.source_dead(dead)

    # --- picture -------------------------------------------------------------------------
    def snapshot(self) -> StreamSnapshot:
        now = self.clock()
        # Still "playing" (or "ready") by state, but the engine sends nothing (a P2P gap) and the empty timeout runs.
        stalled = (
            self.state in ("playing", "ready")
            and not self.waiting_for_players
            and (self._loop.time() - self._reader.last_data > STALLED_AFTER)
        )
        return stream_picture(
            self.key.kind,
            self.key.content_id,
            "stalled" if stalled else self.state,
            self.stats,
            tuple(s.snapshot(now) for s in self.fanout.subscribers.values())
            + tuple(viewer.snapshot() for viewer in self.hls.viewers),
            bytes_in=self.bytes_in,
            bytes_out=self.fanout.bytes_out + self.hls.viewers.bytes_sent,
            started_at=self.started_at,
            reconnects=self.reconnects,
            last_error=self.last_error,
            warm=self.kept_ready,
            source_kind=self.rotation.key.kind,
            source_id=self.rotation.key.content_id,
            source_number=self.rotation.position,
            sources=self.rotation.count,
            switches=self.rotation.switches,
            last_switch=switch.why if (switch := self.rotation.last_switch) is not None else None,
        )
