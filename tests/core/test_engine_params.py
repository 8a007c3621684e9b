"""Only harmless player preferences reach the engine, and only the first player's, at session start."""

from __future__ import annotations

import logging

from desktop.streaming.engine.params import engine_params
from desktop.streaming.ts.packets import PACKET_SIZE

DANGEROUS = {
    "direct_url": "http://evil.example/payload.ts",
    "sid": "someone-else",
    "product_key": "stolen",
    "provider": "evil",
    "debug_options": "all",
    "force_session_restart": "1",
    "url": "http://evil.example/x.torrent",
    "magnet": "magnet:?xt=urn:btih:" + "0" * 40,
    "made_up": "x",
}


def _getstreams(engine):  # type: ignore[no-untyped-def]
    return [r for r in engine.requests if r.path == "/ace/getstream"]


async def test_only_allow_listed_player_parameters_reach_the_engine(fake_engine, proxy_factory, caplog) -> None:
    proxy = await proxy_factory(fake_engine.url)
    caplog.set_level(logging.DEBUG, logger="desktop.streaming.http.routes_stream")
    wanted = {"transcode_audio": "1", "transcode_ac3": "0", "preferred_audio_language": "eng"}
    badly_shaped = {"transcode_mp3": "yes"}
    await proxy.read(proxy.url(pid="tv-in-the-kitchen", **wanted, **badly_shaped, **DANGEROUS), PACKET_SIZE)
    (request,) = _getstreams(fake_engine)
    assert set(request.params) == {"id", "format", "pid", *wanted}
    assert {name: request.params[name] for name in wanted} == wanted
    assert request.params["pid"] != "tv-in-the-kitchen"  # the proxy's own per-session pid
    assert "evil" not in request.query_string
    dropped = " ".join(r.getMessage() for r in caplog.records if "not forwarded" in r.getMessage())
    assert "direct_url" in dropped and "transcode_mp3" in dropped
    assert "pid" not in dropped.replace("'", " ").split()  # accepted and ignored, not complained about


async def test_a_later_players_parameters_never_change_the_running_session(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    first = {"transcode_audio": "1", "preferred_audio_language": "eng"}
    later = {"transcode_audio": "0", "preferred_audio_language": "rus", "transcode_mp3": "1"}
    fake_engine.set_faults(vanish_after_bytes=100_000)  # forces a second session start mid-stream
    async with proxy.http.get(proxy.url(**first)) as player:
        await player.content.readexactly(50_000)
        async with proxy.http.get(proxy.url(**later, **DANGEROUS)) as second:
            await second.content.readexactly(PACKET_SIZE)
            await player.content.readexactly(60_000)  # past the vanish: the session was started again
            fake_engine.set_faults(vanish_after_bytes=None)
            await player.content.readexactly(200_000)
    starts = _getstreams(fake_engine)
    assert len(starts) >= 2 and fake_engine.counters.sessions_vanished >= 1
    for request in starts:
        assert {k: v for k, v in request.params.items() if k not in ("id", "format", "pid")} == first


def test_repeated_or_unknown_names_are_dropped_and_selectors_and_pid_pass_silently() -> None:
    params = engine_params(
        [
            ("id", "x"),
            ("pid", "player"),
            ("format", "m3u8"),
            ("transcode_audio", "1"),
            ("transcode_audio", "0"),  # which one would the engine take? neither
            ("preferred_audio_language", "pt-BR"),
            ("Transcode_Audio", "1"),
            ("x" * 500, "1"),
        ],
        selectors=("id",),
    )
    assert params.forwarded == {"preferred_audio_language": "pt-BR"}
    assert params.dropped == ("transcode_audio", "Transcode_Audio", "x" * 40)


def test_language_values_of_the_wrong_shape_are_dropped() -> None:
    for value in ("", "e", "english", "en\r\nX: y", "en-" + "x" * 20, "../../etc"):
        assert engine_params([("preferred_audio_language", value)], ()).forwarded == {}, value
    assert engine_params([("preferred_audio_language", "rus")], ()).forwarded == {"preferred_audio_language": "rus"}
