"""Fan-out queues: a slow player loses whole chunks, never slows the others."""

import asyncio

import pytest

from desktop.streaming.live.fanout import Fanout, Subscriber
from desktop.streaming.live.player import ClientInfo, StreamEnded
from desktop.streaming.ts.packets import PACKET_SIZE


async def take_all(sub: Subscriber) -> list[bytes]:
    """Everything queued right now, as a writer would take it chunk by chunk."""
    taken = [await sub.take(lambda: 1.0)]
    while sub.queued:
        taken.append(await sub.take(lambda: 1.0))
    return taken


def chunk(n: int, pat: bool = False) -> bytes:
    head = b"\x47\x40\x00\x10" if pat else b"\x47\x41\x00\x10"
    return (head + n.to_bytes(4, "big") + bytes(180)) * 4


INFO = ClientInfo("127.0.0.1:5000", "test", 0.0)


def subscriber(client_id: int = 1, maxsize: int = 4) -> Subscriber:
    """A player's queue on its own, outside any fan-out."""
    return Subscriber(client_id, INFO, maxsize, now=0.0)


def join(fan: Fanout, client_id: int = 1, maxsize: int = 4) -> Subscriber:
    """A player joining the fan-out, as a stream subscribes one."""
    return fan.join(client_id, INFO, maxsize, now=0.0)


async def test_full_queue_drops_oldest_whole_chunks_and_counts() -> None:
    sub = subscriber(maxsize=3)
    for n in range(5):
        sub.offer(chunk(n))
    assert sub.dropped_chunks == 2
    taken = await take_all(sub)
    assert taken == [chunk(2), chunk(3), chunk(4)]
    assert all(len(c) % PACKET_SIZE == 0 for c in taken)


async def test_one_shared_object_per_chunk_not_a_copy_per_player() -> None:
    fan = Fanout()
    subs = [join(fan, i) for i in range(3)]
    data = chunk(1)
    fan.publish(data)
    for s in subs:
        got = await s.take(lambda: 0.0)
        assert got is data


async def test_take_waits_for_data_and_end_is_raised_after_draining() -> None:
    sub = subscriber()
    waiter = asyncio.ensure_future(sub.take(lambda: 0.0))
    await asyncio.sleep(0)
    assert not waiter.done()
    sub.offer(chunk(1))
    assert await waiter == chunk(1)
    sub.offer(chunk(2))
    sub.end(StreamEnded("bye", 503))
    assert await sub.take(lambda: 0.0) == chunk(2)  # queued data still drains
    with pytest.raises(StreamEnded) as ended:
        await sub.take(lambda: 0.0)
    assert ended.value.status == 503


def keyframe(n: int) -> bytes:
    head = bytes([0x47, 0x41, 0x00, 0x30, 0x01, 0x40]) + b"\x00\x00\x01\xe0" + n.to_bytes(4, "big")
    return head + bytes(PACKET_SIZE - len(head))


async def test_joiner_starts_at_the_pat_before_the_last_keyframe() -> None:
    fan = Fanout()
    pat = chunk(0, pat=True)[:PACKET_SIZE]
    other = chunk(0)[:PACKET_SIZE]
    fan.publish(pat + keyframe(1) + other)  # join point 1
    fan.publish(other + pat + other)  # a PAT without a keyframe after it: no join point
    fan.publish(pat + other + other)  # the join point's PAT...
    fan.publish(other + keyframe(2) + other)  # ...then its keyframe, in the next chunk
    fan.publish(other + pat + other)
    late = join(fan, maxsize=16)
    got = await take_all(late)
    assert got == [pat + other + other, other + keyframe(2) + other, other + pat + other]
    assert late.dropped_chunks == 0


async def test_without_keyframe_flags_the_joiner_starts_at_the_last_pat() -> None:
    fan = Fanout()
    fan.publish(chunk(0, pat=True))
    fan.publish(chunk(1))
    fan.publish(chunk(2, pat=True))
    fan.publish(chunk(3))
    late = join(fan, maxsize=16)
    got = await take_all(late)
    # The last PAT is the last packet of chunk 2's four: the joiner starts there.
    assert got == [chunk(2, pat=True)[3 * PACKET_SIZE :], chunk(3)]


