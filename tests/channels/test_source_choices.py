"""A person's source choices (order, detach, attach) survive refreshes and restarts; numbers and stars stay put."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.streaming.channels import source_choices
from desktop.streaming.channels.library import ChannelLibrary, SourceRefused
from desktop.streaming.channels.source_choices import SourceChoices
from desktop.streaming.channels.store import ChannelStore
from desktop.streaming.ids import ChannelKey


def key(n: int) -> ChannelKey:
    return ChannelKey("id", f"{n:040x}")


def write_playlist(path: Path, *entries: tuple[str, int]) -> None:
    lines = ["#EXTM3U"]
    for title, n in entries:
        lines += [f"#EXTINF:-1,{title}", f"acestream://{n:040x}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


SPORT = [("Sport 1", 1), ("Sport 1 HD", 2), ("Sport 1 (backup)", 3), ("News", 4), ("Sport One", 5)]


async def opened(folder: Path) -> ChannelLibrary:
    lib = ChannelLibrary(ChannelStore(folder))
    await lib.load()
    return lib


def sources(lib: ChannelLibrary, channel: ChannelKey) -> list[ChannelKey]:
    return [s.key for s in lib.state.catalog.sources_of(channel)]


def titles(lib: ChannelLibrary) -> list[str]:
    return [c.name for c in lib.state.catalog.channels]


@pytest.fixture
def playlist_file(tmp_path: Path) -> Path:
    path = tmp_path / "list.m3u"
    write_playlist(path, *SPORT)
    return path


async def test_reorder_detach_and_attach_survive_a_refresh_and_a_restart(tmp_path: Path, playlist_file: Path) -> None:
    folder = tmp_path / "config"
    lib = await opened(folder)
    await lib.add(str(playlist_file))
    assert titles(lib) == ["Sport 1", "News", "Sport One"]
    assert sources(lib, key(1)) == [key(1), key(2), key(3)]

    await lib.detach_source(key(2))
    await lib.attach_source(key(5), key(1))
    assert sources(lib, key(1)) == [key(1), key(3), key(5)]
    await lib.reorder_sources(key(1), [key(5), key(3), key(1)])
    expected_sources = [key(5), key(3), key(1)]
    assert titles(lib) == ["Sport 1", "Sport 1 HD", "News"]
    assert sources(lib, key(1)) == expected_sources

    await lib.refresh(str(playlist_file))  # the same entries again: the choices hold
    assert titles(lib) == ["Sport 1", "Sport 1 HD", "News"]
    assert sources(lib, key(1)) == expected_sources

    later = await opened(folder)  # the next start, offline
    assert titles(later) == ["Sport 1", "Sport 1 HD", "News"]
    assert sources(later, key(1)) == expected_sources
    # A playlist that lists the sources in another order keeps the person's.
    write_playlist(playlist_file, *reversed(SPORT))
    await later.refresh(str(playlist_file))
    assert sources(later, key(1)) == expected_sources


async def test_a_source_joining_later_comes_after_the_persons_order(tmp_path: Path, playlist_file: Path) -> None:
    lib = await opened(tmp_path / "config")
    await lib.add(str(playlist_file))
    await lib.reorder_sources(key(1), [key(2), key(1), key(3)])
    write_playlist(playlist_file, *SPORT, ("SPORT 1 FHD", 9))
    await lib.refresh(str(playlist_file))
    assert sources(lib, key(1)) == [key(2), key(1), key(3), key(9)]


async def test_a_grouped_channel_keeps_the_number_of_its_first_source_and_a_detached_one_gets_its_own_back(
    tmp_path: Path, playlist_file: Path
) -> None:
    folder = tmp_path / "config"
    # Before grouping, each entry was a channel with a number of its own (channel_numbers.json of a release before).
    folder.mkdir()
    old = [[k.kind, k.content_id, str(n)] for n, k in enumerate([key(1), key(2), key(3), key(4), key(5)], start=1)]
    (folder / "channel_numbers.json").write_text(json.dumps({"format": 1, "numbers": old}))
    lib = await opened(folder)
    await lib.add(str(playlist_file))
    state = lib.state
    assert [(c.name, state.number_of(c.key)) for c in state.catalog.channels] == [
        ("Sport 1", "1"),
        ("News", "4"),
        ("Sport One", "5"),
    ]
    await lib.detach_source(key(2))
    assert lib.state.number_of(key(2)) == "2"  # kept in reserve while it was a source of Sport 1
    await lib.reorder_sources(key(1), [key(3), key(1)])
    assert lib.state.number_of(key(1)) == "1"  # the order of its sources does not move a channel


async def test_a_star_on_a_backup_marks_its_channel_and_unstarring_takes_every_star_off(
    tmp_path: Path, playlist_file: Path
) -> None:
    lib = await opened(tmp_path / "config")
    await lib.add(str(playlist_file))
    await lib.set_favourite(key(2), True)  # starred by a backup's id (the page, an old favourites.json)
    state = lib.state
    assert state.is_favourite(key(1)) and state.is_favourite(key(3))
    assert [c.name for c in state.search(favourites_only=True)] == ["Sport 1"]
    await lib.set_favourite(key(3), False)
    assert not lib.state.is_favourite(key(1))
    assert lib.state.favourites == frozenset()


async def test_changes_that_cannot_be_made_are_refused_with_a_sentence(tmp_path: Path, playlist_file: Path) -> None:
    lib = await opened(tmp_path / "config")
    await lib.add(str(playlist_file))
    with pytest.raises(SourceRefused, match="of its own already"):
        await lib.detach_source(key(4))
    with pytest.raises(SourceRefused, match="Sport 1 already"):
        await lib.attach_source(key(2), key(1))
    with pytest.raises(SourceRefused, match="changed meanwhile"):
        await lib.reorder_sources(key(1), [key(2), key(1)])  # one missing
    with pytest.raises(SourceRefused, match="no longer in the playlists"):
        await lib.attach_source(key(77), key(1))


def test_the_choices_file_reads_back_what_was_written_and_refuses_what_is_not_ours() -> None:
    choices = SourceChoices().reordered(key(1), [key(3), key(1)]).detach(key(2)).attach(key(5), key(1))
    again = source_choices.decode(json.loads(json.dumps(source_choices.encode(choices))))
    assert (dict(again.order), again.detached, dict(again.attached)) == (
        {key(1): (key(3), key(1))},
        frozenset({key(2)}),
        {key(5): key(1)},
    )
    for broken in ({"format": 2}, {"format": 1, "detached": [["id", "xyz"]]}, {"format": 1, "order": [[1, 2]]}):
        with pytest.raises(ValueError):
            source_choices.decode(broken)


async def test_a_broken_choices_file_is_put_aside_and_the_channels_are_grouped_automatically(
    tmp_path: Path, playlist_file: Path
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "channel_sources.json").write_text("{not json")
    lib = ChannelLibrary(ChannelStore(folder))
    problems = await lib.load()
    assert any("channel sources" in p for p in problems)
    await lib.add(str(playlist_file))
    assert sources(lib, key(1)) == [key(1), key(2), key(3)]


async def test_a_playlist_that_lists_a_channels_entries_in_a_new_order_moves_neither_its_number_nor_its_guide(
    tmp_path: Path, playlist_file: Path
) -> None:
    from desktop.streaming.channels.guide_id import xmltv_id

    lib = await opened(tmp_path / "config")
    await lib.add(str(playlist_file))
    sport = lib.state.catalog.get(key(1))
    assert sport is not None
    before = (lib.state.number_of(sport.key), xmltv_id(sport.key), sport.name)
    write_playlist(playlist_file, ("Sport 1 (backup)", 3), ("Sport 1 HD", 2), ("Sport 1", 1), ("News", 4))
    await lib.refresh(str(playlist_file))
    again = lib.state.catalog.get(key(3))
    assert again is not None
    assert (lib.state.number_of(again.key), xmltv_id(again.key), again.name) == before
    assert sources(lib, key(1)) == [key(3), key(2), key(1)]  # tried first seen first, as listed now


async def test_stars_given_to_two_entries_before_they_were_grouped_count_once_in_the_order_starred(
    tmp_path: Path, playlist_file: Path
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    stars = [["id", f"{n:040x}"] for n in (2, 4, 1)]  # a backup, News, then the first entry: one channel twice
    (folder / "favourites.json").write_text(json.dumps({"format": 1, "favourites": stars}))
    lib = await opened(folder)
    await lib.add(str(playlist_file))
    assert lib.state.starred_channels == (key(1), key(4))  # what "keep the first N favourites ready" walks
