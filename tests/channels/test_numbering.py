"""Channel numbers: one per channel, unique, from the playlist when it gives one, and never moving."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.streaming.channels.library import ChannelLibrary
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.numbering import EMPTY_NUMBERS, NumberRefused, normalize_number
from desktop.streaming.channels.store import ChannelStore
from desktop.streaming.ids import ChannelKey


def hexid(n: int) -> str:
    return f"{n:040x}"


def key(n: int) -> ChannelKey:
    return ChannelKey("id", hexid(n))


def entry(n: int, name: str, attributes: str = "") -> str:
    return f"#EXTINF:-1 {attributes},{name}\nacestream://{hexid(n)}\n"


def numbers_of(text: str, numbers=EMPTY_NUMBERS) -> dict[str, str]:  # type: ignore[no-untyped-def]
    channels = parse("#EXTM3U\n" + text).channels
    given = numbers.assigned(channels)
    return {c.name: given.number_of(c.key) for c in channels}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", "7"),
        ("007", "7"),
        (" 12 ", "12"),
        ("5.1", "5.1"),
        ("05.01", "5.1"),
        ("0", None),
        ("-3", None),
        ("5.0", None),
        ("1.2.3", None),
        ("4a", None),
        ("", None),
        ("١٢", None),  # Arabic-Indic digits are not what an app's number pad types
        ("9999999", None),
    ],
)
def test_a_channel_number_is_a_positive_whole_number_or_a_dotted_sub_number(text: str, expected: str | None) -> None:
    assert normalize_number(text) == expected


def test_the_playlists_own_numbers_are_used_and_the_rest_numbered_in_order_around_them() -> None:
    text = (
        entry(1, "One", 'tvg-chno="2"')
        + entry(2, "Two")
        + entry(3, "Three", 'channel-number="5.1"')
        + entry(4, "Four", 'tvg-chno="2"')  # a repeat: the first keeps 2
        + entry(5, "Five", 'tvg-chno="news"')  # not a number: ignored
        + entry(6, "Six")
        + entry(7, "Seven")
        + entry(8, "Eight")
    )
    assert numbers_of(text) == {
        "One": "2",
        "Two": "1",
        "Three": "5.1",
        "Four": "3",
        "Five": "4",
        "Six": "6",  # 5 is 5.1's: a new channel never lands between a channel's sub-numbers
        "Seven": "7",
        "Eight": "8",
    }


def test_numbers_are_unique() -> None:
    text = "".join(entry(n, f"C{n}", f'tvg-chno="{n % 3 + 1}"' if n % 2 else "") for n in range(1, 60))
    numbers = list(numbers_of(text).values())
    assert len(numbers) == len(set(numbers)) == 59


async def _library(folder: Path) -> ChannelLibrary:
    library = ChannelLibrary(ChannelStore(folder))
    await library.load()
    return library


def _write(folder: Path, text: str) -> Path:
    path = folder / "tv.m3u"
    path.write_text("#EXTM3U\n" + text, encoding="utf-8")
    return path


def _shown(library: ChannelLibrary) -> dict[str, str]:
    state = library.state
    return {c.name: state.number_of(c.key) for c in state.catalog.channels}


async def test_numbers_survive_a_restart_and_a_refresh_that_reorders_the_playlist(tmp_path: Path) -> None:
    config = tmp_path / "config"
    playlist = _write(tmp_path, entry(1, "One") + entry(2, "Two") + entry(3, "Three"))
    library = await _library(config)
    await library.add(str(playlist))
    assert _shown(library) == {"One": "1", "Two": "2", "Three": "3"}
    await library.close()

    # The site reorders the list, drops one, adds one and now numbers "Two" itself.
    _write(tmp_path, entry(4, "Four") + entry(3, "Three") + entry(2, "Two", 'tvg-chno="1"'))
    library = await _library(config)  # a restart: the numbers come from the config folder
    assert _shown(library) == {"One": "1", "Two": "2", "Three": "3"}
    await library.refresh(str(playlist))
    # Stored numbers win over a later tvg-chno; the new channel gets the next free number,
    # not One's: One keeps it in reserve and gets it back when it returns.
    assert _shown(library) == {"Four": "4", "Three": "3", "Two": "2"}
    _write(tmp_path, entry(1, "One") + entry(2, "Two"))
    await library.refresh(str(playlist))
    assert _shown(library) == {"One": "1", "Two": "2"}
    saved = json.loads((config / "channel_numbers.json").read_text())
    assert saved["numbers"][:2] == [["id", hexid(1), "1"], ["id", hexid(2), "2"]]
    await library.close()


async def test_a_person_renumbers_a_channel_and_a_number_another_channel_holds_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config"
    playlist = _write(tmp_path, entry(1, "One") + entry(2, "Two") + entry(3, "Three", 'tvg-chno="9"'))
    library = await _library(config)
    await library.add(str(playlist))
    assert await library.set_number(key(1), "012") == "12"
    with pytest.raises(NumberRefused, match=r"Number 2 is already Two's\."):
        await library.set_number(key(1), "2")
    with pytest.raises(NumberRefused, match="is not a channel number"):
        await library.set_number(key(1), "twelve")
    assert _shown(library) == {"One": "12", "Two": "2", "Three": "9"}
    await library.close()
    # The person's number stays across a restart and a refresh; a later tvg-chno does not move it.
    _write(tmp_path, entry(1, "One", 'tvg-chno="40"') + entry(2, "Two") + entry(3, "Three"))
    library = await _library(config)
    await library.refresh(str(playlist))
    assert _shown(library) == {"One": "12", "Two": "2", "Three": "9"}
    await library.close()


async def test_a_number_kept_for_a_channel_gone_from_the_playlists_can_be_given_to_another(tmp_path: Path) -> None:
    playlist = _write(tmp_path, entry(1, "One") + entry(2, "Two"))
    library = await _library(tmp_path / "config")
    await library.add(str(playlist))
    _write(tmp_path, entry(2, "Two"))
    await library.refresh(str(playlist))
    assert await library.set_number(key(2), "1") == "1"  # One is gone: its reserved 1 can be given away
    assert library.state.numbers.key_of("1") == key(2) and library.state.numbers.number_of(key(1)) is None
    await library.close()


async def test_a_broken_numbers_file_is_put_aside_and_the_channels_numbered_afresh(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "channel_numbers.json").write_text('{"format": 1, "numbers": [["id", "zz", "1"]]}')
    problems: list[str] = []
    library = ChannelLibrary(ChannelStore(config), on_problem=problems.append)
    await library.load()
    await library.add(str(_write(tmp_path, entry(1, "One"))))
    assert _shown(library) == {"One": "1"}
    assert problems and "channel numbers" in problems[0]
    assert list(config.glob("channel_numbers.broken-*.json"))
    await library.close()
