"""Failover in the running core: a channel of several sources moves to the next one, players stay."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.core.conftest import wait_until
from tests.core.failover_support import FIRST, KEYS, SECOND, THIRD, Player, three_source_proxy
from tests.fake_engine import PACKET, make_ts_source, parse_sequence, sequence_breaks

PAT_EVERY = 64  # the fake engine's source opens every 64th packet with a PAT


def engine_sessions(engine) -> set[str]:  # type: ignore[no-untyped-def]
    """The ids the engine has sessions for now."""
    return {s.content.partition("=")[2] for s in engine.sessions.values()}


async def test_a_source_that_stops_sending_moves_the_channel_to_the_next_with_the_players_bytes_aligned(
    fake_engine_factory, proxy_factory, tmp_path: Path
) -> None:
    # Each session starts 10 packets into a group: the next source's first bytes are no place to resume.
    source = make_ts_source()
    fake_engine = await fake_engine_factory(source=source[10 * PACKET :] + source[: 10 * PACKET])
    fake_engine.set_faults(stall_after_bytes=300_000, stall_seconds=3600, stall_ids=frozenset({FIRST}))
    proxy = await three_source_proxy(proxy_factory, fake_engine.url, tmp_path, stall_timeout=1.0)
    player = Player()
    task = asyncio.create_task(player.play(proxy, proxy.url(FIRST)))
    try:
        switched = await proxy.events.wait_for("switched to source 2 of 3")
        assert switched.message == "Sport 1 switched to source 2 of 3 (source 1: no data for 1 s)."
        before = len(player.data)
        await player.until_bytes(before + 200_000)  # the second source plays on to the same player
    finally:
        task.cancel()
    data = player.whole_packets()
    seqs = parse_sequence(data)  # every packet whole and 188-aligned, across the switch
    (breaks,) = [sequence_breaks(seqs)]
    assert len(breaks) == 1, breaks  # one splice, nothing lost or repeated on either side
    index, seq = breaks[0]
    assert seq == PAT_EVERY  # the second source's first bytes (packets 10 to 63) were left out: on at its first PAT
    gap = player.arrival(index * PACKET) - player.arrival(index * PACKET - 1)
    assert gap < 1.0 + 1.5, f"the player waited {gap:.1f} s for the next source"
    # The first source's session was stopped at once; the engine holds the second's alone.
    await wait_until(lambda: engine_sessions(fake_engine) == {SECOND})
    assert fake_engine.counters.sessions_stopped >= 1
    async with proxy.http.get(f"{proxy.base}/api/streams") as resp:
        (stream,) = (await resp.json())["streams"]
    assert [stream[k] for k in ("name", "source_id", "source_number", "sources", "switches", "last_switch")] == [
        "Sport 1",
        SECOND,
        2,
        3,
        1,
        "source 1: no data for 1 s",
    ]


async def test_a_source_whose_engine_finds_no_peers_is_left_for_the_next(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    fake_engine.set_faults(peerless_ids=frozenset({FIRST}))
    proxy = await three_source_proxy(proxy_factory, fake_engine.url, tmp_path, stall_timeout=1.0)
    player = Player()
    task = asyncio.create_task(player.play(proxy, proxy.url(FIRST)))
    try:
        switched = await proxy.events.wait_for("switched to source 2 of 3")
        assert switched.message == "Sport 1 switched to source 2 of 3 (source 1: no peers for 1 s)."
        await player.until_bytes(100_000)
    finally:
        task.cancel()
    assert player.status == 200
    parse_sequence(player.whole_packets())


async def test_a_player_asking_for_a_backups_id_gets_the_channels_one_stream(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await three_source_proxy(proxy_factory, fake_engine.url, tmp_path)
    first, backup = Player(), Player()
    tasks = [asyncio.create_task(first.play(proxy, proxy.url(FIRST)))]
    try:
        await first.until_bytes(50_000)
        tasks.append(asyncio.create_task(backup.play(proxy, proxy.url(THIRD))))  # an old playlist's link
        await backup.until_bytes(50_000)
    finally:
        for task in tasks:
            task.cancel()
    assert engine_sessions(fake_engine) == {FIRST}  # one engine session for the channel, on its first source
    (stream,) = proxy.service.snapshot().streams
    assert (stream.content_id, len(stream.clients), stream.source_id) == (FIRST, 2, FIRST)


async def test_a_channel_whose_first_source_the_engine_refuses_starts_from_the_second_and_says_it_is_dead(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    fake_engine.set_faults(refused_ids=frozenset({FIRST}))
    proxy = await three_source_proxy(proxy_factory, fake_engine.url, tmp_path)
    player = Player()
    task = asyncio.create_task(player.play(proxy, proxy.url(FIRST)))
    try:
        await player.until_bytes(50_000)
    finally:
        task.cancel()
    assert player.status == 200
    switched = await proxy.events.wait_for("switched to source 2 of 3")
    assert switched.message == "Sport 1 switched to source 2 of 3 (source 1: failed to load content)."
    assert engine_sessions(fake_engine) == {SECOND}
    # The link check and failover agree: the health store has the verdicts, /api/channels shows them.
    health = proxy.service.sources.health
    assert (health.get(KEYS[0]).state, health.get(KEYS[0]).reason, health.get(KEYS[1]).state) == (
        "dead",
        "failed to load content",
        "alive",
    )
    async with proxy.http.get(f"{proxy.base}/api/channels") as resp:
        (sport,) = (await resp.json())["channels"]
    assert [s["health"]["state"] for s in sport["sources"]] == ["dead", "alive", "unknown"]


async def test_any_sources_id_starts_the_channel_from_its_first_source_not_known_dead(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await three_source_proxy(proxy_factory, fake_engine.url, tmp_path)
    proxy.service.sources.health.report(KEYS[0], "dead", "no data within 20 s")  # a link check said so
    assert (await proxy.read(proxy.url(THIRD), 20_000))[0] == 0x47
    assert engine_sessions(fake_engine) == {SECOND}
    assert fake_engine.counters.getstream_requests == 1  # the dead one was not even asked for
    said = await proxy.events.wait_for("starts from source 2 of 3")
    assert said.message == "Sport 1 starts from source 2 of 3: source 1 is known dead."


async def test_a_channel_with_every_source_dead_answers_502_with_a_sentence_within_the_start_timeout(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    fake_engine.set_faults(refused_ids=frozenset({FIRST, SECOND, THIRD}))
    proxy = await three_source_proxy(proxy_factory, fake_engine.url, tmp_path, start_timeout=2.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with proxy.http.get(proxy.url(SECOND)) as resp:
        status, text = resp.status, await resp.text()
    took = loop.time() - started
    assert (status, text) == (
        502,
        "None of the 3 sources of Sport 1 played (source 1: failed to load content; "
        "source 2: failed to load content; source 3: failed to load content)\n",
    )
    assert 2.0 <= took < 2.0 + 2.0, f"answered after {took:.1f} s"
    await proxy.events.wait_for("Stream failed: None of the 3 sources of Sport 1 played")
    assert engine_sessions(fake_engine) == set()
