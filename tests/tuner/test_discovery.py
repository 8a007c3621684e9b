"""The discovery listener on a real UDP socket (loopback only), and how it names the address asked."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from desktop.streaming.tuner import packets
from desktop.streaming.tuner.discovery import IP_PKTINFO, DiscoveryListener, TunerFacts
from desktop.streaming.tuner.identity import TunerIdentity

IDENTITY = TunerIdentity(0x26F1891D, "CJt6wttgBusB8MJvMpEyMDj0")


class App:
    """An app's discovery socket on 127.0.0.1, read through the loop (no sleeping)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)

    async def ask(self, data: bytes, where: tuple[str, int]) -> None:
        await asyncio.get_running_loop().sock_sendto(self.sock, data, where)

    async def reply(self) -> tuple[bytes, tuple[str, int]]:
        async with asyncio.timeout(5):
            return await asyncio.get_running_loop().sock_recvfrom(self.sock, 2048)

    def nothing_more(self) -> bool:
        try:
            self.sock.recvfrom(2048)
        except BlockingIOError:
            return True
        return False


@pytest_asyncio.fixture
async def app() -> AsyncIterator[App]:
    app = App()
    yield app
    app.sock.close()


@pytest.mark.parametrize("pktinfo", [True, False], ids=["IP_PKTINFO", "route"])
async def test_an_app_asking_on_loopback_finds_the_tuner_at_the_address_it_asked(app: App, pktinfo: bool) -> None:
    if pktinfo and IP_PKTINFO is None:
        pytest.skip("this system gives no IP_PKTINFO")
    listener = DiscoveryListener(lambda: TunerFacts(IDENTITY, 6880, 16), "127.0.0.1", 0, use_pktinfo=pktinfo)
    await listener.start()
    try:
        # Requests it must not answer go first; replies come in order, so any answer to them would come first.
        await app.ask(packets.discover_request(packets.DEVICE_TYPE_TUNER, 0x12345678), listener.address)
        await app.ask(packets.build(0x0004, [(0x03, b"/sys/model\0")]), listener.address)
        await app.ask(b"\x00\x02junk", listener.address)
        await app.ask(packets.discover_request(), listener.address)
        data, source = await app.reply()
        packet = packets.parse(data)
        assert packet.tags[packets.TAG_BASE_URL] == b"http://127.0.0.1:6880"
        assert packet.u32(packets.TAG_DEVICE_ID) == IDENTITY.device_id
        assert source == listener.address  # from the address asked, where apps that read the source look
        assert app.nothing_more()
    finally:
        listener.close()


async def test_a_taken_port_is_an_os_error_at_start_and_leaves_the_holder_alone(app: App) -> None:
    holder = app.sock.getsockname()
    listener = DiscoveryListener(lambda: TunerFacts(IDENTITY, 6880, 16), *holder)
    with pytest.raises(OSError):
        await listener.start()
    listener.close()  # idempotent after a failed start


class _Socket:
    """A socket that hands over one broadcast request with its IP_PKTINFO, as Linux does."""

    def __init__(self, data: bytes, local: str, destination: str, asker: tuple[str, int]) -> None:
        info = struct.pack("=I4s4s", 3, socket.inet_aton(local), socket.inet_aton(destination))
        self._queue = [(data, [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0, asker)]
        self.sent: list[tuple[bytes, list[tuple[int, int, bytes]], tuple[str, int]]] = []

    def recvmsg(self, size: int, ancillary_size: int):  # type: ignore[no-untyped-def]
        if not self._queue:
            raise BlockingIOError
        return self._queue.pop()

    def sendmsg(self, buffers, ancillary, flags, address):  # type: ignore[no-untyped-def]
        self.sent.append((b"".join(buffers), ancillary, address))


@pytest.mark.skipif(IP_PKTINFO is None, reason="this system gives no IP_PKTINFO")
def test_a_broadcast_request_is_answered_with_the_address_of_the_interface_it_came_in_on() -> None:
    listener = DiscoveryListener(lambda: TunerFacts(IDENTITY, 6880, 16), "0.0.0.0", 0)
    fake = _Socket(packets.discover_request(), "192.168.1.7", "192.168.1.255", ("192.168.1.50", 40000))
    listener._sock = fake  # type: ignore[assignment]
    listener._readable()
    ((reply, ancillary, address),) = fake.sent
    assert address == ("192.168.1.50", 40000)
    assert packets.parse(reply).tags[packets.TAG_BASE_URL] == b"http://192.168.1.7:6880"
    ((_level, _kind, source),) = ancillary
    assert socket.inet_ntoa(struct.unpack("=I4s4s", source)[1]) == "192.168.1.7"  # and sent from it
