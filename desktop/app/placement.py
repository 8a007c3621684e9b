"""Where the core's loop runs: its own thread (the default), or the UI's qasync loop (`ACETRAY_CORE_LOOP`)."""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

PLACEMENT_ENV = "ACETRAY_CORE_LOOP"


class CorePlacement(enum.Enum):
    THREAD = "thread"
    QASYNC = "qasync"


def placement_from_env(environ: Mapping[str, str] = os.environ) -> CorePlacement:
    value = environ.get(PLACEMENT_ENV, "").strip().lower()
    try:
        return CorePlacement(value) if value else CorePlacement.THREAD
    except ValueError:
        log.warning("%s=%r is not one of thread|qasync; using thread", PLACEMENT_ENV, value)
        return CorePlacement.THREAD
