"""Every way the engine fails before the first byte becomes a clear HTTP error, never a hang."""

from __future__ import annotations

import pytest

from tests.core.conftest import CHANNEL, wait_until


async def get_error(proxy, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    async with proxy.http.get(url) as resp:
        return resp.status, await resp.text()


async def test_engine_not_listening_is_502_naming_the_url(dead_engine_url, proxy_factory) -> None:
    proxy = await proxy_factory(dead_engine_url)
    status, text = await get_error(proxy, proxy.url())
    assert status == 502
    assert f"AceStream engine not reachable at {dead_engine_url}" in text
    await proxy.events.wait_for("Stream failed: AceStream engine not reachable")
    assert len(proxy.registry) == 0  # the next player tries afresh


@pytest.mark.parametrize(
    "faults, status, message",
    [
        ({"start_error": "failed to load content"}, 502, "failed to load content"),
        ({"start_http_error": 500, "start_http_error_text": "start timeout"}, 504, "start timeout"),
        ({"start_http_error": 503, "start_http_error_text": "overloaded"}, 502, "overloaded"),
        ({"start_garbage": True}, 502, "not JSON"),
    ],
    ids=["error-envelope", "plain-500-timeout", "plain-503", "html-garbage"],
)
async def test_engine_start_errors_become_player_errors(fake_engine, proxy_factory, faults, status, message) -> None:
    fake_engine.set_faults(**faults)
    proxy = await proxy_factory(fake_engine.url)
    got_status, text = await get_error(proxy, proxy.url())
    assert got_status == status
    assert message in text
    await proxy.events.wait_for("Stream failed")


async def test_no_first_byte_within_start_timeout_is_504(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(never_send=True)
    proxy = await proxy_factory(fake_engine.url, start_timeout=0.5)
    status, text = await get_error(proxy, proxy.url())
    assert status == 504
    assert "No data from the AceStream engine within 0.5 s" in text
    # The abandoned session is stopped at the engine.
    await fake_engine.wait_until(lambda: fake_engine.counters.stop_calls == 1)


async def test_slow_prebuffer_within_start_timeout_plays(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(prebuffer_delay=0.5, start_delay=0.3)
    proxy = await proxy_factory(fake_engine.url, start_timeout=5)
    async with proxy.http.get(proxy.url()) as resp:
        assert resp.status == 200
        assert (await resp.content.readexactly(188))[0] == 0x47


async def test_all_waiting_players_get_the_error(fake_engine, proxy_factory) -> None:
    import asyncio

    # The engine holds the start until all five wait, however slow the machine, then fails it.
    fake_engine.set_faults(start_error="failed to load content", start_delay=60)
    proxy = await proxy_factory(fake_engine.url)
    players = asyncio.gather(*(get_error(proxy, proxy.url()) for _ in range(5)))
    try:
        await wait_until(lambda: len(proxy.registry) == 1 and proxy.registry.find(CHANNEL).player_count == 5)
    finally:
        fake_engine.set_faults(start_delay=0)
    results = await players
    assert all(status == 502 and "failed to load content" in text for status, text in results)
    assert fake_engine.counters.getstream_requests == 1  # single-flight, even for failures


async def test_gives_up_after_bounded_time_with_a_reason(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, empty_timeout=0.3, give_up_after=1.0)
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(188 * 10)
        fake_engine.set_faults(never_send=True, start_error="failed to load content")
        # The player keeps its connection during the retries, then the stream ends.
        while await player.content.read(65536):
            pass
    event = await proxy.events.wait_for("Stream failed: Gave up after")
    assert event.level == "error"
    assert event.content_id == CHANNEL
