"""UDP discovery on port 65001: how Plex, Emby, Channels DVR and Kodi find a tuner by themselves.

An app sends a discover request (to the network's broadcast address, or to
one address); AceTray answers with its id, tuner count, base URL and lineup
URL. The base URL names this computer the way the asker reached it: the
address the request came in on, read from the packet's IP_PKTINFO where the
system gives it (Linux), else the address this computer would use to reach
the asker. The reply is sent from that address too (some apps take the
tuner's address from the reply's source rather than its contents).

Read-only and bounded: only discover requests for a tuner (or any device)
and for this id (or any) are answered, and only to askers on this computer or
the home network; every other packet, malformed or not, is dropped; at most
`replies_per_second` replies go out, so the port cannot be used to flood anyone.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from desktop.streaming.logs import RateLimitedLog
from desktop.streaming.tuner.identity import TunerIdentity
from desktop.streaming.tuner.packets import DISCOVER_PORT, MAX_PACKET, DiscoverReply, MalformedPacket, parse, wants

log = logging.getLogger(__name__)

# Python 3.11 has no socket.IP_PKTINFO; Linux's value is 8 (netinet/in.h).
IP_PKTINFO: int | None = getattr(socket, "IP_PKTINFO", 8 if sys.platform.startswith("linux") else None)
_PKTINFO = struct.Struct("=I4s4s")  # struct in_pktinfo: interface index, local address, header destination
READS_PER_WAKEUP = 64  # a burst is read in one go, then the loop serves others


@dataclass(frozen=True)
class TunerFacts:
    """What a reply says besides the address: read per request, so a new port or count applies at once."""

    identity: TunerIdentity
    http_port: int
    tuner_count: int


class DiscoveryListener:
    """One UDP socket on (host, port), answering discover requests until closed."""

    def __init__(
        self,
        facts: Callable[[], TunerFacts],
        host: str,
        port: int = DISCOVER_PORT,
        *,
        use_pktinfo: bool = True,
        replies_per_second: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._facts = facts
        self._host = "0.0.0.0" if host in ("", "::") else host  # discovery is IPv4 only
        self._port = port
        self._use_pktinfo = use_pktinfo and IP_PKTINFO is not None and hasattr(socket.socket, "recvmsg")
        self._budget = replies_per_second
        self._clock = clock
        self._second = 0.0
        self._sent_this_second = 0
        self._sock: socket.socket | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._reader_loop: asyncio.AbstractEventLoop | None = None
        self._quiet = RateLimitedLog(log)

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the port a test asked as 0 for is the one bound)."""
        if self._sock is None:
            return self._host, self._port
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    async def start(self) -> None:
        """Bind and listen; OSError (e.g. the port is taken) when it cannot."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # No SO_REUSEADDR: a port another program holds must fail here, not share its packets.
            sock.setblocking(False)
            sock.bind((self._host, self._port))
            loop = asyncio.get_running_loop()
            if self._use_pktinfo:
                assert IP_PKTINFO is not None
                sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
                try:
                    loop.add_reader(sock.fileno(), self._readable)
                    self._reader_loop = loop
                except NotImplementedError:  # a proactor loop (Windows): no readers
                    self._use_pktinfo = False
            if not self._use_pktinfo:
                self._transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)
        except BaseException:
            sock.close()
            raise
        self._sock = sock

    def close(self) -> None:
        if self._reader_loop is not None and self._sock is not None:
            self._reader_loop.remove_reader(self._sock.fileno())
            self._reader_loop = None
        if self._transport is not None:
            self._transport.close()  # closes the socket too
            self._transport = None
        elif self._sock is not None:
            self._sock.close()
        self._sock = None

    # -- answering ------------------------------------------------------------------------
    def reply_for(self, data: bytes, asker: tuple[str, int], local_ip: str) -> bytes | None:
        """The reply to `data` from `asker`, received on `local_ip`; None for anything not answered."""
        try:
            packet = parse(data)
        except MalformedPacket as exc:
            self._quiet.log(logging.DEBUG, "malformed", "ignored a malformed packet from %s: %s", asker[0], exc)
            return None
        facts = self._facts()
        if not wants(packet, facts.identity.device_id) or not _may_ask(asker[0]) or not self._within_budget():
            return None
        base_url = f"http://{local_ip}:{facts.http_port}"  # at most 28 characters: libhdhomerun keeps no more
        return DiscoverReply(
            facts.identity.device_id, facts.tuner_count, base_url, f"{base_url}/lineup.json", facts.identity.device_auth
        ).encode()

    def _within_budget(self) -> bool:
        now = self._clock()
        if now - self._second >= 1.0:
            self._second, self._sent_this_second = now, 0
        if self._sent_this_second >= self._budget:
            self._quiet.warning("budget", "more than %d discover requests a second; some go unanswered", self._budget)
            return False
        self._sent_this_second += 1
        return True

    def _readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        for _ in range(READS_PER_WAKEUP):
            try:
                data, ancillary, _flags, asker = sock.recvmsg(MAX_PACKET + 1, socket.CMSG_SPACE(_PKTINFO.size))
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. an ICMP error for an earlier reply
                self._quiet.log(logging.DEBUG, "read", "discovery socket: %s", exc)
                return
            local = _local_address(ancillary) or route_source(asker[0])
            reply = self.reply_for(data, asker, local)
            if reply is not None:
                self._send(sock, reply, asker, local)

    def _send(self, sock: socket.socket, reply: bytes, asker: tuple[str, int], local: str) -> None:
        assert IP_PKTINFO is not None
        source = _PKTINFO.pack(0, socket.inet_aton(local), bytes(4))
        try:
            sock.sendmsg([reply], [(socket.IPPROTO_IP, IP_PKTINFO, source)], 0, asker)
        except (BlockingIOError, InterruptedError):
            pass  # the socket's buffer is full: the app asks again
        except OSError as exc:
            self._quiet.log(logging.DEBUG, "send", "could not answer %s: %s", asker[0], exc)


class _Protocol(asyncio.DatagramProtocol):
    """Where the system gives no IP_PKTINFO: the reply names the address that reaches the asker."""

    def __init__(self, listener: DiscoveryListener) -> None:
        self._listener = listener
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)  # asyncio's own is no DatagramTransport subclass

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        asker = (str(addr[0]), int(addr[1]))
        reply = self._listener.reply_for(data, asker, route_source(asker[0]))
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, asker)

    def error_received(self, exc: Exception) -> None:
        log.debug("discovery socket: %s", exc)


def _local_address(ancillary: list[tuple[int, int, bytes]]) -> str | None:
    """The address the packet came in on (in_pktinfo's ipi_spec_dst), when the system said."""
    for level, kind, data in ancillary:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(data) >= _PKTINFO.size:
            _index, local, _destination = _PKTINFO.unpack_from(data)
            address = socket.inet_ntoa(local)
            return address if address != "0.0.0.0" else None
    return None


def route_source(asker: str) -> str:
    """This computer's address toward `asker` (a UDP connect sends nothing; the kernel picks the route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((asker, DISCOVER_PORT))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _may_ask(address: str) -> bool:
    """This computer or the home network (private, link-local, CGNAT ranges): never the internet."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_global or ip.is_multicast or ip.is_unspecified or ip.is_reserved)
