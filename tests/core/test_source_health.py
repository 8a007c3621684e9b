"""Each source's health: reported, kept in the config folder across restarts, bounded, and never a hang."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from desktop.streaming.ids import ChannelKey
from desktop.streaming.sources import HealthFile, HealthMap, HealthStore, SourceHealth
from desktop.streaming.sources import health as health_module
from tests.core.link_check_support import WALL_START, source

A, B, C = (ChannelKey("id", source(n)) for n in range(3))


class Ticks:
    """Epoch seconds that move one second per verdict."""

    def __init__(self) -> None:
        self.now = WALL_START

    def __call__(self) -> float:
        self.now += 1
        return self.now


async def test_a_report_is_what_the_api_and_the_window_show() -> None:
    store = HealthStore(clock=Ticks())
    store.report(A, "dead", "AceStream engine error:\n failed to load content")
    store.report(B, "alive", None, peers=7, speed_kbps=250)
    picture = store.map
    assert picture.get(A).to_json() == {
        "state": "dead",
        "checked_at": "2025-12-05T16:00:01+00:00",
        "peers": None,
        "speed_kbps": None,
        "reason": "AceStream engine error: failed to load content",  # one line, whatever the engine sent
    }
    assert picture.get(B) == SourceHealth("alive", WALL_START + 2, 7, 250, None)
    assert picture.get(C).state == "unknown" and picture.get(C).checked_at is None
    store.report(A, "unknown", None)  # forgotten, not "checked"
    assert store.map.get(A).state == "unknown" and len(store.map) == 1
    assert picture.get(A).state == "dead"  # a picture already handed out never changes


async def test_nonsense_is_refused_or_cleaned() -> None:
    store = HealthStore()
    with pytest.raises(ValueError, match="alive, dead or unknown"):
        store.report(A, "sleepy", None)  # type: ignore[arg-type]
    store.report(A, "alive", "ignored for a live one", peers=-3, speed_kbps=True)  # type: ignore[arg-type]
    assert store.get(A) == SourceHealth("alive", store.get(A).checked_at, None, None, None)
    store.report(B, "dead", "x" * 5000)
    assert len(store.get(B).reason or "") == health_module.MAX_REASON


async def test_the_store_is_bounded_and_forgets_the_oldest_verdicts_first() -> None:
    store = HealthStore(clock=Ticks(), limit=10)
    sources = [ChannelKey("id", source(n)) for n in range(11)]
    for key in sources:
        store.report(key, "alive", None)
    assert len(store.map) <= 10
    kept = {key for key, _ in store.map.items()}
    assert sources[-1] in kept and sources[0] not in kept
    store.report(sources[5], "dead", "gone")  # a new verdict makes a source new again
    for n in range(20, 25):  # five newer ones: it is among the ten newest still
        store.report(ChannelKey("id", source(n)), "alive", None)
    assert sources[5] in {key for key, _ in store.map.items()}


async def test_verdicts_survive_a_restart(tmp_path: Path) -> None:
    first = HealthStore(HealthFile(tmp_path), clock=Ticks())
    await first.open()
    first.report(A, "dead", "No data within 20 s")
    first.report(B, "alive", None, peers=3, speed_kbps=90)
    await first.close()
    assert json.loads((tmp_path / "health.json").read_text())["format"] == 1

    second = HealthStore(HealthFile(tmp_path))
    await second.open()
    assert second.get(A) == first.get(A) and second.get(B) == first.get(B)
    await second.close()


async def test_a_change_is_written_a_moment_later_without_asking(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(health_module, "SAVE_DELAY", 0.01)
    written = []
    file = HealthFile(tmp_path)
    original = file.write
    file.write = lambda entries: (original(entries), written.append(len(entries)))  # type: ignore[method-assign]
    store = HealthStore(file)
    store.report(A, "alive", None)
    store.report(B, "alive", None)
    await store.until_saved()
    assert written == [2]  # one write for both
    assert len(json.loads((tmp_path / "health.json").read_text())["sources"]) == 2
    await store.close()


async def test_a_stop_with_nothing_new_writes_nothing(tmp_path: Path) -> None:
    store = HealthStore(HealthFile(tmp_path))
    await store.open()
    await store.close()
    assert not (tmp_path / "health.json").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"format": 99, "sources": []}',
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
async def test_a_broken_file_starts_empty(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "health.json").write_bytes(content)
    store = HealthStore(HealthFile(tmp_path))
    await store.open()
    assert len(store.map) == 0
    store.report(A, "alive", None)
    await store.close()  # and is replaced by a good one
    assert len(HealthFile(tmp_path).read()) == 1


async def test_bad_rows_are_skipped_and_good_ones_kept(tmp_path: Path) -> None:
    good = ["id", A.content_id, "dead", WALL_START, None, None, "gone"]
    rows = [
        good,
        ["id", "not-hex", "alive", WALL_START, 1, 2, None],
        ["magnet", B.content_id, "alive", WALL_START, 1, 2, None],
        ["id", B.content_id, "alive", 1e999, 1, 2, None],  # Infinity: no ISO 8601 time
        ["id", B.content_id, "alive", WALL_START, -1, 2, None],
        ["id", C.content_id, "unknown", WALL_START, None, None, None],
        "a string",
    ]
    (tmp_path / "health.json").write_text(json.dumps({"format": 1, "sources": rows}))
    assert HealthFile(tmp_path).read() == [(A, SourceHealth("dead", WALL_START, None, None, "gone"))]


@pytest.mark.skipif(sys.platform.startswith("win"), reason="FIFOs are POSIX")
async def test_a_fifo_in_place_of_the_file_never_hangs_the_core(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "health.json")
    store = HealthStore(HealthFile(tmp_path))
    await store.open()  # would wait for a writer forever if opened plainly
    assert len(store.map) == 0


def test_all_dead_means_every_source_known_dead() -> None:
    store_map = HealthMap({A: SourceHealth("dead", 1.0), B: SourceHealth("alive", 1.0)})
    assert store_map.all_dead([A])
    assert not store_map.all_dead([A, B])
    assert not store_map.all_dead([A, C])  # never checked is not dead
    assert not store_map.all_dead([])
