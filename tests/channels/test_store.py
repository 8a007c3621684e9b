"""Playlists and favourites survive a restart; a broken file is kept aside, never fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop import paths
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.channels.store import ChannelStore

A = "a" * 40
B = "b" * 40
FIXTURES = Path(__file__).parent / "fixtures"


def populated() -> ChannelsState:
    state = ChannelsState().with_playlist("http://lists.example/world.m3u")
    state = state.with_playlist("/tmp/run-only.m3u", saved=False)
    world = state.playlists[0].succeeded(parse((FIXTURES / "world_mixed.m3u").read_bytes()), 1.5)
    state = state.with_update(world.failed("The server answered 503 Service Unavailable.", 9.0))
    run_only = state.playlists[1].succeeded(parse(B), 2.0)
    state = state.with_update(run_only)
    return state.with_favourite(("infohash", B)).with_favourite(("id", A))


def test_defaults_when_nothing_was_saved_yet(tmp_path: Path) -> None:
    loaded = ChannelStore(tmp_path).load()
    assert (loaded.state.playlists, loaded.state.favourites, loaded.problems) == ((), frozenset(), ())


def test_saved_playlists_and_favourites_come_back_equal(tmp_path: Path) -> None:
    state = populated()
    ChannelStore(tmp_path).save(state)
    loaded = ChannelStore(tmp_path).load()
    assert loaded.problems == ()
    assert loaded.state.playlists == state.playlists[:1]  # the run-only playlist is not written
    assert loaded.state.favourites == state.favourites
    assert loaded.state.starred == (("infohash", B), ("id", A))  # in the order they were starred
    (world,) = loaded.state.playlists
    assert world.error == "The server answered 503 Service Unavailable."
    assert (world.updated_at, world.checked_at, world.skipped, world.duplicates) == (1.5, 9.0, 2, 1)
    assert world.streams == state.playlists[0].streams and len(world.streams) == 2
    assert world.channels[0].name == "Первый канал" and world.channels[0].playlist == world.source
    assert loaded.state.catalog.get(("infohash", "7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c"))


def test_files_are_utf8_json_in_the_config_folder_by_default(
    private_config_dir: Path,
) -> None:
    ChannelStore().save(populated())
    assert ChannelStore().playlists_path == paths.config_dir() / "playlists.json"
    text = (private_config_dir / "playlists.json").read_text(encoding="utf-8")
    assert "Первый канал" in text  # readable, not \u-escaped
    assert json.loads((private_config_dir / "favourites.json").read_text())["favourites"] == [
        ["infohash", B],
        ["id", A],
    ]


def test_writing_leaves_no_temporary_files_and_replaces_the_old_file(tmp_path: Path) -> None:
    store = ChannelStore(tmp_path)
    store.save(populated())
    store.save(ChannelsState())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "channel_numbers.json",
        "channel_sources.json",
        "favourites.json",
        "playlists.json",
    ]
    assert store.load().state.playlists == ()


def test_a_failed_write_keeps_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:
    store = ChannelStore(tmp_path)
    store.save(populated())
    before = store.playlists_path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("desktop.streaming.channels.store.os.replace", fail)
    with pytest.raises(OSError):
        store.save_playlists(ChannelsState())
    assert store.playlists_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "channel_numbers.json",
        "channel_sources.json",
        "favourites.json",
        "playlists.json",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "Expecting property name"),
        (b"[1, 2]", "does not hold a JSON object"),
        (b'{"format": 99, "playlists": []}', "unknown format 99"),
        (b'{"format": 1, "playlists": [{"source": "x", "channels": [["a", "b"]]}]}', "six strings"),
        (
            b'{"format": 1, "playlists": [{"source": "x", "channels": [["", "", "", "", "id", "zz"]]}]}',
            "not a 40-hex id",
        ),
        (b"\xff\xfe\x00", "codec can't decode"),
        (
            b'{"format": 1, "playlists": [{"source": "x", "channels": [["", 1, "", "", "id", "'
            + A.encode()
            + b'"]]}]}',
            "six strings",
        ),
        (
            b'{"format": 1, "playlists": [{"source": "x", "channels": [["", "", "", "", "magnet", "'
            + A.encode()
            + b'"]]}]}',
            "unknown channel kind 'magnet'",
        ),
        (b'{"format": 1, "playlists": [{"source": "x", "channels": {"a": 1}}]}', "not a list"),
        (b'{"format": 1, "playlists": [{"source": "x", "skipped": -1}]}', "not a count"),
    ],
)
def test_a_broken_playlists_file_is_kept_aside_and_reported(tmp_path: Path, content: bytes, reason: str) -> None:
    store = ChannelStore(tmp_path)
    store.save_favourites(ChannelsState().with_favourite(("id", A)))
    store.playlists_path.write_bytes(content)
    loaded = store.load()
    assert loaded.state.playlists == ()
    assert loaded.state.favourites == {("id", A)}  # the other file is unaffected
    (problem,) = loaded.problems
    assert problem.startswith("The saved playlists file was broken (") and reason in problem
    (aside,) = tmp_path.glob("playlists.broken-*.json")
    assert aside.read_bytes() == content
    assert f"It was kept as {aside.name}." in problem
    assert not store.playlists_path.exists()


def test_a_broken_favourites_file_is_kept_aside_and_the_playlists_still_load(tmp_path: Path) -> None:
    store = ChannelStore(tmp_path)
    store.save(populated())
    store.favourites_path.write_text('{"format": 1, "favourites": [["channel", "x"]]}')
    loaded = store.load()
    assert len(loaded.state.playlists) == 1 and loaded.state.favourites == frozenset()
    assert loaded.problems[0].startswith("The saved favourites file was broken (")
    assert len(list(tmp_path.glob("favourites.broken-*.json"))) == 1
    store.save(loaded.state)  # and saving afterwards works normally
    assert store.load().problems == ()


def test_ids_written_by_hand_in_upper_case_are_read_in_lower_case(tmp_path: Path) -> None:
    row = ["Name", "", "", "", "infohash", A.upper()]
    data = {"format": 1, "playlists": [{"source": "x", "channels": [row]}]}
    (tmp_path / "playlists.json").write_text(json.dumps(data))
    loaded = ChannelStore(tmp_path).load()
    assert loaded.problems == ()
    assert loaded.state.catalog.name_for(("infohash", A)) == "Name"


def test_a_channels_tvg_shift_survives_a_restart_and_an_older_file_reads_as_no_shift(tmp_path: Path) -> None:
    text = f'#EXTM3U tvg-shift="1"\n#EXTINF:-1,A\nacestream://{"a" * 40}\n#EXTINF:-1 tvg-shift="-2.5",B\n{"b" * 40}\n'
    state = ChannelsState().with_playlist("p.m3u")
    state = state.with_update(state.playlists[0].succeeded(parse(text, playlist="p.m3u"), 1.0))
    store = ChannelStore(tmp_path)
    store.save(state)
    assert [c.tvg_shift for c in store.load().state.playlists[0].channels] == [1.0, -2.5]
    raw = json.loads(store.playlists_path.read_text())
    del raw["playlists"][0]["tvg_shift"]  # as an AceTray before tvg-shift wrote it
    store.playlists_path.write_text(json.dumps(raw))
    assert [c.tvg_shift for c in store.load().state.playlists[0].channels] == [0.0, 0.0]


def test_tvg_name_number_and_radio_come_back_kept_beside_the_rows_so_older_readers_still_read(tmp_path: Path) -> None:
    text = (
        '#EXTM3U\n#EXTINF:-1 tvg-name="Sport_1" tvg-chno="05.1" radio="true",Sport One\n'
        f"acestream://{A}\n#EXTINF:-1,Plain\n#EXTVLCOPT:x=y\nudp://@239.0.0.1:1234\n"
    )
    state = ChannelsState().with_playlist("src")
    state = state.with_update(state.playlists[0].succeeded(parse(text, playlist="src"), 1.0))
    store = ChannelStore(tmp_path)
    store.save(state)
    raw = json.loads(store.playlists_path.read_text())
    assert raw["format"] == 1 and len(raw["playlists"][0]["channels"][0]) == 6  # the rows an older AceTray reads
    (channel,) = store.load().state.playlists[0].channels
    assert (channel.tvg_name, channel.chno, channel.radio) == ("Sport_1", "5.1", True)
    assert store.load().state.playlists[0].streams[0].lines == (
        "#EXTINF:-1,Plain",
        "#EXTVLCOPT:x=y",
        "udp://@239.0.0.1:1234",
    )
