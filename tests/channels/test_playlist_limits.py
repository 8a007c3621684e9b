"""A huge playlist costs bounded memory: at most 50,000 channels and 200-character names, the rest told."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.streaming.channels.m3u import MAX_CHANNELS, MAX_NAME, parse
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.channels.store import ChannelStore


def playlist(channels: int, name: str = "Channel {n}") -> str:
    lines = ["#EXTM3U"]
    for n in range(channels):
        lines += [f"#EXTINF:-1,{name.format(n=n)}", f"acestream://{n:040x}"]
    return "\n".join(lines)


def test_the_first_50000_channels_are_kept_and_the_rest_counted_and_told() -> None:
    parsed = parse(playlist(MAX_CHANNELS + 3) + "\n#EXTINF:-1,Again\nacestream://" + f"{0:040x}")
    assert len(parsed.channels) == MAX_CHANNELS == 50_000
    assert parsed.channels[-1].name == f"Channel {MAX_CHANNELS - 1}"  # playlist order: the first ones stay
    assert (parsed.over_limit, parsed.duplicates) == (3, 1)
    state = PlaylistState("list.m3u").succeeded(parsed, now=1.0)
    assert state.note() == "1 entry repeats a channel; 3 channels past the first 50,000 left out."
    assert state.left_out == 4


def test_long_names_are_cut_to_200_characters_and_counted() -> None:
    parsed = parse(playlist(3, name="{n} " + "x" * 1000))
    assert [len(c.name) for c in parsed.channels] == [MAX_NAME] * 3 == [200] * 3
    assert parsed.channels[1].name.startswith("1 xxx")
    assert PlaylistState("a").succeeded(parsed, now=1.0).note() == "3 names cut to 200 characters."


def test_the_counts_are_saved_with_the_playlist(tmp_path: Path) -> None:
    store = ChannelStore(tmp_path)
    parsed = parse(playlist(12, name="{n} " + "y" * 300), max_channels=10)
    state = PlaylistState("list.m3u").succeeded(parsed, now=1.0)
    assert (state.over_limit, state.shortened) == (2, 10)
    store.save(ChannelsState((state,)))
    assert store.load().state.playlists == (state,)


def test_a_copy_saved_before_the_limits_is_held_to_them(tmp_path: Path) -> None:
    # A file written by an older AceTray (or by hand) with too many channels and a long name.
    rows = [[f"Channel {n}", "", "", "", "id", f"{n:040x}"] for n in range(MAX_CHANNELS + 5)]
    rows[0][0] = "w" * 500
    saved = {"format": 1, "playlists": [{"source": "list.m3u", "channels": rows, "skipped": 1}]}
    store = ChannelStore(tmp_path)
    store.playlists_path.write_text(json.dumps(saved))
    (loaded,) = store.load().state.playlists
    assert len(loaded.channels) == MAX_CHANNELS and loaded.channels[-1].name == f"Channel {MAX_CHANNELS - 1}"
    assert (loaded.over_limit, loaded.skipped) == (5, 1)
    assert loaded.channels[0].name == "w" * MAX_NAME and loaded.shortened == 1
