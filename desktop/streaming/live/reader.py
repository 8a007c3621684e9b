"""The engine side of one channel: its session, the playback read loop, reconnects, failover.

`EngineReader.run` opens the engine session, reads its playback URL in large
packet-aligned chunks and hands each to the stream (`on_chunk`); when the
engine stops sending, fails or ends the stream, it reopens the same session
(or a new one) with backoff while players wait, for a bounded time. A channel
of several sources reads through `source_reader.SourcesReader`, which moves it
to its next source instead when the one in use fails. It pauses while every
player is backed up. It knows nothing of players beyond the stream's fan-out
and whether the channel is still wanted (`wanted`: players are left, or the
warm keeper holds it); what a chunk, a reconnect or a switch means to them is
the stream's business (the callbacks). Across a reconnect (or a switch) the
bytes stay one stream for players (`ts.splice.Splicer`: no PES cut in two,
clocks that go on), so they play on instead of resetting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import aiohttp

from desktop.streaming.engine.client import EngineClient, EngineError, EngineSession
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.failures import Failure, SessionGone, describe
from desktop.streaming.live.fanout import Fanout
from desktop.streaming.live.player import StreamEnded
from desktop.streaming.sources.failover import Rotation
from desktop.streaming.ts.packets import PACKET_SIZE, PacketAligner
from desktop.streaming.ts.splice import Splicer

READ_SIZE = PACKET_SIZE * 348  # ~64 KiB: few large writes per player keep CPU per GB low
# Once a chunk is out and the engine has no more ready, the next read waits for data to gather (_gather):
COALESCE_FILL = 0.9 * READ_SIZE  # about this much, at the engine's recent rate (a little under a read: one takes it)...
COALESCE_MAX_DELAY = 0.1  # ...but at most this long (players see it as latency)...
COALESCE_MIN_DELAY = 0.005  # ...and not at all when less would do (a fast engine fills reads by itself)
RATE_WEIGHT = 0.2  # of each new sample in the running estimate of the engine's rate
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 5.0


class EngineReader:
    """Reads one channel's engine session for as long as it is wanted."""

    def __init__(
        self,
        rotation: Rotation,
        extra: Mapping[str, str],
        context: CoreContext,
        fanout: Fanout,
        *,
        on_chunk: Callable[[bytes, bool], None],
        on_reconnect: Callable[[Failure], None],
        wanted: Callable[[], bool],
    ) -> None:
        """`on_chunk(chunk, first)`: aligned data arrived (`first`: the stream's very first);
        `on_reconnect(failure)`: the data stopped and a reconnect begins. `rotation`: the channel's
        sources (one here; `SourcesReader` reads channels of several)."""
        self.rotation = rotation
        self._extra = extra
        self._context = context
        self._fanout = fanout
        self._on_chunk = on_chunk
        self._on_reconnect = on_reconnect
        self._wanted = wanted
        self._loop = asyncio.get_running_loop()
        self._aligner = PacketAligner()
        self.splicer = Splicer()  # what players get after a reconnect continues what they had
        self.bytes_in = 0
        self.had_data = False
        self.last_data = self._loop.time()  # loop time of the last chunk (or of the start)
        self._rate = 0.0  # bytes/s the engine sends, a running estimate (0: none yet)
        # Loop time of the chunk before, when the engine's pace alone set the time since it
        # (None at a connection's start and after a park: that time says nothing of the rate).
        self._rate_mark: float | None = None
        self.session: EngineSession | None = None
        self.session_engine: EngineClient | None = None  # the engine `session` runs on
        self._start_deadline: asyncio.Timeout | None = None  # disarmed by the first byte
        self._waiting_for_players = asyncio.Event()  # set while the reader waits for a taker
        self._response: aiohttp.ClientResponse | None = None  # the engine's playback answer being read
        self._engine_switched = False  # set by switch_engine until the reader has reconnected
        self._source_had_data = False  # the source in use has delivered since it was chosen

    # --- control from the stream -----------------------------------------------------------
    def drop_session(self) -> None:
        """Forget the session; it is stopped at the engine in the background."""
        if self.session is not None and self.session_engine is not None:
            self._context.sessions.stop_later(self.session_engine, self.session)
        self.session = None
        self.session_engine = None

    def switch_engine(self) -> None:
        """The engine changed: reconnect on the new one as after an engine fault."""
        self._engine_switched = True
        self.drop_session()
        if self._response is not None:
            self._response.close()  # the read loop sees its stream end and reconnects

    def source_dead(self, reason: str) -> None:
        """The engine calls the source in use dead: nothing to do for a channel of one source
        (it reconnects by its own timeouts); `SourcesReader` moves on to the next."""

    @property
    def waiting_for_players(self) -> bool:
        """Parked because every player is backed up (deliberately not reading)."""
        return self._waiting_for_players.is_set()

    async def until_waiting_for_players(self) -> None:
        await self._waiting_for_players.wait()

    # --- reading ---------------------------------------------------------------------------
    async def run(self) -> Failure:
        """Read until nobody is left to reconnect for: returns the failure that ended it.

        Raises StreamEnded when the stream fails: nothing came before the start
        timeout or an error, or reconnects gave nothing for too long.
        """
        config = self._context.config
        try:
            async with asyncio.timeout(config.start_timeout) as self._start_deadline:
                await self._open_session()
                await self._pump()
        except TimeoutError:
            if not self.had_data and not self._engine_switched:
                raise StreamEnded(f"No data from the AceStream engine within {config.start_timeout:g} s", 504) from None
            failure = Failure(f"no data for {config.empty_timeout:g} s")
        except (EngineError, SessionGone, aiohttp.ClientError, OSError) as exc:
            if not self.had_data and not self._engine_switched:
                raise StreamEnded(describe(exc).text, getattr(exc, "status", 502)) from None
            failure = describe(exc)
        else:
            if not self.had_data and not self._engine_switched:
                raise StreamEnded("The AceStream engine closed the stream before sending data", 502)
            failure = Failure("the engine ended the stream")
        return await self._reconnect_loop(failure)

    async def _reconnect_loop(self, failure: Failure) -> Failure:
        """Keep players connected while reopening the stream, with backoff, for a bounded time."""
        failing_since = self.last_data
        backoff = BACKOFF_FIRST
        new_session = False
        while True:
            config = self._context.config
            if self._engine_switched:
                self._engine_switched = False
                failure = Failure("the engine was changed in Settings")
            if not self._wanted():
                return failure
            waited = self._loop.time() - failing_since
            if waited > config.give_up_after:
                raise StreamEnded(f"Gave up after {waited:.0f} s without data: {failure.text}", 502)
            self._on_reconnect(failure)
            self._fanout.clear_backlog()
            self._aligner.reset()
            self.splicer.splice()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
            if new_session:
                self.drop_session()
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
                failing_since, backoff, new_session = self.last_data, BACKOFF_FIRST, False
            else:
                # Reopening this session gave nothing: ask the engine for a new one.
                new_session = True

    async def _open_session(self) -> None:
        if self.session is None:
            engine = self._context.engine
            kind, content_id = self.rotation.key
            self.session = await self._context.sessions.start(engine, kind, content_id, self._extra)
            self.session_engine = engine

    async def _pump(self, silence: float | None = None) -> None:
        """Read the playback URL until EOF; raises on errors and when data stops coming.

        `silence`: seconds without data that end it once data has come (the empty timeout when None);
        before that, whoever called bounds the wait for the first byte.
        """
        assert self.session is not None
        loop = self._loop
        context = self._context
        several = silence is not None
        empty_timeout = silence if silence is not None else context.config.empty_timeout
        had_data = self._source_had_data if several else self.had_data
        try:
            async with context.http.get(
                self.session.playback_url,
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
                self._rate_mark = None  # a new connection: its first gap is the engine's start, not its pace
                async with asyncio.timeout_at(loop.time() + empty_timeout if had_data else None) as deadline:
                    while True:
                        data = await content.read(READ_SIZE)
                        if not data:
                            return
                        chunk = aligner.feed(data)
                        parked = False
                        if chunk:
                            self._deliver(chunk)
                            if self._fanout.all_backed_up:
                                # Not reading is our choice, not engine silence: no empty timeout meanwhile.
                                deadline.reschedule(None)
                                await self._wait_for_players()
                                parked = True
                                self._rate_mark = None
                            else:
                                # Delivering wrote to every player that keeps up: let the loop
                                # serve others (status requests, joiners) before the next chunk.
                                await asyncio.sleep(0)
                            deadline.reschedule(loop.time() + (silence or context.config.empty_timeout))
                        # The engine had no more ready: let the next chunk grow. Not after a park:
                        # data piled up meanwhile, and players that just made room wait for it.
                        if len(data) < READ_SIZE and not parked:
                            await self._gather(resp)
        finally:
            self._response = None

    async def _gather(self, resp: aiohttp.ClientResponse) -> None:
        """Wait while about COALESCE_FILL bytes arrive, not reading the socket meanwhile.

        Every chunk costs a wake-up and a write per player, and engines trickle
        (the demo engine writes 4 KB at a time): at 1 MB/s this makes ~17
        chunks a second instead of ~45, from ~17 reads instead of ~250. The socket is not read meanwhile, so
        the kernel joins the engine's writes and the next read takes them all
        at once instead of a wake-up each. A chunk never waits before it is
        sent: the wait comes after one, and none comes before the engine's rate
        is known (a new channel's second chunk waited 100 ms for it, and a new
        HLS channel's first segment with it: tests/bench/bench_zap.py, hls-new).
        """
        if not self._rate:
            return
        wait = min(COALESCE_MAX_DELAY, COALESCE_FILL / self._rate)
        if wait < COALESCE_MIN_DELAY:
            return
        connection = resp.connection
        transport = connection.transport if connection is not None else None
        if transport is None or transport.is_closing() or not transport.is_reading():
            return  # gone, or aiohttp paused it (its buffer is full): not ours to resume
        transport.pause_reading()
        try:
            await asyncio.sleep(wait)
        finally:
            if not transport.is_closing():
                transport.resume_reading()

    def _deliver(self, chunk: bytes) -> None:
        self.bytes_in += len(chunk)
        now = self._loop.time()
        mark = self._rate_mark
        if mark is not None and now > mark:
            sample = len(chunk) / (now - mark)
            self._rate = sample if not self._rate else self._rate + RATE_WEIGHT * (sample - self._rate)
        self._rate_mark = now
        self.last_data = now
        if self._start_deadline is not None:
            self._start_deadline.reschedule(None)  # playing: only the empty (or stall) timeout applies now
            self._start_deadline = None
        if not self._source_had_data:
            self._source_had_data = True
            self.rotation.flowing()
        chunk = self._splice(chunk, now)
        if not chunk:
            return  # held back for now (SourcesReader); its bytes still count as data from the source
        first = not self.had_data
        self.had_data = True
        chunk = self.splicer.carry(chunk)
        if chunk:  # b"": held until the new timeline's first clock reading
            self._on_chunk(chunk, first)

    def _splice(self, chunk: bytes, now: float) -> bytes:
        """What of `chunk` goes on to the splicer now: all of it (`SourcesReader` holds some back)."""
        return chunk

    async def _wait_for_players(self) -> None:
        self._waiting_for_players.set()
        try:
            await self._fanout.wait_for_a_taker()
        finally:
            self._waiting_for_players.clear()
