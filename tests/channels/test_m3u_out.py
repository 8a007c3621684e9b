"""The device playlist reads back as the channels it was made from, with URLs to this proxy."""

from __future__ import annotations

from desktop.streaming.channels import m3u
from desktop.streaming.channels.guide_id import xmltv_id
from desktop.streaming.channels.m3u_out import etag, render
from desktop.streaming.channels.model import Channel

CHANNELS = (
    Channel("Спорт 1, HD", "Sport", "http://logos.example/s1.png", "sport1.ru", "id", "a" * 40),
    Channel('Film "Classics"\nnew line', "Movies", "", "", "infohash", "b" * 40),
)


def url_for(channel: Channel) -> str:
    selector = "infohash" if channel.kind == "infohash" else "id"
    return f"http://192.168.1.20:6880/ace/getstream?{selector}={channel.id}&token=T0k"


def test_what_a_tv_app_reads_back_is_the_same_channels_pointing_at_this_proxy() -> None:
    text = render(CHANNELS, url_for, "http://192.168.1.20:6880/epg.xml?token=T0k")
    parsed = m3u.parse(text)
    assert [(c.name, c.group, c.logo, c.kind, c.id) for c in parsed.channels] == [
        ("Спорт 1, HD", "Sport", "http://logos.example/s1.png", "id", "a" * 40),
        ('Film "Classics" new line', "Movies", "", "infohash", "b" * 40),
    ]
    assert parsed.epg_urls == ("http://192.168.1.20:6880/epg.xml?token=T0k",)
    assert text.count("\n") == 1 + 2 * len(CHANNELS)  # a name never becomes a line of its own
    assert all(line.endswith("&token=T0k") for line in text.splitlines() if line.startswith("http"))


def test_the_etag_changes_with_the_content_and_only_then() -> None:
    first = render(CHANNELS, url_for)
    assert etag(first) == etag(render(CHANNELS, url_for))
    assert etag(first) != etag(render(CHANNELS[:1], url_for))


def test_each_channel_s_tvg_id_is_its_id_in_acetray_s_guide_whatever_its_playlist_said() -> None:
    parsed = m3u.parse(render(CHANNELS, url_for))
    assert [c.tvg_id for c in parsed.channels] == [f"{'a' * 40}.id.acetray", f"{'b' * 40}.infohash.acetray"]
    assert [c.tvg_id for c in parsed.channels] == [xmltv_id(c.key) for c in CHANNELS]


def test_the_header_names_one_guide_for_both_attributes_kodi_and_tivimate_read() -> None:
    header = render(CHANNELS, url_for, "http://h:6880/epg.xml").splitlines()[0]
    assert header == '#EXTM3U url-tvg="http://h:6880/epg.xml" x-tvg-url="http://h:6880/epg.xml"'
