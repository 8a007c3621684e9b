"""HLS players through the proxy: one engine session with TS players, playlists, segments, errors."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import m3u8
import pytest

from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, wait_until
from tests.core.hls_support import (
    clip_engine,
    fetch_playlist,
    fetch_segment,
    manifest_url,
    segment_url,
    sequence_of,
    until_cut,
)
from tests.hls.clip import assert_self_contained


async def test_five_hls_and_five_ts_players_share_one_engine_session(fake_engine_factory, proxy_factory) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    engine.set_faults(start_delay=60)  # all ten are in before the engine answers, however slow the machine

    async def hls_player(n: int) -> bytes:
        agent = f"hls-player-{n}"
        playlist = (await fetch_playlist(proxy, agent=agent)).playlist
        status, data = await fetch_segment(proxy, playlist.segments[-1].uri, agent=agent)
        assert status == 200
        return data

    players = asyncio.gather(
        *(hls_player(n) for n in range(5)), *(proxy.read(proxy.url(), 100 * PACKET_SIZE) for _ in range(5))
    )
    try:
        await wait_until(lambda: (s := proxy.registry.find(CHANNEL)) is not None and s.player_count == 10)
        (stream,) = proxy.service.snapshot().streams
        assert Counter(c.kind for c in stream.clients) == {"HLS": 5, "TS": 5}
    finally:
        engine.set_faults(start_delay=0)
    results = await players
    for segment in results[:5]:
        assert_self_contained(segment)
    assert engine.counters.sessions_started == 1
    assert engine.counters.getstream_requests == 1
    assert proxy.counters.sessions_started == 1


async def test_the_playlist_parses_as_live_hls_with_relative_segment_uris_that_play(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    fetched = await fetch_playlist(proxy)
    assert fetched.content_type == "application/vnd.apple.mpegurl"
    assert fetched.cache_control == "no-cache"
    playlist = fetched.playlist
    assert not playlist.is_variant and not playlist.is_endlist
    assert playlist.target_duration == 2
    assert 2 <= len(playlist.segments) <= 6
    for n, segment in enumerate(playlist.segments):
        assert segment.uri == f"hls/id/{CHANNEL}/{playlist.media_sequence + n}.ts"
        assert segment.duration == pytest.approx(2.0)
    async with proxy.http.get(segment_url(proxy, playlist.segments[0].uri)) as resp:
        assert resp.status == 200
        assert resp.content_type == "video/mp2t"
        data = await resp.read()
    assert len(data) == resp.content_length and len(data) % PACKET_SIZE == 0
    assert_self_contained(data)  # PAT, PMT, then a keyframe: it decodes on its own


async def test_infohash_and_content_id_select_the_channel_like_the_engine_does(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    by_infohash = (await fetch_playlist(proxy, manifest_url(proxy, OTHER_CHANNEL.upper(), "infohash"))).playlist
    assert by_infohash.segments[0].uri.startswith(f"hls/infohash/{OTHER_CHANNEL}/")
    by_content_id = (await fetch_playlist(proxy, manifest_url(proxy, CHANNEL, "content_id"))).playlist
    assert by_content_id.segments[0].uri.startswith(f"hls/id/{CHANNEL}/")
    status, _ = await fetch_segment(proxy, by_infohash.segments[0].uri)
    assert status == 200
    assert engine.counters.sessions_started == 2


@pytest.mark.parametrize("fault", ["eof", "vanish"])
async def test_an_engine_reconnect_puts_a_discontinuity_tag_in_the_next_playlist(
    fault: str, fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory, speed=4)
    proxy = await proxy_factory(engine.url)
    before = (await fetch_playlist(proxy)).playlist
    assert not any(s.discontinuity for s in before.segments)
    segmenter = proxy.registry.find(CHANNEL).hls.segmenter
    engine.set_faults(**{f"{fault}_after_bytes": 1})  # the playback connection (or session) ends at once
    await proxy.events.wait_for("Reconnecting")
    engine.set_faults(eof_after_bytes=None, vanish_after_bytes=None)
    cut_before = segmenter.stats().next_seq
    await until_cut(segmenter, cut_before + 1)
    after = (await fetch_playlist(proxy)).playlist
    flagged = [s for s in after.segments if s.discontinuity]
    assert len(flagged) == 1, after.dumps()
    assert sequence_of(flagged[0].uri) <= cut_before + 1
    assert "#EXT-X-DISCONTINUITY\n" in after.dumps()
    status, data = await fetch_segment(proxy, flagged[0].uri)
    assert status == 200
    assert_self_contained(data)
    assert engine.counters.sessions_started == (2 if fault == "vanish" else 1)


async def test_a_segment_that_left_the_window_or_is_far_ahead_answers_404(fake_engine_factory, proxy_factory) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    first = (await fetch_playlist(proxy)).playlist
    oldest = first.segments[0].uri
    segmenter = proxy.registry.find(CHANNEL).hls.segmenter
    window_and_spares = segmenter.config.window + segmenter.config.spare
    await until_cut(segmenter, sequence_of(oldest) + window_and_spares)
    async with proxy.http.get(segment_url(proxy, oldest)) as resp:
        assert resp.status == 404
        assert "left the playlist" in await resp.text()
    far = segmenter.stats().next_seq + 50
    async with proxy.http.get(segment_url(proxy, f"hls/id/{CHANNEL}/{far}.ts")) as resp:
        assert resp.status == 404
        assert "not in the playlist yet" in await resp.text()
    async with proxy.http.get(segment_url(proxy, f"hls/id/{OTHER_CHANNEL}/1.ts")) as resp:
        assert resp.status == 404
        assert "not playing" in await resp.text()


async def test_the_first_playlist_of_a_channel_not_yet_running_waits_for_segments_then_answers(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    engine.set_faults(start_delay=60)
    first = asyncio.ensure_future(fetch_playlist(proxy))
    await engine.wait_until(lambda: engine.counters.getstream_requests == 1)
    assert not first.done()  # the engine is still starting: the player waits, it is not refused
    (stream,) = proxy.service.snapshot().streams
    assert stream.state == "starting" and [c.state for c in stream.clients] == ["waiting"]
    engine.set_faults(start_delay=0)
    assert len((await first).playlist.segments) >= 2


async def test_a_channel_whose_engine_never_sends_answers_504_with_the_reason(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    engine.set_faults(never_send=True)
    proxy = await proxy_factory(engine.url, start_timeout=1.0)
    fetched = await fetch_playlist(proxy)
    assert fetched.status == 504
    assert fetched.text == "No data from the AceStream engine within 1 s\n"


async def test_head_answers_without_starting_a_session(fake_engine_factory, proxy_factory) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    async with proxy.http.head(manifest_url(proxy)) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/vnd.apple.mpegurl"
    assert engine.counters.getstream_requests == 0 and len(proxy.registry) == 0
    uri = (await fetch_playlist(proxy)).playlist.segments[-1].uri
    async with proxy.http.head(segment_url(proxy, uri)) as resp:
        assert resp.status == 200 and resp.content_type == "video/mp2t"
        assert int(resp.headers["Content-Length"]) > 0


@pytest.mark.parametrize(
    ("query", "why"),
    [("id=xyz", "Invalid id"), ("", "Missing content id"), (f"id={CHANNEL}&infohash={CHANNEL}", "exactly one")],
)
async def test_a_bad_playlist_request_is_refused_with_a_reason(
    query: str, why: str, fake_engine, proxy_factory
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(f"{proxy.base}/ace/manifest.m3u8?{query}") as resp:
        assert resp.status == 400
        assert why in await resp.text()
    assert fake_engine.counters.getstream_requests == 0


def strict_start(playlist: m3u8.M3U8) -> int | None:
    """Where a strict client may start (RFC 8216 §6.3.3, as AVPlayer does): the last segment that
    starts at least three target durations before the playlist's end; None when none does."""
    remaining = sum(s.duration for s in playlist.segments)
    found = None
    for n, segment in enumerate(playlist.segments):
        if remaining >= 3 * playlist.target_duration - 0.0005:  # EXTINF has three decimals
            found = n
        remaining -= segment.duration
    return found


