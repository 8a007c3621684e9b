"""Logging: a rotating file in the platform log dir, plus stderr when there is one.

In a windowed frozen build `sys.stderr` is None, so a stream handler is only
added when a real stream exists.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from desktop import paths

LOG_FILE_NAME = "acetray.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(*, to_file: bool = True, to_stderr: bool = True, verbose: bool = False) -> Path | None:
    """Configure the root logger once; returns the log file's path when there is one."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = logging.Formatter(_FORMAT)
    log_path: Path | None = None
    if to_file:
        try:
            folder = paths.log_dir()
            folder.mkdir(parents=True, exist_ok=True)
            log_path = folder / LOG_FILE_NAME
            file_handler = logging.handlers.RotatingFileHandler(
                log_path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
            )
            file_handler.setFormatter(formatter)
            root.addHandler(file_handler)
        except OSError:
            log_path = None  # a read-only home must not stop the app
    if to_stderr and sys.stderr is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        root.addHandler(stream)
    # aiohttp's access log would write one line per player request: too chatty.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return log_path
