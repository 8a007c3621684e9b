"""A player that stops reading is dropped the stale timeout after its last read, not after the
kernel's buffers filled (a real socket, robust whatever their sizes: its own receive buffer is set)."""

from __future__ import annotations

import asyncio
import socket

from desktop.streaming.live.stream import TICK
from tests.core.conftest import CHANNEL


async def test_a_player_that_stops_reading_is_dropped_the_stale_timeout_after_its_last_read(
    fake_engine_factory, proxy_factory
) -> None:
    """A real socket: reads a little, then stops, while another player reads on.

    The kernel's send buffer (megabytes) keeps accepting data for it for seconds at this rate;
    it is dropped the stale timeout after it stopped, however large that buffer is.
    """
    stale_timeout = 2.0
    rate = 500_000  # bytes/s: a 4 MB send buffer takes 8 s to fill at this pace
    engine = await fake_engine_factory(bytes_per_second=rate)
    proxy = await proxy_factory(engine.url, stale_timeout=stale_timeout)
    loop = asyncio.get_running_loop()
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)  # its own buffer: small and fixed
    stalled.setblocking(False)
    try:
        await loop.sock_connect(stalled, ("127.0.0.1", int(proxy.base.rsplit(":", 1)[1])))
        request = f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        await loop.sock_sendall(stalled, request.encode())
        async with proxy.http.get(proxy.url()) as reading:
            got = 0
            while got < 100_000:
                got += len(await loop.sock_recv(stalled, 65536))
            stopped = loop.time()  # from here on it reads nothing
            while not proxy.counters.stale_evictions:
                await reading.content.readany()  # the other player reads on all along
            dropped_after = loop.time() - stopped
            assert (await reading.content.readexactly(100_000))[0] == 0x47  # and still plays
    finally:
        stalled.close()
    event = await proxy.events.wait_for("dropped: took nothing for 2 s")
    assert event.level == "warning"
    # The stale timeout (its clock starts at the check's last look: up to a tick before the last
    # read), plus a tick or two; not the 8 s it would take this rate to fill a 4 MB send buffer.
    assert stale_timeout - TICK <= dropped_after < stale_timeout + 3 * TICK
