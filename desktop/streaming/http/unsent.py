"""How much of what the proxy wrote to a player's connection the player has not taken yet.

The kernel's send buffer grows to megabytes (4 MB on Linux loopback) and
takes data whether or not the player reads, so "the write succeeded" says
nothing of the player: a player that never reads looked busy for a minute
or more (issue 18). What the player has taken is what its kernel
acknowledged: everything written except what still sits in the transport's
buffer and in the socket's send queue (SIOCOUTQ: written, not yet
acknowledged). A player's own kernel buffer is small while it does not read
(the receive window only grows as an application reads), so the count stops
soon after the player does.

Linux only: other systems have no such query for TCP sockets that Python can
make (macOS's SO_NWRITE is not exposed, Windows has none), and there an
accepted write still counts as a take (`None` here).
"""

from __future__ import annotations

import array
import asyncio
import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)


def unsent_bytes(transport: asyncio.Transport) -> Callable[[], int | None] | None:
    """A function giving the bytes written to `transport` that its peer has not taken (None once it
    is closing), or None where this system cannot tell."""
    if sys.platform != "linux":
        return None
    import fcntl  # POSIX only: imported where it is used
    import termios

    sock = transport.get_extra_info("socket")
    if sock is None:
        return None
    answer = array.array("i", [0])  # one int filled in by the kernel, reused on every call

    def kernel_queue() -> int | None:
        fd = sock.fileno()
        if fd < 0:
            return None
        try:
            fcntl.ioctl(fd, termios.TIOCOUTQ, answer, True)  # SIOCOUTQ on a socket
        except OSError:
            return None
        return answer[0]

    if kernel_queue() is None:
        log.debug("this socket does not report its send queue: writes count as takes")
        return None

    def unsent() -> int | None:
        if transport.is_closing():
            return None  # its descriptor may already belong to another connection
        queued = kernel_queue()
        return None if queued is None else transport.get_write_buffer_size() + queued

    return unsent