async def test_a_new_channels_first_playlist_lets_a_strict_client_start(fake_engine_factory, proxy_factory) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    fetched = await fetch_playlist(proxy)  # the channel's very first playlist
    playlist = fetched.playlist
    start = strict_start(playlist)
    assert start is not None, f"no segment starts three target durations from the end:\n{fetched.text}"
    status, data = await fetch_segment(proxy, playlist.segments[start].uri)
    assert status == 200
    assert_self_contained(data)


async def test_segments_are_dated_and_kept_by_caches_while_playlists_are_not(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    fetched = await fetch_playlist(proxy)
    assert fetched.cache_control == "no-cache"
    segments = fetched.playlist.segments
    # Every segment is dated, and the dates follow the durations (one timeline, no gaps).
    dates = [segment.program_date_time for segment in segments]
    assert all(date is not None for date in dates), fetched.text
    for segment, date, following in zip(segments, dates, dates[1:], strict=False):
        assert (following - date).total_seconds() == pytest.approx(segment.duration, abs=0.002)
    assert dates[-1].timestamp() + segments[-1].duration == pytest.approx(time.time(), abs=30)
    async with proxy.http.get(segment_url(proxy, segments[-1].uri)) as resp:
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    gone = f"hls/id/{CHANNEL}/{sequence_of(segments[0].uri) - 100}.ts"
    async with proxy.http.get(segment_url(proxy, gone)) as resp:
        assert resp.status == 404
        assert resp.headers["Cache-Control"] == "no-store"  # asked again later, the answer may differ
