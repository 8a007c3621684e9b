"""The playlist parser on playlists shaped like the ones people really have."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.streaming.channels.links import parse_link
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.model import Channel, elide_id

FIXTURES = Path(__file__).parent / "fixtures"
SPORT1 = "1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a"
HASH = "9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def by_id(channels: tuple[Channel, ...]) -> dict[tuple[str, str], Channel]:
    return {c.key: c for c in channels}


def test_fixture_with_bom_and_crlf_is_really_stored_that_way() -> None:
    data = fixture("sports_bom_crlf.m3u")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data


def test_bom_and_crlf_do_not_leak_into_names_ids_or_the_header() -> None:
    playlist = parse(fixture("sports_bom_crlf.m3u"))
    assert playlist.header[0] == ("url-tvg", "http://epg.example.org/guide.xml.gz")
    assert playlist.epg_urls == ("http://epg.example.org/guide.xml.gz",)
    for channel in playlist.channels:
        assert "\r" not in channel.name and "\ufeff" not in channel.name
    first = playlist.channels[0]
    assert first == Channel(
        name="Sport 1 HD, Germany",
        group="Sport",
        logo="http://logos.example.org/sport1.png",
        tvg_id="sport1.de",
        kind="id",
        id=SPORT1,
        tvg_name="Sport 1",
    )


def test_title_is_everything_after_the_first_comma_outside_quotes() -> None:
    names = [c.name for c in parse(fixture("sports_bom_crlf.m3u")).channels]
    assert names == ["Sport 1 HD, Germany", 'Match "of the day", live', "Football: A vs B (1080p)"]
    channels = parse(fixture("names_fallback.m3u")).channels
    assert channels[1].name == "Title with , comma"  # the comma inside tvg-name="…" is not it


def test_quoted_attribute_values_keep_their_commas() -> None:
    football = parse(fixture("sports_bom_crlf.m3u")).channels[2]
    assert football.group == "Football, Europe"


def test_an_unbalanced_quote_falls_back_to_the_first_comma() -> None:
    channels = parse(fixture("names_fallback.m3u")).channels
    assert channels[2].name == "so the first comma ends it,Title after it"


def test_the_same_bytes_parse_alike_with_lf_crlf_bom_and_as_text() -> None:
    lf = fixture("world_mixed.m3u")
    variants = [lf, lf.replace(b"\n", b"\r\n"), b"\xef\xbb\xbf" + lf, lf.decode("utf-8")]
    variants.append("\ufeff" + lf.decode("utf-8"))
    results = [parse(v) for v in variants]
    assert all(r == results[0] for r in results)


def test_any_script_in_titles_and_groups() -> None:
    channels = by_id(parse(fixture("world_mixed.m3u")).channels)
    assert channels[("id", "4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f")].name == "Первый канал"
    aljazeera = channels[("id", "5e7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a")]
    assert (aljazeera.name, aljazeera.group) == ("قناة الجزيرة", "الأخبار")
    assert channels[("id", "6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a")].name == "CCTV-4 中文国际"
    assert channels[("infohash", "7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c")].name == "Cinema ★ 🎬"


def test_every_entry_form_is_read_and_ids_are_lower_case() -> None:
    keys = [c.key for c in parse(fixture("world_mixed.m3u")).channels]
    assert keys == [
        ("id", "4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f"),  # ace://
        ("id", "5e7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a"),  # getstream?id=
        ("id", "6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"),  # getstream?content_id=, upper case
        ("infohash", "7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c"),  # https getstream?infohash=
        ("id", "8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d"),  # manifest.m3u8?id=
        ("infohash", HASH),  # infohash://
        ("id", HASH),  # acestream:// with the same hex
        ("id", "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"),  # a bare id in upper case
    ]


def test_a_content_id_and_an_infohash_with_the_same_hex_are_two_channels() -> None:
    channels = by_id(parse(fixture("world_mixed.m3u")).channels)
    assert channels[("infohash", HASH)].name == "Music by infohash"
    assert channels[("id", HASH)].name == "Same hex as a content id"


def test_invalid_ids_are_skipped_and_counted_and_plain_streams_kept_as_written() -> None:
    world = parse(fixture("world_mixed.m3u"))
    assert world.skipped == 2  # engine link without id, short id: never passed on (they name the engine)
    assert all(c.group != "Junk" for c in world.channels)
    assert [(s.group, s.lines) for s in world.streams] == [
        ("Junk", ('#EXTINF:-1 group-title="Junk",A plain HTTP stream', "http://tv.example.net/live/stream.m3u8")),
        ("Junk", ('#EXTINF:-1 group-title="Junk",An RTMP stream', "rtmp://tv.example.net/live")),
    ]
    sports = parse(fixture("sports_bom_crlf.m3u"))
    assert sports.skipped == 1  # acestream://not-a-valid-id
    assert sports.entries == 5


def test_a_repeated_channel_keeps_its_first_name_and_is_counted() -> None:
    world = parse(fixture("world_mixed.m3u"))
    assert world.duplicates == 1
    first = by_id(world.channels)[("id", "4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f")]
    assert (first.name, first.group) == ("Первый канал", "Россия")
    sports = parse(fixture("sports_bom_crlf.m3u"))
    assert by_id(sports.channels)[("id", SPORT1)].name == "Sport 1 HD, Germany"
    assert sports.duplicates == 1


def test_extgrp_gives_the_group_when_group_title_does_not() -> None:
    channels = by_id(parse(fixture("world_mixed.m3u")).channels)
    assert channels[("id", "6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a")].group == "China"


def test_group_title_wins_over_extgrp_and_both_describe_only_the_next_entry() -> None:
    text = (
        '#EXTM3U\n#EXTINF:-1 group-title="Explicit",One\n#EXTGRP:Other\n'
        f"acestream://{'1' * 40}\n#EXTINF:-1,Two\nacestream://{'2' * 40}\n"
    )
    one, two = parse(text).channels
    assert (one.group, two.group) == ("Explicit", "")


def test_tvg_name_names_a_channel_whose_title_is_empty_and_unquoted_values_are_read() -> None:
    channel = parse(fixture("names_fallback.m3u")).channels[0]
    assert (channel.name, channel.tvg_id, channel.group) == ("Named by tvg-name", "News.One", "News")


def test_entries_without_extinf_get_empty_names_and_stale_info_is_not_reused() -> None:
    channels = parse(fixture("names_fallback.m3u")).channels
    assert channels[3].name == ""  # "#EXTINF:-1," gives no title
    assert channels[4].name == "The later EXTINF counts"
    assert channels[5].name == ""  # no EXTINF of its own


def test_a_playlist_of_bare_ids_without_header_with_blank_lines_anywhere() -> None:
    playlist = parse(fixture("bare_ids.m3u"))
    assert [c.id for c in playlist.channels] == [
        "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        "ffeeddccbbaa99887766554433221100ffeeddcc",
    ]
    assert (playlist.header, playlist.epg_urls, playlist.skipped) == ((), (), 0)


def test_header_attributes_are_kept_epg_urls_split_deduplicated_and_repeated_headers_merged() -> None:
    world = parse(fixture("world_mixed.m3u"))
    assert world.epg_urls == ("http://epg.example.net/a.xml", "http://epg.example.net/b.xml")
    assert dict(world.header)["x-tvg-url"].startswith("http://epg.example.net/a.xml")
    names = parse(fixture("names_fallback.m3u"))
    assert names.epg_urls == ("http://second.example/epg.xml",)


def test_junk_never_raises() -> None:
    junk = b'\x00\xff\xfe garbage\n#EXTINF:\n#EXTINF:-1 tvg-name="\n,\n"\nhttp://[::1\n' * 50
    playlist = parse(junk)
    assert playlist.channels == ()
    assert playlist.skipped > 0
    assert parse(b"") == parse("")


def test_an_invalid_utf8_byte_costs_one_character_not_the_playlist() -> None:
    data = f"#EXTINF:-1,Caf\xe9 bad byte\nacestream://{'a' * 40}\n".encode("latin-1")
    (channel,) = parse(data).channels
    assert channel.name == "Caf\ufffd bad byte"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (f"acestream://{'A' * 40}", ("id", "a" * 40)),
        (f"AceStream://{'a' * 40}/?x=1", ("id", "a" * 40)),
        (f"ace://{'b' * 40}", ("id", "b" * 40)),
        (f"infohash://{'c' * 40}", ("infohash", "c" * 40)),
        ("d" * 40, ("id", "d" * 40)),
        (f"http://h:1/ace/getstream?id={'e' * 40}", ("id", "e" * 40)),
        (f"http://h:1/ace/getstream?pid=1&content_id={'e' * 40}", ("id", "e" * 40)),
        (f"HTTPS://h.example:443/ace/getstream/?infohash={'f' * 40}", ("infohash", "f" * 40)),
        (f"http://[::1]:6878/ace/manifest.m3u8?id={'0' * 40}", ("id", "0" * 40)),
        (f"http://h/ACE/GetStream?ID={'1' * 40}&id=x", ("id", "1" * 40)),  # first one counts
        (f"http://h:1/ace/getstream?infohash={'2' * 40}&content_id={'3' * 40}", ("id", "3" * 40)),
    ],
)
def test_accepted_link_forms(line: str, key: tuple[str, str]) -> None:
    assert parse_link(line) == key


@pytest.mark.parametrize(
    "line",
    [
        "a" * 39,
        "g" * 40,
        "acestream://",
        f"acestream://{'a' * 41}",
        f"magnet:?xt=urn:btih:{'a' * 40}",
        "http://tv.example/live.ts",
        f"http://h:1/other/getstream?id={'a' * 40}",
        "http://h:1/ace/getstream?id=xyz",
        "http://[broken/ace/getstream",
        f"http://h:1/ace/getstream?pid={'a' * 40}",
        f"http://h:1/ace/getstream?id=bad&infohash={'a' * 40}",  # the id decides, and it is bad
        f"http://h:1/ace/getstream#id={'a' * 40}",
        "/home/user/video.ts",
    ],
)
def test_rejected_link_forms(line: str) -> None:
    assert parse_link(line) is None


def test_an_unknown_id_is_shown_elided_in_the_middle() -> None:
    assert elide_id("0123456789abcdef0123456789abcdef01234567") == "01234567…01234567"
    assert elide_id("short") == "short"


def test_only_cr_and_lf_end_lines_not_other_separators_a_title_may_hold() -> None:
    text = f"#EXTINF:-1,One\u2028Two\x0cThree\x85Four\r#EXTGRP:G\racestream://{'a' * 40}"
    (channel,) = parse(text).channels
    assert (channel.name, channel.group) == ("One\u2028Two\x0cThree\x85Four", "G")


def test_a_repeated_attribute_keeps_its_first_value_and_names_ignore_case() -> None:
    text = f'#EXTINF:-1 TVG-ID="first" tvg-id="second" Group-Title=" spaced ",x\n{"a" * 40}'
    (channel,) = parse(text).channels
    assert (channel.tvg_id, channel.group) == ("first", "spaced")


def test_channels_can_be_stamped_with_their_playlist() -> None:
    channels = parse(fixture("bare_ids.m3u"), playlist="/lists/a.m3u").channels
    assert {c.playlist for c in channels} == {"/lists/a.m3u"}


@pytest.mark.parametrize(
    "junk",
    [
        "a" * 200_000 + '"',  # a long run of name characters with no "="
        "a" + " " * 200_000 + "b",
        'a="' + "x" * 200_000,  # a quote that never closes
        "a=" * 100_000,
        'a"b' * 70_000,
    ],
)
def test_a_huge_junk_line_is_read_in_linear_time(junk: str) -> None:
    # Quadratic regexes took minutes on lines like these; the suite's timeout
    # is what fails here, no timing is asserted.
    text = f"#EXTM3U {junk}\n#EXTINF:-1 {junk}\nacestream://{junk}\n{'a' * 40}\n"
    assert len(parse(text).channels) == 1


def test_tvg_shift_is_read_per_entry_or_from_the_header_and_nonsense_is_no_shift() -> None:
    ids = ["a" * 40, "b" * 40, "c" * 40, "d" * 40]
    text = (
        '#EXTM3U tvg-shift="+2"\n'
        f"#EXTINF:-1,Header shift\nacestream://{ids[0]}\n"
        f'#EXTINF:-1 tvg-shift="-1.5",Own shift\nacestream://{ids[1]}\n'
        f'#EXTINF:-1 tvg-shift="soon",Nonsense\nacestream://{ids[2]}\n'
        f'#EXTINF:-1 tvg-shift="300",Beyond a day\nacestream://{ids[3]}\n'
    )
    assert [c.tvg_shift for c in parse(text).channels] == [2.0, -1.5, 0.0, 0.0]
