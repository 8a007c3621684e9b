"""The engine AceTray runs itself, with the demo engine as the stand-in engine program.

Real processes throughout: the service starts the engine, a player plays through
it, the engine is killed as a person would kill it, the supervisor restarts it and
the player keeps receiving; stopping the service ends the engine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from desktop.streaming.config import (
    ENGINE_EXTERNAL,
    ENGINE_PROGRAM,
    START_ON_PLAY,
    ProxyConfig,
)
from desktop.streaming.demo.engine import DemoEngine, load_demo_clip
from desktop.streaming.engine_host import EngineState
from desktop.streaming.ids import ChannelKey
from desktop.streaming.service import ProxyService, ProxyStartError
from desktop.streaming.warm import keeper as keeper_module
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, EventLog, wait_until
from tests.engine_host.conftest import pid_alive, wait_pid_gone
from tests.owned_engine import (
    FAST_POLICY,
    demo_engine_command,
    engine_process,
)
from tests.ports import free_port

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the guard and signals are POSIX here")


@dataclasses.dataclass
class Owned:
    service: ProxyService
    events: EventLog

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        snapshot = self.service.snapshot().engine_host
        assert snapshot is not None
        return snapshot

    def url(self, content_id: str = CHANNEL) -> str:
        return f"{self.service.listen_url}/ace/getstream?id={content_id}"


@pytest_asyncio.fixture
async def owned_service(tmp_path: Path) -> AsyncIterator[Callable[..., asyncio.Future[Owned]]]:
    made: list[ProxyService] = []

    async def make(**fields: object) -> Owned:
        values: dict[str, object] = {
            "engine_url": f"http://127.0.0.1:{free_port()}",
            "port": 0,
            "linger": 0.5,
            "engine_mode": ENGINE_PROGRAM,
            "engine_program": demo_engine_command(),
            "engine_log": str(tmp_path / "logs" / "engine.log"),
            **fields,
        }
        events = EventLog()
        service = ProxyService(ProxyConfig(**values), on_event=events, engine_policy=FAST_POLICY)  # type: ignore[arg-type]
        made.append(service)
        await service.start()
        return Owned(service, events)

    yield make  # type: ignore[misc]
    for service in made:
        await service.stop()


class Player:
    """Reads a stream in the background, counting what arrives."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.received = 0
        self.status: int | None = None
        self._task = asyncio.ensure_future(self._read(http, url))

    async def _read(self, http: aiohttp.ClientSession, url: str) -> None:
        async with http.get(url) as response:
            self.status = response.status
            async for chunk in response.content.iter_any():
                self.received += len(chunk)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def test_an_owned_engine_plays_is_restarted_after_a_kill_and_dies_with_the_service(owned_service) -> None:
    owned = await owned_service()
    await owned.events.wait_for("is running on port", timeout=30)
    assert (owned.engine.state, owned.engine.owned) == (EngineState.RUNNING, True)
    engine = engine_process(owned.engine.pid)

    async with aiohttp.ClientSession() as http:
        player = Player(http, owned.url())
        await wait_until(lambda: player.received > 188 * 1000, timeout=20)
        assert player.status == 200

        engine.send_signal(signal.SIGKILL)  # as a person would, from a task manager
        await owned.events.wait_for("stopped unexpectedly (killed by SIGKILL", timeout=10)
        await owned.events.wait_for("is running on port", timeout=30, count=2)
        assert owned.engine.state is EngineState.RUNNING and owned.engine.restarts == 1
        assert owned.events.messages().count(f"AceStream engine 3.1.70 is running on port {owned.engine.port}.") == 2

        # The player stays connected and receives the restarted engine's stream.
        before = player.received
        await wait_until(lambda: player.received > before + 188 * 2000, timeout=30)
        (stream,) = owned.service.snapshot().streams
        assert stream.reconnects >= 1 and len(stream.clients) == 1
        replacement = engine_process(owned.engine.pid)
        assert replacement.pid != engine.pid
        await player.stop()

    await owned.service.stop()
    assert await wait_pid_gone(replacement.pid, timeout=10)
    assert owned.service.snapshot().engine_host.state is EngineState.STOPPED  # type: ignore[union-attr]
    assert (Path(owned.service.config.engine_log)).read_text().count(" starting: ") == 2  # its output, both runs


async def test_on_the_first_play_the_engine_starts_and_the_player_waits_for_it(owned_service) -> None:
    owned = await owned_service(engine_start=START_ON_PLAY)
    assert owned.engine.state is EngineState.STOPPED  # nothing runs until someone plays
    async with aiohttp.ClientSession() as http, http.get(owned.url()) as response:
        assert response.status == 200
        data = await asyncio.wait_for(response.content.readexactly(188 * 10), 30)
    assert data[0] == 0x47
    assert owned.engine.state is EngineState.RUNNING


