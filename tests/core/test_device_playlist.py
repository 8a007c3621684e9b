"""/playlist.m3u: one URL a TV app adds once, listing every channel through this proxy."""

from __future__ import annotations

from pathlib import Path

from desktop.streaming.channels import m3u
from tests.core.conftest import CHANNEL
from tests.core.test_channels_service import HASH, write_playlist

TOKEN = "device-Token_0123456789"


async def _playlist(proxy, query: str = "", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    async with proxy.http.get(f"{proxy.base}/playlist.m3u{query}", headers=headers or {}) as resp:
        return resp.status, resp.headers, await resp.read()


async def test_the_device_playlist_keeps_names_and_guide_and_points_at_this_proxy_with_the_token(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    status, headers, body = await _playlist(proxy, f"?token={TOKEN}")
    assert status == 200 and headers["Content-Type"] == "audio/x-mpegurl; charset=utf-8"
    parsed = m3u.parse(body)
    # tvg-id: each channel's id in AceTray's one guide, which the header names (not the playlists' guides).
    assert [(c.name, c.group, c.tvg_id, c.kind, c.id) for c in parsed.channels] == [
        ("Sport One", "Sport", f"{CHANNEL}.id.acetray", "id", CHANNEL),
        ("By hash", "", f"{HASH}.infohash.acetray", "infohash", HASH),
    ]
    host = proxy.base.removeprefix("http://")
    assert parsed.epg_urls == (f"http://{host}/epg.xml?token={TOKEN}",)
    urls = [line for line in body.decode().splitlines() if line.startswith("http")]
    assert urls == [
        f"http://{host}/ace/getstream?id={CHANNEL}&token={TOKEN}",
        f"http://{host}/ace/getstream?infohash={HASH}&token={TOKEN}",
        "http://tv.example/live.ts",  # the playlist's plain stream, passed on as it was
    ]
    # What the app then plays is this proxy's stream.
    async with proxy.http.get(urls[0]) as resp:
        assert resp.status == 200 and (await resp.content.readexactly(188))[0] == 0x47


async def test_the_device_playlist_narrows_to_a_group_or_favourites_and_lists_hls_on_request(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    await proxy.service.channels.set_favourite(("infohash", HASH), True)
    _, _, sport = await _playlist(proxy, "?group=Sport")
    assert [c.name for c in m3u.parse(sport).channels] == ["Sport One"]
    _, _, favourites = await _playlist(proxy, "?favourites=1")
    assert [c.name for c in m3u.parse(favourites).channels] == ["By hash"]
    _, _, hls = await _playlist(proxy, "?format=hls")
    assert f"/ace/manifest.m3u8?id={CHANNEL}" in hls.decode()


async def test_an_unchanged_playlist_answers_304_to_its_etag(fake_engine, proxy_factory, tmp_path: Path) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    status, headers, _ = await _playlist(proxy)
    assert status == 200
    status, _, body = await _playlist(proxy, headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    await proxy.service.channels.set_favourite(("id", CHANNEL), True)
    status, _, _ = await _playlist(proxy, "?favourites=1", headers={"If-None-Match": headers["ETag"]})
    assert status == 200  # different content, different tag


async def test_without_the_token_the_device_playlist_is_refused(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    status, _, body = await _playlist(proxy)
    assert status == 401 and b"access token" in body


RICH = f"""#EXTM3U
#EXTINF:-1 tvg-id="one.tv" tvg-name="Sport_One" tvg-chno="7" tvg-shift="2" group-title="Sport",Sport One HD
acestream://{CHANNEL}
#EXTINF:-1 tvg-name="Radio X" radio="true" group-title="Radio",Radio X (live)
infohash://{HASH}
#EXTINF:-1 tvg-id="plain.tv" group-title="Sport",Plain "quoted" one
#EXTVLCOPT:http-user-agent=Mozilla/5.0
udp://@239.0.0.1:1234
#EXTINF:-1 group-title="Junk",Broken engine link
http://127.0.0.1:6878/ace/getstream?id=abc
"""


async def test_the_device_playlist_passes_on_tvg_name_numbers_and_radio_but_not_tvg_shift(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path, RICH)))
    _, _, body = await _playlist(proxy)
    text = body.decode()
    sport, radio = m3u.parse(body).channels
    assert (sport.name, sport.tvg_name, sport.chno, sport.radio) == ("Sport One HD", "Sport_One", "7", False)
    assert (radio.name, radio.tvg_name, radio.chno, radio.radio) == ("Radio X (live)", "Radio X", "1", True)
    assert "tvg-shift" not in text  # the guide applies it; passing it on would shift twice
    # The plain stream follows exactly as written, options included; the broken engine link is not passed on.
    assert text.endswith(
        '#EXTINF:-1 tvg-id="plain.tv" group-title="Sport",Plain "quoted" one\n'
        "#EXTVLCOPT:http-user-agent=Mozilla/5.0\n"
        "udp://@239.0.0.1:1234\n"
    )
    assert "Broken engine link" not in text and "id=abc" not in text
    _, _, sport_only = await _playlist(proxy, "?group=Sport")
    assert sport_only.decode().count("#EXTINF") == 2 and "udp://" in sport_only.decode()
    _, _, favourites = await _playlist(proxy, "?favourites=1")
    assert "udp://" not in favourites.decode()


async def test_plain_streams_are_left_out_when_the_person_turns_that_off(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url, plain_streams=False)
    await proxy.service.channels.add(str(write_playlist(tmp_path, RICH)))
    _, _, body = await _playlist(proxy)
    assert "udp://" not in body.decode() and body.decode().count("#EXTINF") == 2


async def test_the_group_is_matched_as_typed_on_a_remote_whatever_its_case_accents_or_spacing(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    playlist = tmp_path / "groups.m3u"
    playlist.write_text(
        "#EXTM3U\n"
        '#EXTINF:-1 group-title="Télé Sport",Canal Un\nacestream://' + "1" * 40 + "\n"
        '#EXTINF:-1 group-title="TÉLÉ  SPORT",Canal Deux\nacestream://' + "2" * 40 + "\n"
        '#EXTINF:-1 group-title="Télé",Canal Trois\nacestream://' + "3" * 40 + "\n",
        encoding="utf-8",
    )
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(playlist))
    for typed in ("tele sport", "Tele%20Sport", "T%C3%A9l%C3%A9%20Sport", "%20TELE%20%20sport%20"):
        _, _, body = await _playlist(proxy, f"?group={typed}")
        assert [c.name for c in m3u.parse(body).channels] == ["Canal Un", "Canal Deux"], typed
    _, _, none = await _playlist(proxy, "?group=sport")  # loosely equal, not a substring
    assert m3u.parse(none).channels == ()
