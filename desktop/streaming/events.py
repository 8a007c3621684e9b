"""Event levels as the user sees them, and the log level each one is written at (one mapping)."""

from __future__ import annotations

import logging

_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def log_level(level: str) -> int:
    return _LOG_LEVELS.get(level, logging.ERROR)
