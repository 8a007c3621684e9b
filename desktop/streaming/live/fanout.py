"""Fan-out: one chunk from the reader, offered to every player's bounded queue.

The reader never waits for a player. A player that is keeping up (nothing
queued, its socket taking data) is written to at once, inside the offer: no
task switch per chunk per player, which is most of the proxy's Python time
at full load. Any other player has its own queue of shared `bytes` chunks
(no copy per player), drained by its writer task; when it is full the player
loses its oldest chunk — whole packets, so the MPEG-TS framing survives —
and the loss is counted. Players that take nothing for too long are evicted
by the stream.

What a player took is what its connection shows it took, where the system
can tell (`Subscriber.measure_takes`): the kernel accepts megabytes for a
player that never reads, so a write the kernel accepted says nothing of the
player. Elsewhere an accepted write counts as a take, as it always did.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol

from desktop.streaming.live.player import ClientInfo, StreamEnded
from desktop.streaming.snapshot import ClientSnapshot
from desktop.streaming.ts.scan import PAT_STARTS, PacketScan, find_keyframes, offsets

__all__ = ["ClientInfo", "Fanout", "StreamEnded", "Subscriber"]

BACKLOG_MAX_BYTES = 4 * 1024 * 1024  # what a joiner may be handed, at most
# A player that takes nothing for this long while data waits for it is "not reading" (shown so in
# the window), and a channel none of whose players read gives way to a new one when the cap is
# reached. A player that plays takes something every second or so; a person asking for a channel
# should not wait long behind ones nobody watches (issue 18: within 20 s).
NOT_READING_AFTER = 10.0

# Bytes handed to the player's connection that it has not taken yet; None when it cannot tell now.
Unsent = Callable[[], int | None]


class PlayerSocket(Protocol):
    """The player's connection as the direct path uses it (an asyncio transport)."""

    def write(self, data: bytes) -> None: ...

    def is_closing(self) -> bool: ...


class FlowControl(Protocol):
    """The connection's protocol: paused while the player's socket buffer is full."""

    @property
    def writing_paused(self) -> bool: ...


