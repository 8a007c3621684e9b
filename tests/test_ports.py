"""The tests' free ports (tests/ports.py): none an outgoing connection or another test run could take
between the moment a test picks it and the moment its program binds it."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests import ports
from tests.ports import ephemeral_start, free_port

LEASE_AND_WAIT = "import sys; from tests.ports import free_port; print(free_port(), flush=True); sys.stdin.read()"


@pytest.fixture
def other_test_run():
    """Another test process that has leased a port and not bound it (yet): stopped at teardown."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LEASE_AND_WAIT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert proc.stdout is not None and proc.stdin is not None
    port = int(proc.stdout.readline())
    yield proc, port
    proc.stdin.close()
    proc.wait(10)


def candidates_first(monkeypatch: pytest.MonkeyPatch, *first: int) -> None:
    """Make the random pick try these ports first, in this order."""
    real_sample = random.sample
    monkeypatch.setattr(ports.random, "sample", lambda population, k: [*first, *real_sample(population, k)])


def test_a_port_is_never_one_the_kernel_gives_to_outgoing_connections() -> None:
    picked = {free_port() for _ in range(20)}
    assert len(picked) == 20  # and never the same one twice to one process
    assert all(ports.LOWEST <= port < ephemeral_start() for port in picked)


def test_a_port_leased_by_another_live_test_run_is_not_handed_out_though_nothing_listens_on_it(
    other_test_run, monkeypatch
) -> None:
    _proc, theirs = other_test_run
    assert ports.bindable(theirs)  # not bound yet: the window the lease protects
    candidates_first(monkeypatch, theirs)
    assert free_port() != theirs


def test_a_lease_ends_with_the_process_that_held_it(other_test_run, monkeypatch) -> None:
    proc, theirs = other_test_run
    proc.stdin.close()
    proc.wait(10)
    candidates_first(monkeypatch, theirs)
    assert free_port() == theirs


def test_a_port_something_listens_on_is_skipped(monkeypatch) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        busy = server.getsockname()[1]
        candidates_first(monkeypatch, busy)
        assert free_port() != busy