async def test_favourites_kept_ready_wait_for_the_first_play_and_for_start_engine(owned_service, monkeypatch) -> None:
    monkeypatch.setattr(keeper_module, "TICK", 0.05)  # it looks often
    owned = await owned_service(engine_start=START_ON_PLAY, warm=1)
    await owned.service.channels.set_favourite(ChannelKey("id", OTHER_CHANNEL), True)
    owned.service.keeper.reconcile()
    assert owned.engine.state is EngineState.STOPPED and len(owned.service.registry) == 0  # still waits for a play
    async with aiohttp.ClientSession() as http:
        async with http.get(owned.url()) as response:  # the first play
            await asyncio.wait_for(response.content.readexactly(188), 30)
        await wait_until(lambda: (s := owned.service.registry.find(OTHER_CHANNEL)) is not None and s.state == "ready")
        await owned.service.stop_engine()  # its channels end, the favourite among them
        await wait_until(lambda: owned.service.registry.find(OTHER_CHANNEL) is None)
        owned.service.keeper.reconcile()
        assert owned.service.registry.find(OTHER_CHANNEL) is None  # it never starts the engine again itself


async def test_an_engine_already_running_on_the_port_is_used_and_never_stopped(owned_service) -> None:
    port = free_port()
    theirs = DemoEngine(load_demo_clip(), port=port)
    await theirs.start()
    try:
        owned = await owned_service(engine_url=f"http://127.0.0.1:{port}")
        await owned.events.wait_for("already running", timeout=10)
        assert (owned.engine.state, owned.engine.owned) == (EngineState.EXTERNAL, False)
        await owned.service.stop()
        async with aiohttp.ClientSession() as http, http.get(f"{theirs.url}/webui/api/service?method=get_version") as r:
            assert r.status == 200  # still there
    finally:
        await theirs.stop()


async def test_stop_engine_ends_its_channels_and_holds_until_start_engine(owned_service) -> None:
    owned = await owned_service()
    await owned.events.wait_for("is running on port", timeout=30)
    guard = owned.engine.pid
    async with aiohttp.ClientSession() as http:
        async with http.get(owned.url()) as response:
            await response.content.readexactly(188)
            await owned.service.stop_engine()
            with pytest.raises((aiohttp.ClientPayloadError, asyncio.IncompleteReadError)):
                await asyncio.wait_for(response.content.readexactly(188 * 100_000), 10)
        assert await wait_pid_gone(guard, timeout=10)
        async with http.get(owned.url()) as refused:
            assert refused.status == 503
            assert "Start engine" in await refused.text()
    await owned.service.engine_owner.start()
    await owned.events.wait_for("is running on port", timeout=30, count=2)
    assert pid_alive(owned.engine.pid)


async def test_choosing_an_engine_that_cannot_run_is_refused_and_nothing_changes(owned_service, tmp_path) -> None:
    owned = await owned_service(engine_mode=ENGINE_EXTERNAL)
    assert owned.service.snapshot().engine_host is None
    missing = dataclasses.replace(
        owned.service.config, engine_mode=ENGINE_PROGRAM, engine_program=str(tmp_path / "no-such-engine")
    )
    with pytest.raises(ProxyStartError, match="engine program was not found"):
        await owned.service.apply(missing)
    assert owned.service.config.engine_mode == ENGINE_EXTERNAL and owned.service.snapshot().engine_host is None

    await owned.service.apply(dataclasses.replace(owned.service.config, engine_mode=ENGINE_PROGRAM))
    await owned.events.wait_for("is running on port", timeout=30)
    await owned.service.apply(dataclasses.replace(owned.service.config, engine_mode=ENGINE_EXTERNAL))
    assert owned.service.snapshot().engine_host is None
    await owned.events.wait_for("AceStream engine stopped.", timeout=10)


async def test_a_new_engine_command_replaces_the_running_engine_on_its_port(owned_service) -> None:
    owned = await owned_service()
    await owned.events.wait_for("is running on port", timeout=30)
    old_pid = owned.engine.pid
    newer = dataclasses.replace(owned.service.config, engine_program=demo_engine_command("--version-string", "3.2.3"))
    await owned.service.apply(newer)
    # The old engine was gone before the new one started on the same port: the new one is
    # AceTray's own (not "already running" there), and it is the new version that answers.
    await owned.events.wait_for("AceStream engine 3.2.3 is running on port", timeout=30)
    assert (owned.engine.state, owned.engine.owned, owned.engine.version) == (EngineState.RUNNING, True, "3.2.3")
    assert owned.engine.pid != old_pid and await wait_pid_gone(old_pid, timeout=10)
