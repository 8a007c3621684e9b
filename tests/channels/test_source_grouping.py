"""Playlist entries become channels with sources: which entries are one channel, as a table."""

from __future__ import annotations

import pytest

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.model import Channel
from desktop.streaming.ids import ChannelKey


def _id(n: int) -> str:
    return f"{n:040x}"


def playlist(*entries: tuple[str, str] | tuple[str, str, str]) -> str:
    """Entries of (title, tvg-id[, group]); the n-th entry's link is id n+1."""
    lines = ["#EXTM3U"]
    for n, entry in enumerate(entries, start=1):
        title, tvg, group = (*entry, "")[:3]
        attributes = (f' tvg-id="{tvg}"' if tvg else "") + (f' group-title="{group}"' if group else "")
        lines += [f"#EXTINF:-1{attributes},{title}", f"acestream://{_id(n)}"]
    return "\n".join(lines)


def channels_of(text: str) -> list[list[str]]:
    """Each channel as the titles of its sources, in the order they are tried."""
    catalog = Catalog.merge([parse(text).channels])
    return [[s.name for s in catalog.sources_of(c.key)] for c in catalog.channels]


GROUPING = [
    pytest.param(
        [("Sport 1", "sport1.es"), ("Deportes Uno", "sport1.es")],
        [["Sport 1", "Deportes Uno"]],
        id="the same tvg-id is one channel whatever the names",
    ),
    pytest.param(
        [("Sport 1", "Sport1.ES"), ("Sport 1 alt", "sport1.es")],
        [["Sport 1", "Sport 1 alt"]],
        id="tvg-ids compare without case",
    ),
    pytest.param(
        [("Sport 1", ""), ("SPORT 1 HD", ""), ("Sport 1 (backup)", ""), ("ES: Sport 1 FHD", "")],
        [["Sport 1", "SPORT 1 HD", "Sport 1 (backup)", "ES: Sport 1 FHD"]],
        id="case, quality words, backup and a country tag do not count",
    ),
    pytest.param(
        [("Téledeporte", ""), ("Teledeporte HD", "")],
        [["Téledeporte", "Teledeporte HD"]],
        id="accents do not count",
    ),
    pytest.param(
        [("Первый канал", ""), ("ПЕРВЫЙ КАНАЛ HD", ""), ("Первый канал (резерв)", "")],
        [["Первый канал", "ПЕРВЫЙ КАНАЛ HD", "Первый канал (резерв)"]],
        id="Cyrillic names, their case and 'резерв'",
    ),
    pytest.param(
        [("BBC One", ""), ("BBC One +1", ""), ("BBC One HD", ""), ("BBC One +1 HD", "")],
        [["BBC One", "BBC One HD"], ["BBC One +1", "BBC One +1 HD"]],
        id="a timeshift +1 is a channel of its own",
    ),
    pytest.param(
        [("Sport 1", ""), ("Sport 2", "")],
        [["Sport 1"], ["Sport 2"]],
        id="numbers tell channels apart",
    ),
    pytest.param(
        [("Sport 1", "a.tv"), ("Sport 1", "b.tv")],
        [["Sport 1"], ["Sport 1"]],
        id="two different tvg-ids keep the same name apart",
    ),
    pytest.param(
        [("Sport 1", "a.tv"), ("Sport 1 HD", "")],
        [["Sport 1", "Sport 1 HD"]],
        id="one tvg-id among them: the name groups",
    ),
    pytest.param(
        [("Sport 1", ""), ("Sport 1 HD", "a.tv"), ("Sport 1 4K", "b.tv"), ("Sport 1 SD", "")],
        [["Sport 1", "Sport 1 HD", "Sport 1 SD"], ["Sport 1 4K"]],
        id="an entry without a tvg-id joins the first channel of its name",
    ),
    pytest.param(
        [("Sport 1", ""), ("Other", "a.tv"), ("Renamed", "a.tv")],
        [["Sport 1"], ["Other", "Renamed"]],
        id="tvg-id first, then the name",
    ),
    pytest.param(
        [("HD", ""), ("FHD", ""), ("", ""), ("", "")],
        [["HD"], ["FHD"], [""], [""]],
        id="a name of nothing but quality words groups nothing",
    ),
]


