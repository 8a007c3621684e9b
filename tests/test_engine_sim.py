"""The engine simulator behaves like docs/engine-api.md says the AceStream engine does, fault by fault."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from desktop.streaming.demo.engine import DemoEngine, load_demo_clip
from desktop.streaming.demo.ts_loop import TsLoop, scan_clip
from tests.fake_engine import (
    PACKET,
    assert_continuous,
    closed_port,
    make_ts_source,
    parse_sequence,
    running_engine,
    sequence_breaks,
)

# Fixtures fake_engine and dead_engine_url come from tests.fake_engine (pytest_plugins in tests/conftest.py).
REPO = Path(__file__).resolve().parent.parent
HEX40 = re.compile(r"^[0-9a-f]{40}$")


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def start(http: aiohttp.ClientSession, engine: DemoEngine, **params: str) -> dict:
    params = {"id": "chan1", "pid": "proxy-pid", **params, "format": "json"}
    async with http.get(f"{engine.url}/ace/getstream", params=params) as resp:
        assert resp.status == 200
        return await resp.json()


async def read_to_end(resp: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """Everything until the connection ends; True when it ended cleanly (EOF, not a reset)."""
    data = bytearray()
    try:
        async for chunk in resp.content.iter_any():
            data += chunk
    except aiohttp.ClientPayloadError:
        return bytes(data), False
    return bytes(data), True


# ---- service, start, envelope --------------------------------------------------------


async def test_get_version(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{fake_engine.url}/webui/api/service", params={"method": "get_version"}) as resp:
        assert await resp.json() == {
            "result": {"code": 3017000, "platform": "linux", "version": "3.1.70"},
            "error": None,
        }


async def test_json_envelope(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    answer = await start(http, fake_engine)
    assert answer["error"] is None
    r = answer["response"]
    tail = f"{r['infohash']}/{r['playback_session_id']}"
    assert r["playback_url"] == f"{fake_engine.url}/ace/r/{tail}"
    assert r["stat_url"] == f"{fake_engine.url}/ace/stat/{tail}"
    assert r["command_url"] == f"{fake_engine.url}/ace/cmd/{tail}"
    assert HEX40.match(r["infohash"]) and HEX40.match(r["playback_session_id"])
    assert (r["is_live"], r["is_encrypted"], r["client_session_id"]) == (1, 0, -1)
    assert "event_url" not in r
    with_events = (await start(http, fake_engine, use_api_events="1"))["response"]
    assert with_events["event_url"] == f"{fake_engine.url}/ace/event/{tail}"
    assert fake_engine.counters.sessions_started == 1


async def test_redirect_without_format_json(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    url = f"{fake_engine.url}/ace/getstream?id=chan1&pid=p"
    async with http.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    session = fake_engine.sessions[next(iter(fake_engine.sessions))]
    assert location == f"/ace/r/{session.infohash}/{session.token}"
    async with http.get(url) as resp:  # following it plays
        assert resp.headers["Content-Type"] == "video/mp2t"
        assert parse_sequence(await resp.content.readexactly(10 * PACKET)) == list(range(10))


async def test_request_log_keeps_pid_and_extra_params(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    await start(http, fake_engine, pid="proxy-uuid", file_indexes="0", transcode_audio="1")
    logged = fake_engine.requests[-1]
    assert logged.path == "/ace/getstream"
    assert logged.params == {
        "id": "chan1",
        "pid": "proxy-uuid",
        "file_indexes": "0",
        "transcode_audio": "1",
        "format": "json",
    }
    assert fake_engine.sessions[logged_infohash(fake_engine)].pids == ["proxy-uuid"]


def logged_infohash(engine: DemoEngine) -> str:
    (infohash,) = engine.sessions
    return infohash


@pytest.mark.parametrize("query", ["pid=x", "id=a&infohash=b&pid=x", "id=&pid=x"])
async def test_content_selector_must_be_exactly_one(
    fake_engine: DemoEngine, http: aiohttp.ClientSession, query: str
) -> None:
    async with http.get(f"{fake_engine.url}/ace/getstream?{query}") as resp:
        assert resp.status == 400
        assert resp.content_type == "text/plain"
    async with http.get(f"{fake_engine.url}/ace/getstream?{query}&format=json") as resp:
        answer = await resp.json()
        assert answer["response"] is None and answer["error"]
    assert fake_engine.counters.sessions_started == 0


async def test_selectors_map_to_infohashes(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    by_id = (await start(http, fake_engine, id="abc"))["response"]["infohash"]
    by_content_id = (await start(http, fake_engine, id="", content_id="abc"))["response"]["infohash"]
    assert by_id == by_content_id
    ih = "0123456789abcdef0123456789abcdef01234567"
    assert (await start(http, fake_engine, id="", infohash=ih.upper()))["response"]["infohash"] == ih
    magnet = f"magnet:?xt=urn:btih:{ih}&dn=x"
    assert (await start(http, fake_engine, id="", magnet=magnet))["response"]["infohash"] == ih
    by_url = (await start(http, fake_engine, id="", url="http://example.invalid/a.torrent"))["response"]
    assert HEX40.match(by_url["infohash"])


async def test_hls_manifest_not_supported(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{fake_engine.url}/ace/manifest.m3u8?id=chan1") as resp:
        assert resp.status == 404
        assert "HLS not supported" in await resp.text()


# ---- playback --------------------------------------------------------------------------


async def test_stream_is_aligned_ordered_and_loops(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        data = await resp.content.readexactly(2500 * PACKET)  # > 2 loops of the 1024-packet source
    seqs = parse_sequence(data)
    assert seqs[0] == 0
    assert_continuous(seqs)
    assert fake_engine.counters.bytes_served >= len(data)


async def test_second_reader_kicks_the_first(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    first = (await start(http, fake_engine, pid="a"))["response"]
    second = (await start(http, fake_engine, pid="b"))["response"]
    assert second["playback_session_id"] == first["playback_session_id"]  # same content: same session
    async with http.get(first["playback_url"]) as reader1:
        await reader1.content.readexactly(10 * PACKET)
        async with http.get(second["playback_url"]) as reader2:
            await asyncio.wait_for(read_to_end(reader1), 2)  # reader 1 is cut off
            data = await reader2.content.readexactly(50 * PACKET)
    assert fake_engine.counters.kicked_readers == 1
    seqs = parse_sequence(data)
    assert seqs[0] >= 10  # the stream went on, it did not restart
    assert_continuous(seqs)
    assert fake_engine.active_sessions == 1


async def test_head_request_kicks_nobody(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as reader:
        await reader.content.readexactly(PACKET)
        async with http.head(r["playback_url"]) as probe:
            assert probe.status == 200
        await reader.content.readexactly(100 * PACKET)
    assert fake_engine.counters.kicked_readers == 0


@pytest.mark.parametrize("cut", [50 * PACKET, 50 * PACKET + 100])
async def test_eof_mid_stream_and_reopen_resumes(
    fake_engine: DemoEngine, http: aiohttp.ClientSession, cut: int
) -> None:
    fake_engine.set_faults(eof_after_bytes=cut)
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        data, clean = await read_to_end(resp)
    assert clean and len(data) == cut
    assert parse_sequence(data, allow_partial_tail=True) == list(range(50))
    async with http.get(r["playback_url"]) as resp:  # the session is alive: reopening resumes
        again, _ = await read_to_end(resp)
    # A reader that got half a packet gets that whole packet again.
    assert parse_sequence(again, allow_partial_tail=True)[:3] == [50, 51, 52]


async def test_reopen_without_fault_goes_on(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        first = parse_sequence(await resp.content.readexactly(20 * PACKET))
    await fake_engine.wait_until(lambda: fake_engine.sessions[r["infohash"]].reader is None)
    async with http.get(r["playback_url"]) as resp:
        again = parse_sequence(await resp.content.readexactly(20 * PACKET))
    assert again[0] > first[-1]
    assert_continuous(again)


async def test_stop_is_idempotent_and_ends_playback(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as reader:
        await reader.content.readexactly(PACKET)
        async with http.get(r["command_url"], params={"method": "stop"}) as resp:
            assert await resp.json() == {"response": "ok", "error": None}
        _, clean = await asyncio.wait_for(read_to_end(reader), 2)
    async with http.get(r["command_url"], params={"method": "stop"}) as resp:
        assert await resp.json() == {"response": None, "error": "unknown playback session id"}
    async with http.get(r["playback_url"]) as resp:
        assert resp.status == 404
    async with http.get(r["stat_url"]) as resp:
        assert (await resp.json())["error"] == "unknown playback session id"
    assert clean
    assert (fake_engine.counters.stop_calls, fake_engine.counters.sessions_stopped) == (2, 1)
    assert fake_engine.active_sessions == 0
    restarted = (await start(http, fake_engine))["response"]
    assert restarted["playback_session_id"] != r["playback_session_id"]


async def test_stat_while_buffering_and_playing(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(prebuffer_delay=30)
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["stat_url"]) as resp:
        answer = await resp.json()
    assert answer["error"] is None and answer["response"]["status"] == "prebuf"
    fake_engine.set_faults(prebuffer_delay=0)
    async with http.get(r["playback_url"]) as reader:
        await reader.content.readexactly(100 * PACKET)
        async with http.get(r["stat_url"]) as resp:
            stat = (await resp.json())["response"]
    assert stat["status"] == "dl"
    for key in ("peers", "speed_down", "speed_up", "downloaded", "uploaded", "total_progress"):
        assert isinstance(stat[key], int), key
    assert stat["downloaded"] >= 100 * PACKET and stat["speed_down"] > 0
    assert stat["livepos"] and all(isinstance(v, str) for v in stat["livepos"].values())
    assert set(stat["livepos"]) >= {"pos", "last", "first_ts", "last_ts", "live_first", "live_last", "is_live"}


async def test_idle_session_stops_by_itself(http: aiohttp.ClientSession) -> None:
    async with running_engine(session_idle_stop=0.2) as engine:
        r = (await start(http, engine))["response"]
        async with http.get(r["playback_url"]) as resp:
            await resp.content.readexactly(PACKET)
        await engine.wait_until(lambda: engine.active_sessions == 0, timeout=3)
        assert engine.counters.sessions_idle_stopped == 1
        async with http.get(r["playback_url"]) as resp:
            assert resp.status == 404


async def test_pacing_and_unpaced(http: aiohttp.ClientSession) -> None:
    async with running_engine(bytes_per_second=400_000, burst_seconds=0) as engine:
        r = (await start(http, engine))["response"]
        async with http.get(r["playback_url"]) as resp:
            began = time.monotonic()
            await resp.content.readexactly(100_000)
            assert time.monotonic() - began >= 0.2  # 100 kB at 400 kB/s: 0.25 s
    async with running_engine(bytes_per_second=None, write_size=65536) as engine:
        r = (await start(http, engine))["response"]
        async with http.get(r["playback_url"]) as resp:
            began = time.monotonic()
            data = await resp.content.readexactly(100_000 * PACKET)
            assert time.monotonic() - began < 5
        assert_continuous(parse_sequence(data))


# ---- faults ------------------------------------------------------------------------------


async def test_start_delay_holds_and_can_be_lifted(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(start_delay=0.3)
    began = time.monotonic()
    await start(http, fake_engine)
    assert time.monotonic() - began >= 0.28
    fake_engine.set_faults(start_delay=60)
    pending = asyncio.create_task(start(http, fake_engine, id="other"))
    await fake_engine.wait_until(lambda: fake_engine.counters.getstream_requests == 2)
    assert not pending.done()
    fake_engine.set_faults(start_delay=0)
    assert (await asyncio.wait_for(pending, 2))["error"] is None


async def test_start_error_envelope(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(start_error="failed to load content")
    assert await start(http, fake_engine) == {"response": None, "error": "failed to load content"}
    async with http.get(f"{fake_engine.url}/ace/getstream?id=x") as resp:
        assert resp.status == 500 and await resp.text() == "failed to load content"
    assert fake_engine.active_sessions == 0


async def test_start_http_error_plain_text(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(start_http_error=500)
    async with http.get(f"{fake_engine.url}/ace/getstream?id=x&format=json") as resp:
        assert resp.status == 500
        assert resp.content_type == "text/plain" and await resp.text() == "start timeout"


async def test_start_garbage_is_not_json(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(start_garbage=True)
    async with http.get(f"{fake_engine.url}/ace/getstream?id=x&format=json") as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        with pytest.raises(json.JSONDecodeError):
            json.loads(await resp.text())


async def test_minimal_envelope(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(minimal_envelope=True)
    r = (await start(http, fake_engine, id="", url="http://example.invalid/x.torrent"))["response"]
    assert set(r) == {"infohash", "playback_url", "is_live", "is_encrypted"}


async def test_prebuffer_delays_first_byte(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(prebuffer_delay=0.3)
    began = time.monotonic()
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        assert resp.status == 200  # headers come at once
        await resp.content.readexactly(PACKET)
    assert time.monotonic() - began >= 0.28


async def test_never_send_then_lifted(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(never_send=True)
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "video/mp2t"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(resp.content.read(1), 0.2)  # proving silence takes some waiting
        fake_engine.set_faults(never_send=False)
        data = await asyncio.wait_for(resp.content.readexactly(10 * PACKET - 1), 2)
    assert fake_engine.counters.bytes_served >= len(data)


async def test_stall_then_resume(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(stall_after_bytes=30 * PACKET, stall_seconds=0.3)
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        head = await resp.content.readexactly(30 * PACKET)
        began = time.monotonic()
        tail = await resp.content.readexactly(200 * PACKET)
        assert time.monotonic() - began >= 0.25
    seqs = parse_sequence(head + tail)
    assert seqs[0] == 0
    assert_continuous(seqs)


async def test_stall_belongs_to_the_session_not_the_connection(
    fake_engine: DemoEngine, http: aiohttp.ClientSession
) -> None:
    fake_engine.set_faults(stall_after_bytes=30 * PACKET, stall_seconds=60)
    r = (await start(http, fake_engine))["response"]
    session = fake_engine.sessions[r["infohash"]]
    async with http.get(r["playback_url"]) as resp:
        await resp.content.readexactly(30 * PACKET)
        await fake_engine.wait_until(lambda: session.stalled_until > 0)
    async with http.get(r["playback_url"]) as resp:  # reconnecting does not end a P2P gap
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(resp.content.read(1), 0.2)
        fake_engine.set_faults(stall_after_bytes=None)  # new faults: the gap ends
        assert parse_sequence(await asyncio.wait_for(resp.content.readexactly(PACKET), 2)) == [30]


async def test_session_vanishes(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(vanish_after_bytes=20 * PACKET)
    r = (await start(http, fake_engine))["response"]
    async with http.get(r["playback_url"]) as resp:
        data, _ = await read_to_end(resp)
    assert parse_sequence(data) == list(range(20))
    async with http.get(r["playback_url"]) as resp:
        assert resp.status == 404
    async with http.get(r["command_url"], params={"method": "stop"}) as resp:
        assert await resp.json() == {"response": None, "error": "unknown playback session id"}
    assert fake_engine.counters.sessions_vanished == 1
    fake_engine.set_faults(vanish_after_bytes=None)
    assert (await start(http, fake_engine))["response"]["playback_session_id"] != r["playback_session_id"]


async def test_wrong_host_in_returned_urls(fake_engine: DemoEngine, http: aiohttp.ClientSession) -> None:
    fake_engine.set_faults(wrong_host="172.17.0.2")
    r = (await start(http, fake_engine))["response"]
    for key in ("playback_url", "stat_url", "command_url"):
        assert r[key].startswith(f"http://172.17.0.2:{fake_engine.port}/ace/"), r[key]
    async with http.get(f"{fake_engine.url}/ace/getstream?id=chan1", allow_redirects=False) as resp:
        assert resp.headers["Location"].startswith(f"http://172.17.0.2:{fake_engine.port}/ace/r/")
    fixed = r["playback_url"].replace("172.17.0.2", "127.0.0.1")  # what the proxy must do
    async with http.get(fixed) as resp:
        assert parse_sequence(await resp.content.readexactly(PACKET)) == [0]


async def test_engine_not_listening(dead_engine_url: str, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.ClientConnectorError):
        async with http.get(f"{dead_engine_url}/webui/api/service?method=get_version"):
            pass
    assert closed_port() > 0


# ---- test support and the real clip ----------------------------------------------------


def test_parse_sequence_rejects_misaligned_and_damaged_data() -> None:
    source = make_ts_source(packets=64, pat_every=16)
    assert parse_sequence(source) == list(range(64))
    with pytest.raises(AssertionError):
        parse_sequence(source[1 : 1 + 10 * PACKET])
    damaged = bytearray(source)
    damaged[PACKET + 184] ^= 0xFF
    with pytest.raises(AssertionError):
        parse_sequence(bytes(damaged))
    assert sequence_breaks([62, 63, 0, 1, 5], period=64) == [(4, 5)]


def test_demo_clip_loops_seamlessly() -> None:
    clip = load_demo_clip()
    info = scan_clip(clip)
    assert len(clip) < 1_000_000 and info.duration == 8.0
    assert DemoEngine(clip).bytes_per_second == pytest.approx(len(clip) / 8.0)
    looped = TsLoop(clip, info)
    assert looped.loop(0) == clip and len(looped.loop(3)) == len(clip)
    pcr = next(site.offset for site in info.clock_sites if site.is_pcr)

    def pcr_base(data: bytes) -> int:
        return int.from_bytes(data[pcr : pcr + 4], "big") << 1 | data[pcr + 4] >> 7

    assert pcr_base(looped.loop(2)) - pcr_base(clip) == 2 * 720_000  # loop 2 runs 16 s later


async def ffmpeg_warnings(engine: DemoEngine, seconds: int) -> str:
    """Decode `seconds` of the engine's stream with ffmpeg over HTTP; its warnings and errors."""
    ffmpeg = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-v", "warning", "-i", f"{engine.url}/ace/getstream?id=demo",
        "-t", str(seconds), "-f", "null", "-",
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(ffmpeg.communicate(), 60)
    assert ffmpeg.returncode == 0
    return err.decode().strip()


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
async def test_ffmpeg_decodes_across_loops_without_a_warning() -> None:
    clip = load_demo_clip()
    # 25 s = three loop boundaries of the 8 s clip, unpaced so it takes a fraction of a second.
    async with running_engine(clip, bytes_per_second=None, continuous=True, write_size=65536) as engine:
        assert await ffmpeg_warnings(engine, 25) == ""
    # Control: the same clip looped raw makes ffmpeg complain, so the check above can see a jump.
    async with running_engine(clip, bytes_per_second=None, continuous=False, write_size=65536) as engine:
        assert "out of order" in await ffmpeg_warnings(engine, 12)


async def test_standalone_engine_stops_on_sigterm(http: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "desktop.streaming.demo", "--port", "0", "--unpaced",
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        url = line.split()[-1]
        async with http.get(f"{url}/webui/api/service?method=get_version") as resp:
            assert (await resp.json())["result"]["version"] == "3.1.70"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
