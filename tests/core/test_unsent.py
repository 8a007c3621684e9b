"""What a player's connection says it took: written bytes minus those its peer has not acknowledged."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from desktop.streaming.http.unsent import unsent_bytes
from tests.core.conftest import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SIOCOUTQ is Linux's")

PEER_BUFFER = 64 * 1024  # the peer's receive buffer, set (the kernel doubles it) rather than left to tuning
WRITTEN = 4 * 1024 * 1024
PIECE = 1024 * 1024


@pytest_asyncio.fixture
async def connection() -> AsyncIterator[tuple[asyncio.Transport, socket.socket]]:
    """A server-side transport (the proxy's end) and its peer, a plain socket that reads only when told."""
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[asyncio.Transport] = loop.create_future()

    class Side(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            accepted.set_result(transport)

    server = await loop.create_server(Side, "127.0.0.1", 0)
    peer = socket.socket()
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PEER_BUFFER)
    peer.setblocking(False)
    await loop.sock_connect(peer, server.sockets[0].getsockname())
    transport = await accepted
    yield transport, peer
    transport.abort()
    peer.close()
    server.close()
    await server.wait_closed()


async def test_a_peer_that_never_reads_takes_only_its_own_small_buffer(connection) -> None:
    transport, _peer = connection
    unsent = unsent_bytes(transport)
    assert unsent is not None
    written = 0
    while not transport.get_write_buffer_size():  # until the kernel refuses more, whatever its buffer's size
        transport.write(b"x" * PIECE)
        written += PIECE
        assert written < 1024 * PIECE, "the kernel took a gigabyte for a peer that reads nothing"
    await wait_until(lambda: written - (unsent() or written) > 0)  # its acknowledgements came
    assert written - (unsent() or 0) <= 4 * PEER_BUFFER  # taken: only the peer's own small buffer


async def test_what_the_peer_reads_shows_as_taken(connection) -> None:
    transport, peer = connection
    unsent = unsent_bytes(transport)
    assert unsent is not None
    transport.write(b"x" * WRITTEN)
    loop = asyncio.get_running_loop()
    read = 0
    while read < WRITTEN:
        read += len(await loop.sock_recv(peer, 65536))
    await wait_until(lambda: unsent() == 0)


async def test_a_closing_connection_is_not_asked(connection) -> None:
    transport, _peer = connection
    unsent = unsent_bytes(transport)
    assert unsent is not None
    transport.close()
    assert unsent() is None