def test_stale_means_data_waiting_and_nothing_taken() -> None:
    sub = subscriber()
    assert not sub.is_stale(now=100.0, stale_after=30)  # nothing queued: just a quiet channel
    sub.offer(chunk(1))
    assert not sub.is_stale(now=20.0, stale_after=30)
    assert sub.is_stale(now=31.0, stale_after=30)


def test_evict_closes_the_connection_even_if_stuck() -> None:
    sub = subscriber()
    closed = []
    sub.on_evict = lambda: closed.append(True)
    sub.offer(chunk(1))
    sub.evict(StreamEnded("stale", 408))
    assert closed == [True]
    assert sub.state(now=0.0) == "closed"


async def test_reader_waits_only_when_every_player_is_backed_up() -> None:
    fan = Fanout()
    stuck, fast = join(fan, 1, maxsize=4), join(fan, 2, maxsize=4)
    for n in range(3):
        fan.publish(chunk(n))
    # Both have 3 of 4 queued: reading on would only produce drops, so the reader waits...
    waiting = asyncio.ensure_future(fan.wait_for_a_taker())
    await asyncio.sleep(0)
    assert not waiting.done()
    await fast.take(lambda: 0.0)
    await asyncio.sleep(0)
    assert not waiting.done()  # 2 of 4 still waiting: still backed up
    await fast.take(lambda: 0.0)  # ...until the fastest player has room again.
    await asyncio.wait_for(waiting, 1)
    assert stuck.queued == 3  # the stuck one took nothing, and did not hold the reader up
    await asyncio.wait_for(fan.wait_for_a_taker(), 1)  # one player with room: no wait at all


class FakeSocket:
    """A player's connection as the direct path sees it: records writes, can pause or close."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.writing_paused = False  # the protocol's flag, on the same object for brevity
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closing


def direct(sub: Subscriber) -> FakeSocket:
    sock = FakeSocket()
    sub.enable_direct_writes(sock, sock, lambda: 7.0)
    return sock


def test_a_player_that_keeps_up_is_written_to_at_once_and_counted() -> None:
    sub = subscriber()
    sock = direct(sub)
    sub.offer(chunk(1))
    assert sock.written == [chunk(1)]
    assert sub.queued == 0
    assert sub.bytes_sent == len(chunk(1))
    assert sub.last_take == 7.0  # a direct write is a take: the player is not stale


async def test_a_paused_player_queues_and_then_gets_everything_in_order() -> None:
    sub = subscriber(maxsize=8)
    sock = direct(sub)
    sock.writing_paused = True
    sub.offer(chunk(1))
    sub.offer(chunk(2))
    sock.writing_paused = False
    sub.offer(chunk(3))  # the socket has room again, but older chunks wait: queued behind them
    assert sock.written == []
    assert await take_all(sub) == [chunk(1), chunk(2), chunk(3)]
    sub.offer(chunk(4))  # caught up: straight to the socket again
    assert sock.written == [chunk(4)]


async def test_a_closing_connection_gets_no_direct_write_and_its_writer_wakes() -> None:
    sub = subscriber()
    sock = direct(sub)
    waiter = asyncio.ensure_future(sub.take(lambda: 0.0))
    await asyncio.sleep(0)  # the writer starts and waits for a chunk
    assert not waiter.done()
    sock.closing = True
    sub.offer(chunk(1))
    assert sock.written == []
    assert await waiter == chunk(1)  # the writer wakes, sees the closed connection and leaves


def test_a_failed_direct_write_is_not_counted() -> None:
    class Gone(FakeSocket):
        def write(self, data: bytes) -> None:
            raise ConnectionResetError

    sub = subscriber()
    sock = Gone()
    sub.enable_direct_writes(sock, sock, lambda: 0.0)
    sub.offer(chunk(1))
    assert sub.bytes_sent == 0
    assert sub.queued == 0 and sub.dropped_chunks == 0  # nothing kept for a player that is gone


# --- what the player took, as its connection shows it ------------------------------------


class KernelBuffer(FakeSocket):
    """A connection whose send buffer takes every write, and a player that reads only when told."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    def unsent(self) -> int | None:
        return None if self.closing else sum(map(len, self.written)) - self.read

    def player_reads_all(self) -> None:
        self.read = sum(map(len, self.written))


