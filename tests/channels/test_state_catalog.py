"""Playlists and favourites as values: merging, lookups, search, and refresh outcomes."""

from __future__ import annotations

import dataclasses

import pytest

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.model import Channel
from desktop.streaming.channels.names import fold, natural_key
from desktop.streaming.channels.state import ChannelsState, PlaylistState

A = "a" * 40
B = "b" * 40
C = "c" * 40


def m3u(*entries: tuple[str, str, str]) -> str:
    """A playlist of (title, group, link) entries."""
    lines = ["#EXTM3U"]
    for title, group, link in entries:
        lines += [f'#EXTINF:-1 group-title="{group}",{title}', link]
    return "\n".join(lines)


def loaded(state: ChannelsState, source: str, text: str, now: float = 100.0) -> ChannelsState:
    state = state.with_playlist(source)
    playlist = state.playlist(source)
    assert playlist is not None
    return state.with_update(playlist.succeeded(parse(text), now))


@pytest.fixture
def two_playlists() -> ChannelsState:
    state = loaded(
        ChannelsState(),
        "http://one.example/list.m3u",
        m3u(("Sport 1", "Sport", f"acestream://{A}"), ("Новости 24", "Новости", f"acestream://{B}")),
    )
    return loaded(
        state,
        "/home/me/two.m3u",
        m3u(("Other name for B", "Misc", f"ace://{B}"), ("Music TV", "Music", f"infohash://{C}")),
    )


def test_merged_list_keeps_playlist_order_and_the_first_playlist_wins(two_playlists) -> None:
    catalog = two_playlists.catalog
    assert [c.name for c in catalog.channels] == ["Sport 1", "Новости 24", "Music TV"]
    assert catalog.get(("id", B)).playlist == "http://one.example/list.m3u"
    assert catalog.get(("infohash", C)).playlist == "/home/me/two.m3u"


def test_lookup_by_kind_and_id_gives_names_and_unknown_keys_give_none(two_playlists) -> None:
    catalog = two_playlists.catalog
    assert catalog.name_for(("id", A)) == "Sport 1"
    assert catalog.name_for(("infohash", A)) is None  # same hex, other kind: not that channel
    assert catalog.name_for(("id", "d" * 40)) is None


def test_search_matches_name_and_group_ignoring_case_in_any_script(two_playlists) -> None:
    def names(found: tuple[Channel, ...]) -> list[str]:
        return [c.name for c in found]

    assert names(two_playlists.search("sport")) == ["Sport 1"]
    assert names(two_playlists.search("НОВОСТИ")) == ["Новости 24"]
    assert names(two_playlists.search("music")) == ["Music TV"]
    assert names(two_playlists.search("  ")) == ["Sport 1", "Новости 24", "Music TV"]
    assert names(two_playlists.search("tv music")) == ["Music TV"]  # every word, any order
    assert names(two_playlists.search("sport news")) == []


def test_search_ignores_accents_both_ways_and_names_sort_as_people_read_numbers() -> None:
    catalog = Catalog.merge(
        [[Channel("Télé Cinq", "Français", "", "", "id", A), Channel("Ñandú TV", "Niños", "", "", "id", B)]]
    )
    assert [c.name for c in catalog.search("tele cinq")] == ["Télé Cinq"]
    assert [c.name for c in catalog.search("TÉLÉ")] == ["Télé Cinq"]
    assert [c.name for c in catalog.search("nandu ninos")] == ["Ñandú TV"]
    assert fold("Straße Ça") == "strasse ca"
    shuffled = ["Sport 131", "sport 9", "Sport", "Sport 87", "Sport 10"]
    assert sorted(shuffled, key=natural_key) == ["Sport", "sport 9", "Sport 10", "Sport 87", "Sport 131"]


def test_each_group_counts_its_channels(two_playlists) -> None:
    assert dict(two_playlists.catalog.group_sizes) == {"Sport": 1, "Новости": 1, "Music": 1}
    catalog = Catalog.merge([[Channel(f"S{n}", "Sport", "", "", "id", f"{n:040x}") for n in range(3)]])
    assert dict(catalog.group_sizes) == {"Sport": 3}


