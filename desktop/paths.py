"""Where AceTray keeps its files (platformdirs), overridable for tests."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "AceTray"
CONFIG_DIR_ENV = "ACETRAY_CONFIG_DIR"


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The settings folder; `ACETRAY_CONFIG_DIR` moves it (tests, portable use)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(_dirs().user_config_dir)


def log_dir() -> Path:
    """The log folder; with `ACETRAY_CONFIG_DIR` set, a `logs` folder inside it."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) / "logs" if override else Path(_dirs().user_log_dir)


def cache_dir() -> Path:
    """Files AceTray can fetch again (channel logos); with `ACETRAY_CONFIG_DIR`, a `cache` folder inside it."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) / "cache" if override else Path(_dirs().user_cache_dir)


def settings_file() -> Path:
    return config_dir() / "settings.json"
