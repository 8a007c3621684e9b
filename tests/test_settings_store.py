"""The settings file at start-up: never a hang, and one bad value never costs the others (the token above all)."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from pathlib import Path

import pytest

from desktop import settings as settings_store
from desktop.settings import LoadResult, Settings

TOKEN = "Kq3-house_token_0123456789"
GOOD = {
    "lan_sharing": True,
    "access_token": TOKEN,
    "linger": 4,
    "queue_size": 128,
    "engine_url": "http://10.0.0.5:6878",
}


def load_within(path: Path, seconds: float = 10.0) -> LoadResult:
    """load(), failing the test (instead of hanging it) when it does not return in time."""
    result: list[LoadResult] = []
    worker = threading.Thread(target=lambda: result.append(settings_store.load(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        with open(path, "wb", buffering=0) as unblock:  # let the stuck open go, so the thread ends
            unblock.write(b"{}")
        pytest.fail(f"loading the settings did not return within {seconds:g} s")
    return result[0]


def asides(folder: Path) -> list[Path]:
    return sorted(folder.glob("settings.broken-*.json"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_as_the_settings_file_is_set_aside_at_once_and_defaults_are_used(tmp_path: Path):
    path = tmp_path / "settings.json"
    os.mkfifo(path)
    loaded = load_within(path)
    assert loaded.settings == Settings()
    assert loaded.problem is not None
    assert "it is a named pipe (FIFO), not a regular file" in loaded.problem and "Defaults are in use" in loaded.problem
    assert not path.exists()
    (aside,) = asides(tmp_path)
    assert aside.name in loaded.problem and aside.is_fifo()


def test_a_folder_as_the_settings_file_is_set_aside(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.mkdir()
    loaded = load_within(path)
    assert loaded.settings == Settings() and "it is a folder" in (loaded.problem or "")
    assert not path.exists() and asides(tmp_path)[0].is_dir()


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/zero is POSIX")
def test_a_device_as_the_settings_file_is_never_read(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.symlink_to("/dev/zero")  # endless: reading it would fill memory
    loaded = load_within(path)
    assert loaded.settings == Settings() and "it is a device" in (loaded.problem or "")
    assert not path.is_symlink() and Path("/dev/zero").exists()


def test_one_bad_value_keeps_every_good_one_and_the_token(tmp_path: Path):
    path = tmp_path / "settings.json"
    content = json.dumps({**GOOD, "port": 99999}).encode()
    path.write_bytes(content)
    loaded = load_within(path)
    expected = Settings(lan_sharing=True, access_token=TOKEN, linger=4.0, queue_size=128, engine_url=GOOD["engine_url"])
    assert loaded.settings == expected  # the shared links stay valid
    assert loaded.problem == (
        "Some saved settings could not be used. "
        "Port is back to 6880 (the saved 99999 is not allowed: Port must be between 1024 and 65535). "
        f"A copy of the file is kept as {asides(tmp_path)[0].name}. Everything else is kept."
    )
    assert path.read_bytes() == content  # the file stays as the person wrote it...
    assert [p.read_bytes() for p in asides(tmp_path)] == [content]  # ...and a copy is kept aside


def test_each_dropped_value_gets_its_own_sentence(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**GOOD, "queue_size": "many", "lan_sharing": "yes", "engine_mode": "docker"}))
    loaded = load_within(path)
    assert loaded.settings.access_token == TOKEN and loaded.settings.linger == 4.0
    assert (loaded.settings.queue_size, loaded.settings.lan_sharing) == (Settings().queue_size, False)
    problem = loaded.problem or ""
    assert 'Queue per player is back to 64 (the saved "many" is not allowed: must be a whole number).' in problem
    assert 'the saved "yes" is not allowed: must be true or false' in problem
    # A rule over two settings: AceTray runs the engine, so its address must be this computer's.
    assert loaded.settings.engine_mode == "docker" and loaded.settings.engine_url == Settings().engine_url
    assert 'the saved "http://10.0.0.5:6878" is not allowed: AceTray starts the engine on this computer' in problem
    assert problem.count(" is back to ") == 3


def test_the_same_file_at_the_next_start_is_not_copied_again(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**GOOD, "port": 1}))
    first, second = load_within(path), load_within(path)
    assert first == second and len(asides(tmp_path)) == 1


def test_a_bad_token_is_dropped_without_being_repeated_anywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "settings.json"
    leaked = "not a token but still a secret"
    path.write_text(json.dumps({**GOOD, "access_token": leaked}))
    with caplog.at_level(logging.DEBUG):
        loaded = load_within(path)
    assert loaded.settings.access_token == "" and loaded.settings.linger == 4.0
    assert "Access token is back to empty (the saved value is not allowed:" in (loaded.problem or "")
    assert leaked not in (loaded.problem or "") and leaked not in caplog.text
