"""Where the proxy's loop runs: one switch, and calls that cross threads safely."""

from __future__ import annotations

import asyncio
import threading

import pytest
from PySide6.QtCore import Qt

from desktop.app import CorePlacement, ThreadCoreHost, make_core_host, placement_from_env
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import ProxyStartError
from tests.ports import free_port


def test_the_switch_defaults_to_a_thread_and_reads_the_environment():
    assert placement_from_env({}) is CorePlacement.THREAD
    assert placement_from_env({"ACETRAY_CORE_LOOP": "qasync"}) is CorePlacement.QASYNC
    assert placement_from_env({"ACETRAY_CORE_LOOP": " Thread "}) is CorePlacement.THREAD
    assert placement_from_env({"ACETRAY_CORE_LOOP": "nonsense"}) is CorePlacement.THREAD


def test_thread_placement_runs_the_service_on_its_own_loop(qtbot, ui_loop, engine):
    host = make_core_host(CorePlacement.THREAD, ProxyConfig(engine_url=engine.url, port=free_port()))
    assert isinstance(host, ThreadCoreHost)
    host.start()
    seen = {}

    def where(_snapshot) -> None:  # called on the emitting thread: the core's
        seen["thread"] = threading.current_thread().name
        seen["loop"] = asyncio.get_running_loop()

    host.snapshot_ready.connect(where, Qt.ConnectionType.DirectConnection)
    try:
        started = asyncio.ensure_future(host.start_proxy())
        qtbot.waitUntil(started.done, timeout=5000)
        started.result()
        with qtbot.waitSignal(host.snapshot_ready, timeout=3000) as got:
            host.request_snapshot()
        assert got.args[0].running
        assert seen["thread"] == "acetray-core"
        assert seen["loop"] is not ui_loop
    finally:
        stop = asyncio.ensure_future(host.stop_proxy())
        qtbot.waitUntil(stop.done, timeout=5000)
        host.shutdown(2)


def test_errors_come_back_to_the_caller_as_they_are(qtbot, ui_loop, engine):
    port = free_port()
    first = make_core_host(CorePlacement.THREAD, ProxyConfig(engine_url=engine.url, port=port))
    second = make_core_host(CorePlacement.THREAD, ProxyConfig(engine_url=engine.url, port=port))
    first.start()
    second.start()
    try:
        started = asyncio.ensure_future(first.start_proxy())
        qtbot.waitUntil(started.done, timeout=5000)
        clash = asyncio.ensure_future(second.start_proxy())
        qtbot.waitUntil(clash.done, timeout=5000)
        with pytest.raises(ProxyStartError, match=f"Port {port} is in use by another program"):
            clash.result()
    finally:
        for host in (first, second):
            done = asyncio.ensure_future(host.stop_proxy())
            qtbot.waitUntil(done.done, timeout=5000)
            host.shutdown(2)
