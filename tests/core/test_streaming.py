"""Players through the proxy, against the fake engine: sharing, joining, slow players, faults."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, wait_until
from tests.fake_clock import FakeClock
from tests.fake_engine import assert_continuous, parse_sequence

PAT_EVERY = 64  # the synthetic source's join points (PAT + PMT + keyframe)


async def test_twenty_simultaneous_players_share_one_engine_session(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    # The engine holds the start until all twenty are in: simultaneous however slow the machine.
    fake_engine.set_faults(start_delay=60)
    players = asyncio.gather(*(proxy.read(proxy.url(), 200 * PACKET_SIZE) for _ in range(20)))
    try:
        stream = await _wait_for_stream(proxy)
        await wait_until(lambda: stream.player_count == 20)
    finally:
        fake_engine.set_faults(start_delay=0)
    reads = await players
    assert fake_engine.counters.sessions_started == 1
    assert fake_engine.counters.getstream_requests == 1
    sequences = [parse_sequence(data) for data in reads]
    for seqs in sequences:
        assert_continuous(seqs)
        assert seqs[0] % PAT_EVERY == 0  # every player starts where a decoder can
    # Identical bytes from each one's join point: wherever two players overlap, they agree.
    first = reads[0]
    for data in reads[1:]:
        start = first.find(data[:PACKET_SIZE])
        assert start % PACKET_SIZE == 0
        overlap = min(len(first) - start, len(data))
        assert first[start : start + overlap] == data[:overlap]


async def test_late_joiner_starts_at_once_at_a_join_point_from_the_backlog(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(proxy.url()) as first_player:
        await first_player.content.readexactly(300 * PACKET_SIZE)  # the channel is running
        # The engine goes quiet: the joiner's first bytes can only come from what the proxy holds,
        # not from waiting for the engine's next join point (bounded, so a regression fails fast).
        fake_engine.set_faults(never_send=True)
        async with proxy.http.get(proxy.url()) as joiner:
            data = await asyncio.wait_for(joiner.content.readexactly(PACKET_SIZE), 5)
            fake_engine.set_faults(never_send=False)
            data += await joiner.content.readexactly(99 * PACKET_SIZE)
    seqs = parse_sequence(data)
    assert seqs[0] % PAT_EVERY == 0, "the joiner should start at the last PAT of the backlog"
    assert_continuous(seqs)
    assert fake_engine.counters.sessions_started == 1


async def test_slow_player_is_dropped_and_never_slows_the_others(fake_engine_factory, proxy_factory) -> None:
    engine = await fake_engine_factory(bytes_per_second=4_000_000)
    proxy = await proxy_factory(engine.url, queue_size=4, stale_timeout=1.0)
    # The slow player: asks for the stream, then never reads (tiny receive buffer).
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(slow, (proxy.service.config.host, int(proxy.base.rsplit(":", 1)[1])))
    await loop.sock_sendall(slow, f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    try:
        async with proxy.http.get(proxy.url()) as fast:
            received = bytearray()
            dropped = asyncio.ensure_future(proxy.events.wait_for("took nothing", timeout=20))
            while not dropped.done():
                received += await fast.content.read(64 * 1024)
            event = dropped.result()
            assert "dropped" in event.message
            received += await fast.content.readexactly(PACKET_SIZE * 500)  # and it keeps flowing
            (stream,) = proxy.service.snapshot().streams
            (left,) = stream.clients  # the slow player is gone from the window's list
            assert left.state == "playing" and left.dropped_chunks == 0
        assert_continuous(parse_sequence(bytes(received), allow_partial_tail=True))
        assert proxy.counters.stale_evictions == 1

        async def until_closed() -> None:
            try:
                while await loop.sock_recv(slow, 1 << 20):
                    pass
            except ConnectionResetError:
                pass  # aborted: the kernel may drop what was still buffered

        await asyncio.wait_for(until_closed(), 5)  # the slow player's connection was closed
    finally:
        slow.close()


async def test_engine_eof_mid_stream_keeps_players_connected(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    fake_engine.set_faults(eof_after_bytes=150_000)  # every playback connection ends after 150 kB
    data = await proxy.read(proxy.url(), 600_000 // PACKET_SIZE * PACKET_SIZE)
    seqs = parse_sequence(data)
    assert len(seqs) * PACKET_SIZE >= 600_000 - PACKET_SIZE
    assert fake_engine.counters.playback_opens >= 4  # it reopened, the player never noticed
    assert fake_engine.counters.sessions_started == 1  # same session, resumed
    await proxy.events.wait_for("Reconnecting")


async def test_short_stall_is_ridden_out_without_reconnecting(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, empty_timeout=3.0)
    fake_engine.set_faults(stall_after_bytes=50_000, stall_seconds=1.0)
    data = await proxy.read(proxy.url(), 1000 * PACKET_SIZE)  # 188 kB: across the stall
    assert_continuous(parse_sequence(data))
    assert not any("Reconnecting" in m for m in proxy.events.messages())


async def test_long_stall_reconnects_to_a_new_session_and_resumes(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, empty_timeout=0.5)
    fake_engine.set_faults(stall_after_bytes=100_000, stall_seconds=60.0)
    data = await proxy.read(proxy.url(), 800 * PACKET_SIZE)  # 150 kB: needs data after the stall
    parse_sequence(data)  # framing intact across the reconnect
    await proxy.events.wait_for("Reconnecting: no data for 0.5 s.")
    await proxy.events.wait_for("Stream resumed")
    assert fake_engine.counters.sessions_started == 2  # reopening the stalled one gave nothing


async def test_vanished_session_gets_a_new_one(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    fake_engine.set_faults(vanish_after_bytes=100_000)
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(100_000 // PACKET_SIZE * PACKET_SIZE)
        fake_engine.set_faults(vanish_after_bytes=None)
        await player.content.readexactly(300_000)
    assert fake_engine.counters.sessions_vanished == 1
    assert fake_engine.counters.sessions_started == 2


async def test_wrong_host_in_engine_urls_is_rewritten(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(wrong_host="172.17.0.2")
    proxy = await proxy_factory(fake_engine.url)
    data = await proxy.read(proxy.url(), 100 * PACKET_SIZE)
    assert_continuous(parse_sequence(data))


async def test_minimal_engine_answer_still_plays(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(minimal_envelope=True)  # no stat_url or command_url
    proxy = await proxy_factory(fake_engine.url)
    assert_continuous(parse_sequence(await proxy.read(proxy.url(), 100 * PACKET_SIZE)))


async def test_linger_then_stop(fake_engine, proxy_factory) -> None:
    # The linger runs on the core's clock: ten minutes of it pass as the test says, and zapping back
    # lands inside it however slow the machine.
    clock = FakeClock()
    proxy = await proxy_factory(fake_engine.url, linger=600.0, clock=clock)
    await proxy.read(proxy.url(), 10 * PACKET_SIZE)
    stream = proxy.registry.find(CHANNEL)
    await wait_until(lambda: stream.state == "lingering")
    clock.advance(599)
    # Zapping back within the linger time reuses the running session.
    await proxy.read(proxy.url(), 10 * PACKET_SIZE)
    assert fake_engine.counters.sessions_started == 1 and proxy.registry.find(CHANNEL) is stream
    await wait_until(lambda: stream.state == "lingering")  # the second player gone: the linger starts again
    clock.advance(599)
    await clock.settled()
    assert not stream.closed and fake_engine.counters.stop_calls == 0
    clock.advance(1)
    await proxy.events.wait_for("no players for the linger time")
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1, timeout=5)
    assert len(proxy.registry) == 0
    assert fake_engine.counters.stop_calls == 1


async def test_player_pid_is_ignored_and_audio_language_forwarded(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.read(proxy.url(pid="tv-in-the-kitchen", preferred_audio_language="eng"), PACKET_SIZE)
    (request,) = [r for r in fake_engine.requests if r.path == "/ace/getstream"]
    assert request.params["pid"] != "tv-in-the-kitchen"
    assert len(request.params["pid"]) >= 16  # the proxy's own per-session pid
    assert request.params["preferred_audio_language"] == "eng"
    assert request.params["format"] == "json"


async def test_head_answers_without_starting_a_session(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.head(proxy.url()) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "video/mp2t"
    assert fake_engine.counters.getstream_requests == 0
    assert len(proxy.registry) == 0


async def test_two_channels_are_independent_sessions(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await asyncio.gather(
        proxy.read(proxy.url(CHANNEL), 50 * PACKET_SIZE), proxy.read(proxy.url(OTHER_CHANNEL), 50 * PACKET_SIZE)
    )
    assert fake_engine.counters.sessions_started == 2


async def test_stats_are_polled_into_the_snapshot(fake_engine, proxy_factory) -> None:
    from desktop.streaming.live.stream import STAT_INTERVAL

    clock = FakeClock()  # the poll comes when the test moves the core's clock on
    proxy = await proxy_factory(fake_engine.url, clock=clock)
    async with proxy.http.get(proxy.url(), headers={"User-Agent": "VLC/3.0.18 LibVLC/3.0.18"}) as player:
        await player.content.readexactly(10 * PACKET_SIZE)

        def has_stats() -> bool:
            streams = proxy.service.snapshot().streams
            return bool(streams) and streams[0].engine_status is not None

        await clock.asleep(STAT_INTERVAL)
        assert not has_stats()  # not before the poll interval
        clock.advance(STAT_INTERVAL)
        await wait_until(has_stats)
        (stream,) = proxy.service.snapshot().streams
        assert stream.engine_status == "dl"
        assert stream.peers is not None and stream.speed_down_kbps is not None
        (client,) = stream.clients
        assert client.user_agent.startswith("VLC/3.0.18")
        assert client.address.startswith("127.0.0.1:")
        assert client.bytes_sent >= 10 * PACKET_SIZE


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Missing content id"),
        ("?id=xyz", "Invalid id"),
        ("?id=0123456789abcdef0123456789abcdef0123456", "Invalid id"),  # 39 characters
        (f"?id={CHANNEL}&infohash={CHANNEL}", "exactly one"),
        ("?url=http://evil.example/x.torrent", "Missing content id"),
    ],
)
async def test_bad_requests_get_400_with_a_reason(fake_engine, proxy_factory, query, message) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(f"{proxy.base}/ace/getstream{query}") as resp:
        assert resp.status == 400
        assert message in await resp.text()
    assert fake_engine.counters.getstream_requests == 0


async def test_unknown_path_404_and_wrong_method_405(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(f"{proxy.base}/nope") as resp:
        assert resp.status == 404
    async with proxy.http.post(proxy.url()) as resp:
        assert resp.status == 405


async def test_status_endpoints_answer_while_streaming(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(proxy.url()) as p1, proxy.http.get(proxy.url()) as p2:
        await p1.content.readexactly(PACKET_SIZE)
        await p2.content.readexactly(PACKET_SIZE)
        async with proxy.http.get(f"{proxy.base}/ace/status") as resp:
            assert await resp.json() == {"streams": 1}
        async with proxy.http.get(f"{proxy.base}/ace/status?id={CHANNEL}") as resp:
            assert (await resp.json())["clients"] == 2
        async with proxy.http.get(f"{proxy.base}/api/streams") as resp:
            body = await resp.json()
            (stream,) = body["streams"]
            assert stream["content_id"] == CHANNEL and len(stream["clients"]) == 2
            assert stream["state"] == "playing" and stream["bytes_in"] > 0
        await wait_until(lambda: proxy.service.snapshot().engine_reachable is not None)
        async with proxy.http.get(f"{proxy.base}/api/health") as resp:
            health = await resp.json()
            assert health["proxy"] == "up" and health["engine_reachable"] is True
            assert health["engine_version"] == "3.1.70"


async def test_stop_ends_players_and_stops_engine_sessions(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, linger=30)
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(PACKET_SIZE)
        await proxy.service.stop()
        with pytest.raises((aiohttp.ClientPayloadError, aiohttp.ClientConnectionError, asyncio.IncompleteReadError)):
            while True:
                if not await player.content.read(65536):
                    raise asyncio.IncompleteReadError(b"", None)
    assert fake_engine.counters.sessions_stopped == 1
    assert not proxy.service.running


async def test_waiting_for_backed_up_players_is_not_mistaken_for_engine_silence(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await fake_engine_factory(bytes_per_second=4_000_000)
    proxy = await proxy_factory(engine.url, queue_size=4, stale_timeout=30.0, empty_timeout=0.5)
    loop = asyncio.get_running_loop()
    # The only player pauses (tiny receive buffer, not reading): the reader waits for it.
    paused = socket.socket()
    paused.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    paused.setblocking(False)
    try:
        await loop.sock_connect(paused, ("127.0.0.1", int(proxy.base.rsplit(":", 1)[1])))
        await loop.sock_sendall(paused, f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        stream = await _wait_for_stream(proxy)
        async with asyncio.timeout(30):  # bounds how long the kernel may take to fill (see _reader_rested)
            # Three empty timeouts of deliberate not-reading at a stretch: the reader really waited...
            while not await _reader_rested(stream, 1.5):
                assert not any("Reconnecting" in m for m in proxy.events.messages())
        assert not any("Reconnecting" in m for m in proxy.events.messages())  # ...and did not call it silence
        received = 0
        while received < 2_000_000:  # the player resumes: so does the stream
            received += len(await loop.sock_recv(paused, 1 << 16))
        assert not any("Reconnecting" in m for m in proxy.events.messages())
    finally:
        paused.close()


async def _wait_for_stream(proxy):  # type: ignore[no-untyped-def]
    await wait_until(lambda: len(proxy.registry) == 1)
    return proxy.registry.find(CHANNEL)


async def _reader_rested(stream, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    """Wait for the reader to park for its players; True if it stayed parked, reading nothing, `seconds`.

    The first parks can be short: the kernel's send buffer for a paused
    player (autotuned up to tcp_wmem's maximum) takes in more data in steps,
    each step lets the player's writer take again, and the reader reads on.
    The reader only parks right after publishing, so "parked at both ends and
    bytes_in unchanged" means it never woke to read in between.
    """
    await stream.until_waiting_for_players()
    before = stream.bytes_in
    await asyncio.sleep(seconds)
    return stream.waiting_for_players and stream.bytes_in == before


async def test_last_error_is_cleared_once_the_stream_resumes(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    fake_engine.set_faults(eof_after_bytes=150_000)  # the first connection ends: a reconnect
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(100_000)
        await proxy.events.wait_for("Reconnecting")
        fake_engine.set_faults(eof_after_bytes=None)
        await proxy.events.wait_for("Stream resumed")
        await player.content.readexactly(100_000)
        (stream,) = proxy.service.snapshot().streams
        assert stream.state == "playing"
        assert stream.reconnects >= 1
        assert stream.last_error is None