@pytest.mark.parametrize(("entries", "expected"), GROUPING)
def test_which_entries_are_one_channel(entries: list[tuple[str, str]], expected: list[list[str]]) -> None:
    assert channels_of(playlist(*entries)) == expected


def test_group_titles_do_not_keep_entries_apart_and_the_first_entry_names_the_channel() -> None:
    text = playlist(("Sport 1", "", "Sport"), ("Sport 1 HD", "", "Backups"))
    text = text.replace('group-title="Sport"', 'group-title="Sport" tvg-logo="http://logo/1.png"')
    catalog = Catalog.merge([parse(text).channels])
    (channel,) = catalog.channels
    assert (channel.name, channel.group, channel.logo, channel.key) == (
        "Sport 1",
        "Sport",
        "http://logo/1.png",
        ChannelKey("id", _id(1)),
    )


def test_sources_come_first_seen_first_across_playlists_and_any_source_finds_its_channel() -> None:
    one = parse(playlist(("News", ""), ("Sport 1 HD", "")), playlist="one").channels
    two = parse(playlist(("Sport 1", ""), ("Sport 1", "")).replace(_id(1), _id(7)), playlist="two").channels
    catalog = Catalog.merge([one, two])
    assert [c.name for c in catalog.channels] == ["News", "Sport 1 HD"]
    sport = catalog.channels[1]
    assert [(s.playlist, s.id) for s in catalog.sources_of(sport.key)] == [("one", _id(2)), ("two", _id(7))]
    keys = [s.key for s in catalog.sources_of(sport.key)]
    assert keys == [ChannelKey("id", _id(2)), ChannelKey("id", _id(7))]  # id 2 again in "two": one entry
    for key in keys:
        assert catalog.get(key) is sport
        assert catalog.name_for(key) == "Sport 1 HD"
    assert len(catalog) == 2


def test_a_playlists_entries_are_counted_as_the_channels_they_are_sources_of(monkeypatch) -> None:
    one = parse(playlist(("News", ""), ("Sport 1 HD", "")), playlist="one").channels
    two = parse(playlist(("Sport 1", ""), ("Sport 1", "")).replace(_id(1), _id(7)), playlist="two").channels
    catalog = Catalog.merge([one, two])
    news, sport = catalog.channels
    # "two" adds two links to Sport 1 HD (one of them a link "one" already has): one channel.
    assert catalog.channels_of(two) == (sport.key,)
    assert catalog.channels_of([*one, *two]) == (news.key, sport.key)
    stranger = parse(playlist(("Elsewhere", "")).replace(_id(1), _id(99))).channels
    assert catalog.channels_of(stranger) == (ChannelKey("id", _id(99)),)  # no channel has it: itself

    # The count is worked out once per catalog and playlist: the window asks at every view (a star, a download).
    counted, real = [], Catalog.channels_of
    monkeypatch.setattr(Catalog, "channels_of", lambda self, entries: counted.append(entries) or real(self, entries))
    assert [catalog.channel_count("two", two) for _ in range(3)] == [1, 1, 1]
    assert len(counted) == 1


def test_a_channel_listed_once_holds_itself_as_its_only_source() -> None:
    catalog = Catalog.merge([parse(playlist(("News", ""))).channels])
    (news,) = catalog.channels
    assert catalog.sources_of(news.key) == (news,)
    assert catalog.sources_of(ChannelKey("id", _id(99))) == ()


def _entry(name: str, n: int, tvg: str = "") -> Channel:
    return Channel(name, "", "", tvg, "id", _id(n))


def test_grouping_50000_entries_keeps_every_entry_once() -> None:
    entries = [_entry(f"Channel-{n // 3}x", n) for n in range(50_000)]
    catalog = Catalog.merge([entries])
    assert len(catalog.channels) == (50_000 + 2) // 3
    assert sum(len(catalog.sources_of(c.key)) for c in catalog.channels) == 50_000
