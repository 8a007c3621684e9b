"""Engine answers of the wrong shape become a readable 502, never a 500 or a body read whole."""

from __future__ import annotations

import tracemalloc

import pytest

from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import wait_until
from tests.fake_clock import FakeClock

HUGE = 50 * 1024 * 1024


async def get_error(proxy, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    async with proxy.http.get(url) as resp:
        return resp.status, await resp.text()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"stat_url": 5}, "stat_url is a number, not text"),
        ({"playback_url": 5}, "playback_url is a number, not text"),
        ({"playback_url": ["http://127.0.0.1:6878/ace/r/x/y"]}, "playback_url is a list, not text"),
        ({"command_url": {"url": "http://x"}}, "command_url is a object, not text"),
        ({"infohash": [[1]]}, "infohash is a list, not text"),
        ({"playback_url": "http://[::1/ace/r/x"}, "a URL that is not one"),
    ],
    ids=[
        "stat-url-number",
        "playback-url-number",
        "playback-url-list",
        "command-url-object",
        "infohash-list",
        "broken-url",
    ],
)
async def test_a_start_answer_of_the_wrong_shape_is_a_readable_502(fake_engine, proxy_factory, fields, message) -> None:
    fake_engine.set_faults(start_fields=fields)
    proxy = await proxy_factory(fake_engine.url)
    status, text = await get_error(proxy, proxy.url())
    assert status == 502, text
    assert message in text
    assert "internal error" not in text
    await proxy.events.wait_for(
        "Stream failed: AceStream engine answered something unexpected" if "not text" in message else "Stream failed"
    )


def test_an_error_value_of_the_wrong_shape_is_described_not_dumped() -> None:
    from desktop.streaming.engine.client import _text

    assert _text({"deep": [[[1, 2]]]}) == "an unexpected object"
    assert _text(["x"] * 10_000) == "an unexpected list"
    assert _text("failed to load content") == "failed to load content"
    assert len(_text("x" * 10_000)) == 200


async def test_deeply_nested_json_is_a_502(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(nested_json_depth=200_000)
    proxy = await proxy_factory(fake_engine.url)
    status, text = await get_error(proxy, proxy.url())
    assert status == 502
    assert "nested too deeply" in text


@pytest.mark.parametrize("status", [500, 200], ids=["error-body", "json-body"])
async def test_a_50_mb_answer_is_never_read_whole(fake_engine, proxy_factory, status) -> None:
    fake_engine.set_faults(huge_answer_bytes=HUGE, huge_answer_status=status)
    proxy = await proxy_factory(fake_engine.url)
    tracemalloc.start()
    try:
        got, text = await get_error(proxy, proxy.url())
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got == 502
    assert ("more than 1024 KB" in text) if status == 200 else ("AceStream engine error: xxxx" in text)
    assert len(text) < 400  # the player gets a sentence, not the body
    assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.1f} MB allocated at the peak: the answer was read whole"


async def test_stat_answers_of_the_wrong_shape_are_ignored_and_polling_goes_on(fake_engine, proxy_factory) -> None:
    from desktop.streaming.live import stream as stream_module

    fake_engine.set_faults(
        stat_fields={
            "peers": float("inf"),
            "status": {"a": [1]},
            "speed_down": "fast",
            "downloaded": [1],
            "speed_up": None,
        }
    )
    clock = FakeClock()  # the stat polls come when the test moves the core's clock on
    proxy = await proxy_factory(fake_engine.url, clock=clock)
    interval = stream_module.STAT_INTERVAL
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(PACKET_SIZE)
        await clock.asleep(interval)
        clock.advance(interval)
        await fake_engine.wait_until(lambda: fake_engine.counters.stat_requests >= 1)
        (snap,) = proxy.service.snapshot().streams
        assert snap.peers is None and snap.engine_status is None and snap.speed_down_kbps is None
        fake_engine.set_faults(stat_fields=None)

        def healthy_stats() -> bool:
            streams = proxy.service.snapshot().streams
            return bool(streams) and streams[0].peers == 7

        await clock.asleep(interval)  # the bad answer was taken: the poll waits for its next round
        clock.advance(interval)
        await wait_until(healthy_stats)  # the poll survived the bad answer
        await player.content.readexactly(PACKET_SIZE)
