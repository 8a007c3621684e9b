"""Files AceTray reads never hang it: a FIFO, a device or a folder where a file should be is refused at once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.regular_files import FileTooLarge, NotARegularFile, open_regular_file, read_regular_file
from desktop.streaming.channels.store import ChannelStore
from desktop.streaming.guide import saved as saved_guide
from desktop.streaming.sources.health_file import HEALTH_FILE, HealthFile
from desktop.streaming.tuner.identity import IDENTITY_FILE, load_identity

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev are POSIX")


def finishes(call: Callable[[], Any], within: float = 10.0) -> Any:
    """`call()`'s result, failing the test (instead of hanging it) when it does not return in time."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(within)
    assert not worker.is_alive(), "the read waited on what was there instead of refusing it"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{"x": 1}')
    assert read_regular_file(path, 100) == b'{"x": 1}'


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLarge):
        read_regular_file(path, 100)


def test_a_folder_is_refused_and_said_to_be_one(tmp_path: Path) -> None:
    with pytest.raises(NotARegularFile) as refused:
        read_regular_file(tmp_path, 100)
    assert refused.value.kind == "a folder"


@posix_only
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile) as refused:
        finishes(lambda: open_regular_file(fifo))
    assert "FIFO" in refused.value.kind


@posix_only
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/ptmx"])
def test_a_device_is_refused_before_a_byte_is_read(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} is not on this system")
    with pytest.raises(NotARegularFile) as refused:
        finishes(lambda: read_regular_file(Path(device), 100))
    assert refused.value.kind == "a device"


@posix_only
def test_saved_state_that_is_a_fifo_starts_empty_instead_of_hanging(tmp_path: Path) -> None:
    for name in ("playlists.json", "favourites.json", "channel_numbers.json", saved_guide.GUIDE_FILE, IDENTITY_FILE):
        os.mkfifo(tmp_path / name)
    os.mkfifo(tmp_path / HEALTH_FILE)

    loaded = finishes(lambda: ChannelStore(tmp_path).load())
    assert loaded.state.playlists == () and not loaded.state.favourites
    guide, _problem = finishes(lambda: saved_guide.load(tmp_path / saved_guide.GUIDE_FILE))
    assert guide.sources == ()
    assert finishes(lambda: HealthFile(tmp_path).read()) == []
    identity = finishes(lambda: load_identity(tmp_path))
    assert len(identity.device_id_text) == 8