class Subscriber:
    """One player's queue and counters. Lives on the core's loop.

    `room` is the stream's "a player took" signal (Fanout.join passes it):
    every take sets it, so a reader parked because every player was backed
    up wakes at the first take. A subscriber alone (in tests) has none.
    """

    def __init__(
        self, client_id: int, info: ClientInfo, maxsize: int, now: float, room: asyncio.Event | None = None
    ) -> None:
        self.client_id = client_id
        self._room = room
        self.info = info
        self.maxsize = maxsize
        self._chunks: deque[bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._end: StreamEnded | None = None
        self.bytes_sent = 0  # counted as chunks are written (by `offer` or the player's writer): one add each
        self.dropped_chunks = 0
        self.last_take = now  # when it last took something (the core's clock), for the stale check
        self.started = False  # has received its first chunk
        self.rate_bps: float | None = None  # None until a look after its first bytes (a rate of nothing is news)
        self._rate_mark = (now, 0)
        self.on_evict: Callable[[], None] | None = None  # closes the player's connection
        # Set once the response headers are out (`enable_direct_writes`): where offers write.
        self._direct: tuple[PlayerSocket, FlowControl, Callable[[], float]] | None = None
        # Set by `measure_takes`: takes are then what `look` sees the connection took, not writes.
        self._unsent: Unsent | None = None
        self._taken = 0  # bytes the player had taken at the last look
        self._held = 0  # bytes its connection held untaken at the last look

    def enable_direct_writes(self, socket: PlayerSocket, flow: FlowControl, clock: Callable[[], float]) -> None:
        """From now on, offers go straight to `socket` while nothing is queued and it is not paused.

        Order is kept: a chunk is written at once only when the queue is empty,
        and the writer task writes queued chunks in order.
        """
        self._direct = (socket, flow, clock)

    def measure_takes(self, unsent: Unsent) -> None:
        """From now on a take is what `look` sees the player took: bytes written minus `unsent()`.

        A write the kernel accepts no longer counts: its send buffer takes
        megabytes from a player that reads nothing (issue 18: dropped after
        ~77 s instead of the stale timeout, and channels held by such players).
        """
        self._unsent = unsent

    def look(self, now: float) -> None:
        """Note what the player took since the last look (the stream looks once a tick)."""
        unsent = self._unsent
        if unsent is None:
            return
        held = unsent()
        if held is None:
            return  # the connection is closing: its writer sees that
        taken = self.bytes_sent - held
        if taken > self._taken:
            self._taken = taken
            self.last_take = now
        self._held = held

    # --- producer side (the stream's reader) -------------------------------------------
    def offer(self, chunk: bytes) -> None:
        """Non-blocking put: written at once when the player keeps up, else queued (dropping the oldest when full)."""
        if self._end is not None:
            return
        chunks = self._chunks
        direct = self._direct
        if direct is not None and not chunks:
            socket, flow, clock = direct
            if not flow.writing_paused and not socket.is_closing():
                try:
                    socket.write(chunk)
                except (ConnectionError, RuntimeError):
                    return  # the player is gone; its writer task sees the closed connection
                self.bytes_sent += len(chunk)
                if self._unsent is None:
                    self.last_take = clock()
                self.started = True
                return
        while len(chunks) >= self.maxsize:
            chunks.popleft()
            self.dropped_chunks += 1
        chunks.append(chunk)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def prefill(self, chunks: list[bytes]) -> None:
        """Start with the backlog (bounded by the stream, may exceed `maxsize` once; not drops)."""
        self._chunks.extend(chunks)

    def end(self, reason: StreamEnded) -> None:
        """No more data will come: queued chunks still drain, then `take` raises."""
        if self._end is None:
            self._end = reason
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def evict(self, reason: StreamEnded) -> None:
        """Drop the player now, even if it is stuck in a write."""
        self._chunks.clear()
        self.end(reason)
        if self.on_evict is not None:
            self.on_evict()

    # --- consumer side (the player's writer) ----------------------------------------------
    async def take(self, loop_time: Callable[[], float]) -> bytes:
        """The oldest queued chunk, waiting for one; raises StreamEnded at the end.

        One chunk per call: the writer yields between chunks whenever more is
        queued, so 50 busy players share the loop in ~64 KiB turns and a
        status request never waits behind one player's whole queue.
        """
        while not self._chunks:
            if self._end is not None:
                raise self._end
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        if self._unsent is None:
            self.last_take = loop_time()
        self.started = True
        room = self._room
        if room is not None and not room.is_set():
            room.set()
        return self._chunks.popleft()

    # --- bookkeeping ----------------------------------------------------------------------
    @property
    def queued(self) -> int:
        return len(self._chunks)

    @property
    def backed_up(self) -> bool:
        return len(self._chunks) * 2 >= self.maxsize

    def unread_for(self, now: float) -> float:
        """How long data has waited for the player untaken (0 while nothing waits: a quiet channel)."""
        waiting = bool(self._chunks) or self._held > 0
        return now - self.last_take if waiting else 0.0

    def is_stale(self, now: float, stale_after: float) -> bool:
        """Data is waiting but the player has taken nothing for `stale_after` s."""
        return self.unread_for(now) > stale_after

    def sample_rate(self, now: float) -> None:
        """The player's recent rate: of what it took, where that is measured (after `look`)."""
        delivered = self.bytes_sent if self._unsent is None else self._taken
        mark_time, mark_bytes = self._rate_mark
        if now - mark_time >= 0.5:
            if self.started:
                # (Never below 0: a mark taken of bytes sent, just before takes were measured, may be above.)
                self.rate_bps = max(0.0, (delivered - mark_bytes) / (now - mark_time))
            self._rate_mark = (now, delivered)

    def state(self, now: float) -> str:
        if self._end is not None:
            return "closed"
        if not self.started:
            return "waiting"
        if self.unread_for(now) >= NOT_READING_AFTER:
            return "not reading"
        if len(self._chunks) * 2 > self.maxsize:
            return "lagging"
        return "playing"

    def snapshot(self, now: float) -> ClientSnapshot:
        return ClientSnapshot(
            client_id=self.client_id,
            address=self.info.address,
            user_agent=self.info.user_agent,
            connected_at=self.info.connected_at,
            bytes_sent=self.bytes_sent,
            rate_bps=self.rate_bps,
            dropped_chunks=self.dropped_chunks,
            state=self.state(now),
        )


class Fanout:
    """The set of players of one stream, plus a short backlog for joiners.

    The backlog starts at the join point: the last PAT before the last video
    keyframe, so a joiner's decoder has the tables and a picture to start
    from at once. Streams without keyframe flags fall back to the last PAT.
    The backlog is bounded; past the bound joiners start at the newest PAT or
    packet boundary the backlog still holds.
    """

    def __init__(self) -> None:
        self.subscribers: dict[int, Subscriber] = {}
        self._bytes_out_of_gone = 0  # what players that left were sent
        self.room = asyncio.Event()  # set when a player takes, joins or leaves
        # Players without a queue here (HLS viewers read segments cut from every
        # chunk): while any is present the reader never pauses for the queues.
        self.queueless_players = 0
        self.clear_backlog()

    def clear_backlog(self) -> None:
        """Forget the backlog (after a reconnect it no longer continues into the new data)."""
        self._backlog: deque[bytes] = deque()
        self._backlog_bytes = 0
        self._first_index = 0  # running index of the backlog's first chunk
        self._next_index = 0
        self._last_pat: tuple[int, int] | None = None  # (chunk index, offset)
        self._join: tuple[int, int] | None = None
        self._seen_keyframe = False

    def publish(self, chunk: bytes) -> None:
        self._remember(chunk)
        for subscriber in self.subscribers.values():
            subscriber.offer(chunk)

    @property
    def all_backed_up(self) -> bool:
        """Every player has half its queue waiting (and none reads without one): reading on would only make drops."""
        subscribers = self.subscribers
        return bool(subscribers) and not self.queueless_players and all(s.backed_up for s in subscribers.values())

    async def wait_for_a_taker(self) -> None:
        """Wait while every player is backed up, until one takes (or joins, or leaves).

        The reader runs at the pace of the fastest player, never the slowest:
        one stuck player alone never holds it up.
        """
        while self.all_backed_up:
            self.room.clear()
            await self.room.wait()

    def _remember(self, chunk: bytes) -> None:
        index = self._next_index
        self._next_index += 1
        self._backlog.append(chunk)
        self._backlog_bytes += len(chunk)
        # Column scans (see hls/scan.py): ~3x cheaper than ts.find_pats + find_video_keyframes.
        scan = PacketScan(chunk)
        pats = offsets(PAT_STARTS.marks(scan))
        keyframes = find_keyframes(scan)
        if keyframes:
            self._seen_keyframe = True
            key = keyframes[-1]
            before = [p for p in pats if p <= key]
            if before:
                self._join = (index, before[-1])
            elif self._last_pat is not None:
                self._join = self._last_pat
            else:
                self._join = (index, key)
        if pats:
            self._last_pat = (index, pats[-1])
            if not self._seen_keyframe:
                self._join = self._last_pat
        # Drop what lies before the join point, and anything past the size bound.
        keep_from = self._join[0] if self._join else index
        while self._first_index < keep_from or (self._backlog_bytes > BACKLOG_MAX_BYTES and len(self._backlog) > 1):
            self._backlog_bytes -= len(self._backlog.popleft())
            self._first_index += 1
        if self._join and self._join[0] < self._first_index:
            # The bound cut the keyframe off: the newest PAT still held, else a packet boundary.
            pat = self._last_pat
            self._join = pat if pat and pat[0] >= self._first_index else (self._first_index, 0)

    def backlog(self) -> list[bytes]:
        """The chunks a joiner starts with: from the join point on (the first one sliced, for it)."""
        backlog = list(self._backlog)
        if self._join is not None and backlog:
            skip = self._join[0] - self._first_index
            backlog = backlog[skip:]
            if backlog and self._join[1]:
                backlog[0] = backlog[0][self._join[1] :]
        return backlog

    def join(self, client_id: int, info: ClientInfo, maxsize: int, now: float) -> Subscriber:
        """A new player's queue, starting with the backlog from the join point."""
        subscriber = Subscriber(client_id, info, maxsize, now, room=self.room)
        subscriber.prefill(self.backlog())
        self.subscribers[client_id] = subscriber
        self.room.set()
        return subscriber

    @property
    def bytes_out(self) -> int:
        """Bytes delivered to all players, gone ones included (summed when asked, not per chunk)."""
        return self._bytes_out_of_gone + sum(s.bytes_sent for s in self.subscribers.values())

    def remove(self, client_id: int) -> Subscriber | None:
        self.room.set()
        subscriber = self.subscribers.pop(client_id, None)
        if subscriber is not None:
            self._bytes_out_of_gone += subscriber.bytes_sent
        return subscriber

    def end_all(self, reason: StreamEnded) -> None:
        for subscriber in self.subscribers.values():
            subscriber.end(reason)
