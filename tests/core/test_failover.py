"""Failover in the running core: a channel of several sources moves to the next one, players stay."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.core.conftest import wait_until
from tests.core.failover_support import FIRST, SECOND, THIRD, Player, three_source_proxy
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
