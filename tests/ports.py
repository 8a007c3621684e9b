"""Free TCP ports for tests that hand a port to a program which binds it later.

`bind(("127.0.0.1", 0))`, read the port, close, and let the app bind it: between the close and
the app's bind, the kernel may give the same port to any outgoing connection on the machine
(ephemeral ports come from the same range), and another test run may pick it too. Under load
that window is long enough to lose ("Port N is in use by another program"). So a port here

- lies below the kernel's ephemeral range: no outgoing connection is ever given it;
- is leased to this test process in a folder every AceTray test run shares (a file per port,
  naming the process; a lease dies with its process), so two runs side by side, or one test
  that stops and restarts its proxy, never see it taken;
- is bindable right now on every interface (nothing listens, nothing lingers in TIME_WAIT).

Tests that start the server in-process bind port 0 and read the port back instead (core tests).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil

# Below Linux's default ephemeral range (32768-60999) and above most services' fixed ports.
LOWEST = 20000
DEFAULT_EPHEMERAL_START = 32768
LEASES = Path(tempfile.gettempdir()) / "acetray-test-ports"


def ephemeral_start() -> int:
    """Where the kernel starts handing out ports to outgoing connections (Linux; a default elsewhere)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_START


def bindable(port: int) -> bool:
    """Whether a server could listen on `port` on every IPv4 interface now (no SO_REUSEADDR: a
    port with connections in TIME_WAIT counts as taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _leases_locked() -> Iterator[None]:
    """One process at a time looks at and takes leases (POSIX; elsewhere the bind check alone)."""
    LEASES.mkdir(exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(LEASES / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _leased(port: int) -> bool:
    """Whether a live process holds the port's lease (this one included: a port is handed out once)."""
    try:
        holder = int((LEASES / str(port)).read_text() or "0")
    except (OSError, ValueError):
        return False
    return holder > 0 and psutil.pid_exists(holder)


def free_port() -> int:
    """A TCP port nothing listens on, outside the ephemeral range, leased to this process for its life."""
    start = ephemeral_start()
    if start <= LOWEST:  # an unusual kernel setting: no range is safe from outgoing connections
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    candidates = random.sample(range(LOWEST, start), k=min(200, start - LOWEST))
    with _leases_locked():
        for port in candidates:
            if not _leased(port) and bindable(port):
                lease = LEASES / str(port)
                lease.write_text(str(os.getpid()))
                atexit.register(lease.unlink, missing_ok=True)  # the folder keeps live leases, not a run's history
                return port
    raise RuntimeError(f"no free port between {LOWEST} and {start}")