def test_a_word_does_not_match_across_name_and_group() -> None:
    catalog = Catalog.merge([[Channel("Ab", "cd", "", "", "id", A)]])
    assert catalog.search("bc") == ()
    assert len(catalog.search("b c")) == 1


def test_search_within_a_group_and_within_favourites(two_playlists) -> None:
    state = two_playlists.with_favourite(("infohash", C))
    assert [c.name for c in state.search(group="Sport")] == ["Sport 1"]
    assert [c.name for c in state.search(favourites_only=True)] == ["Music TV"]
    assert state.search("sport", favourites_only=True) == ()
    assert state.catalog.groups() == ("Sport", "Новости", "Music")


def test_favourites_toggle_and_keep_the_built_catalog(two_playlists) -> None:
    catalog = two_playlists.catalog
    starred = two_playlists.with_favourite(("id", A))
    assert starred.is_favourite(("id", A)) and not two_playlists.is_favourite(("id", A))
    assert starred.catalog is catalog
    assert not starred.with_favourite(("id", A), on=False).is_favourite(("id", A))


def test_epg_urls_of_all_playlists_are_merged_without_repeats() -> None:
    state = loaded(ChannelsState(), "one", f'#EXTM3U url-tvg="http://e/1.xml"\n{A}')
    state = loaded(state, "two", f'#EXTM3U x-tvg-url="http://e/1.xml,http://e/2.xml"\n{B}')
    assert state.catalog.epg_urls == ("http://e/1.xml", "http://e/2.xml")


def test_a_good_refresh_replaces_the_copy_and_clears_the_error() -> None:
    playlist = PlaylistState("src", error="old problem")
    fresh = playlist.succeeded(parse(f"{A}\nhttp://plain/stream\n{A}"), now=5.0)
    assert [c.id for c in fresh.channels] == [A]
    assert (fresh.error, fresh.updated_at, fresh.checked_at) == (None, 5.0, 5.0)
    fresh = playlist.succeeded(parse(f"{A}\nhttp://plain/stream\nacestream://short\n{A}"), now=5.0)
    assert (fresh.skipped, fresh.duplicates, len(fresh.streams)) == (1, 1, 1)
    assert fresh.note() == (
        "1 plain stream is passed on as it is; 1 entry is not a valid AceStream link; 1 entry repeats a channel."
    )
    assert fresh.channels[0].playlist == "src"


def test_a_failed_or_empty_refresh_keeps_the_previous_channels() -> None:
    good = PlaylistState("src").succeeded(parse(A), now=1.0)
    failed = good.failed("The server answered 404 Not Found.", now=2.0)
    assert failed.channels == good.channels
    assert (failed.error, failed.updated_at, failed.checked_at) == (
        "The server answered 404 Not Found.",
        1.0,
        2.0,
    )
    empty = good.succeeded(parse("#EXTM3U\nhttp://plain/1\nhttp://plain/2\n"), now=3.0)
    assert empty.channels == good.channels
    assert empty.error is not None and "no AceStream links (2 entries" in empty.error
    nothing = good.succeeded(parse(""), now=3.0)
    assert nothing.error is not None and "no entries" in nothing.error


def test_a_playlist_removed_during_its_refresh_stays_removed() -> None:
    state = ChannelsState().with_playlist("src")
    refreshing = state.playlist("src")
    assert refreshing is not None
    state = state.without_playlist("src")
    assert state.with_update(refreshing.succeeded(parse(A), 1.0)).playlists == ()


def test_adding_twice_keeps_one_and_a_run_only_playlist_can_become_saved() -> None:
    state = ChannelsState().with_playlist("src", saved=False)
    assert state.with_playlist("src", saved=False) is state
    kept = state.with_playlist("src")
    assert [p.saved for p in kept.playlists] == [True]
    assert kept.with_playlist("src", saved=False) is kept  # never demoted


def test_snapshots_are_immutable(two_playlists) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        two_playlists.playlists = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        two_playlists.catalog._by_key[("id", A)] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        two_playlists.catalog.channels[0].name = "x"  # type: ignore[misc]