def measured(sub: Subscriber) -> KernelBuffer:
    conn = KernelBuffer()
    sub.enable_direct_writes(conn, conn, lambda: 7.0)
    sub.measure_takes(conn.unsent)
    return conn


def test_writes_the_kernel_accepts_are_not_takes_when_the_connection_can_tell() -> None:
    sub = subscriber()  # joined at 0
    conn = measured(sub)
    for n in range(3):
        sub.offer(chunk(n))  # all accepted at once: the send buffer holds them
    assert conn.written == [chunk(0), chunk(1), chunk(2)] and sub.bytes_sent == 3 * len(chunk(0))
    sub.look(now=20.0)
    assert sub.last_take == 0.0
    assert sub.unread_for(now=31.0) == 31.0
    assert sub.is_stale(now=31.0, stale_after=30)
    assert sub.state(now=31.0) == "not reading"


def test_the_stale_clock_counts_from_the_last_take_however_long_writes_go_on() -> None:
    sub = subscriber()
    conn = measured(sub)
    sub.offer(chunk(0))
    conn.player_reads_all()
    sub.look(now=5.0)  # took something: its last take
    for second in range(6, 60):
        sub.offer(chunk(second))  # the kernel keeps accepting; the player reads nothing more
        sub.look(now=float(second))
        if second <= 35:
            assert not sub.is_stale(now=float(second), stale_after=30)
    assert sub.is_stale(now=35.5, stale_after=30)


def test_a_player_that_keeps_taking_is_neither_stale_nor_not_reading() -> None:
    sub = subscriber()
    conn = measured(sub)
    for second in range(1, 100):
        sub.offer(chunk(second))
        sub.offer(chunk(second))
        conn.read += len(chunk(0))  # one chunk a second of every two: always behind, never stuck
        sub.look(now=float(second))
        assert sub.unread_for(now=second + 0.5) <= 0.5
    assert not sub.is_stale(now=99.5, stale_after=30)
    assert sub.state(now=99.5) == "playing"


def test_a_player_that_took_everything_on_a_quiet_channel_is_not_unread() -> None:
    sub = subscriber()
    conn = measured(sub)
    sub.offer(chunk(1))
    conn.player_reads_all()
    sub.look(now=1.0)
    assert sub.unread_for(now=500.0) == 0.0  # nothing waits for it: the engine is quiet
    assert not sub.is_stale(now=500.0, stale_after=30)


def test_a_closing_connection_changes_nothing() -> None:
    sub = subscriber()
    conn = measured(sub)
    sub.offer(chunk(1))
    conn.player_reads_all()
    conn.closing = True  # its descriptor may already be another connection's: not asked
    sub.look(now=3.0)
    assert sub.last_take == 0.0


def test_a_player_not_reading_is_shown_so_only_after_a_while() -> None:
    from desktop.streaming.live.fanout import NOT_READING_AFTER

    sub = subscriber(maxsize=64)
    measured(sub)
    sub.offer(chunk(1))
    sub.look(now=1.0)  # (the stream looks once a second)
    assert sub.state(now=NOT_READING_AFTER - 0.1) == "playing"  # a moment's pause is nothing
    assert sub.state(now=NOT_READING_AFTER) == "not reading"


def test_the_recent_rate_of_a_measured_player_is_what_it_took() -> None:
    sub = subscriber(maxsize=64)
    conn = measured(sub)
    sub.offer(chunk(0))
    conn.player_reads_all()
    sub.look(now=1.0)
    sub.sample_rate(now=1.0)
    for second in (2.0, 3.0):
        sub.offer(chunk(1))  # the kernel accepts it; the player reads nothing more
        sub.look(now=second)
        sub.sample_rate(now=second)
        assert sub.rate_bps == 0.0
    conn.player_reads_all()
    sub.look(now=4.0)
    sub.sample_rate(now=4.0)
    assert sub.rate_bps == 2 * len(chunk(1))  # it took two chunks in that second
