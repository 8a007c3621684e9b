"""Shared test setup: headless Qt, and private settings/autostart folders for every test."""

from __future__ import annotations

import os

import pytest

# Set before any Qt import so every QApplication in the run is headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The faithful fake engine's fixtures (fake_engine, fake_engine_factory, dead_engine_url),
# and the desktop tests' (ui_loop, background, engine, players, ...).
pytest_plugins = ["tests.fake_engine", "tests.ui.fixtures"]


@pytest.fixture(autouse=True)
def private_config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test may read or write the developer's real settings, logs or login items."""
    folder = tmp_path_factory.mktemp("acetray-config")
    monkeypatch.setenv("ACETRAY_CONFIG_DIR", str(folder))
    # Start-on-login writes under XDG_CONFIG_HOME on Linux: keep it in the sandbox too.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "xdg-config"))
    return folder
