"""The engine simulator's per-link faults: a playlist where some ids are dead, as in real life."""

from __future__ import annotations

import asyncio

import aiohttp

from desktop.streaming.demo.__main__ import _parse_args

DEAD, QUIET, GOOD = "d" * 40, "e" * 40, "f" * 40


async def _start(http: aiohttp.ClientSession, url: str, content_id: str) -> dict:
    async with http.get(f"{url}/ace/getstream", params={"id": content_id, "format": "json", "pid": "p"}) as resp:
        return await resp.json()


async def test_a_refused_id_gets_the_engines_error_and_others_play(fake_engine) -> None:
    fake_engine.set_faults(refused_ids=frozenset({DEAD}))
    async with aiohttp.ClientSession() as http:
        assert await _start(http, fake_engine.url, DEAD) == {"response": None, "error": "failed to load content"}
        answer = await _start(http, fake_engine.url, GOOD)
        async with http.get(answer["response"]["playback_url"]) as resp:
            assert (await resp.content.readexactly(188))[0] == 0x47
    assert fake_engine.counters.sessions_started == 1


async def test_a_silent_id_starts_a_session_that_never_sends_while_others_play(fake_engine) -> None:
    fake_engine.set_faults(silent_ids=frozenset({QUIET}))
    async with aiohttp.ClientSession() as http:
        quiet = await _start(http, fake_engine.url, QUIET)
        good = await _start(http, fake_engine.url, GOOD)
        assert fake_engine.counters.most_sessions == 2
        async with http.get(quiet["response"]["playback_url"]) as silent:
            assert silent.status == 200
            nothing = asyncio.ensure_future(silent.content.read(1))
            async with http.get(good["response"]["playback_url"]) as resp:
                assert len(await resp.content.readexactly(188 * 2000)) == 188 * 2000
            assert not nothing.done()  # 376 kB flowed on the good one meanwhile; not a byte on this one
            nothing.cancel()


def test_the_demo_engine_takes_dead_ids_on_its_command_line() -> None:
    args = _parse_args(["--refuse", DEAD.upper(), "--silent", QUIET, "--refuse", GOOD])
    assert args.refuse == [DEAD.upper(), GOOD] and args.silent == [QUIET]


async def test_a_peerless_id_prebuffers_for_ever_with_no_peers_while_others_play(fake_engine) -> None:
    fake_engine.set_faults(peerless_ids=frozenset({QUIET}))
    async with aiohttp.ClientSession() as http:
        dead = await _start(http, fake_engine.url, QUIET)
        good = await _start(http, fake_engine.url, GOOD)
        async with http.get(good["response"]["playback_url"]) as resp:
            assert len(await resp.content.readexactly(188 * 100)) == 188 * 100
        async with http.get(dead["response"]["stat_url"]) as resp:
            stat = (await resp.json())["response"]
    assert (stat["status"], stat["peers"], stat["speed_down"]) == ("prebuf", 0, 0)


async def test_a_stall_id_goes_silent_after_its_bytes_while_others_play_on(fake_engine) -> None:
    fake_engine.set_faults(stall_after_bytes=188 * 100, stall_seconds=3600, stall_ids=frozenset({DEAD}))
    async with aiohttp.ClientSession() as http:
        stalling = await _start(http, fake_engine.url, DEAD)
        good = await _start(http, fake_engine.url, GOOD)
        async with http.get(stalling["response"]["playback_url"]) as silent:
            assert len(await silent.content.readexactly(188 * 100)) == 188 * 100
            nothing = asyncio.ensure_future(silent.content.read(1))
            async with http.get(good["response"]["playback_url"]) as resp:
                assert len(await resp.content.readexactly(188 * 2000)) == 188 * 2000  # past the stall's bytes
            assert not nothing.done()  # 376 kB flowed on the other meanwhile; not a byte more on this one
            nothing.cancel()


def test_the_demo_engine_takes_stalling_and_peerless_ids_on_its_command_line() -> None:
    args = _parse_args(["--stall", DEAD, "--stall-after", "300000", "--peerless", QUIET])
    assert (args.stall, args.stall_after, args.peerless) == ([DEAD], 300_000, [QUIET])
