"""What the engine supervisor tells the rest of the app: a state, a frozen snapshot, events.

Plain data only, so the UI (through the app seam) and `serve` can show it without
knowing how the engine is run.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

# Engines older than this are reported to be cut by some ISPs every 12–15 minutes.
MIN_GOOD_VERSION = (3, 2)


class EngineState(str, enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"  # first start: spawned (or preparing), waiting for get_version
    RUNNING = "running"  # ours, answering get_version
    RESTARTING = "restarting"  # ours died; waiting out the backoff or for the replacement to answer
    STOPPING = "stopping"
    FAILED = "failed"  # gave up; `reason` says why in a sentence
    EXTERNAL = "external"  # something already answered on the port: used, never stopped


@dataclass(frozen=True)
class EngineSnapshot:
    """The supervisor's state at one moment; a new object on every change."""

    state: EngineState
    port: int
    label: str  # what runs the engine, e.g. "acestreamengine" or "Docker (image …)"
    owned: bool = False  # AceTray started this engine process and will stop it
    version: str | None = None
    pid: int | None = None  # the process AceTray spawned (POSIX: the engine's guard, its group leader)
    attempt: int = 0  # consecutive failed runs; drives the backoff
    restarts: int = 0  # replacements spawned since start()
    reason: str | None = None  # why it crashed, failed or is external
    outdated: bool = False  # version older than MIN_GOOD_VERSION
    log_path: str | None = None  # the engine's own output

    @property
    def settled(self) -> bool:
        """No change is under way: a caller waiting for the outcome of start() can stop waiting."""
        return self.state in (EngineState.RUNNING, EngineState.EXTERNAL, EngineState.FAILED, EngineState.STOPPED)

    def summary(self) -> str:
        """A short phrase for a tooltip or a status line."""
        version = f" {self.version}" if self.version else ""
        if self.state is EngineState.RUNNING:
            return f"Engine{version} running"
        if self.state is EngineState.STARTING:
            return "Starting engine…"
        if self.state is EngineState.RESTARTING:
            return f"Engine crashed; restarting (attempt {self.attempt})"
        if self.state is EngineState.STOPPING:
            return "Stopping engine…"
        if self.state is EngineState.FAILED:
            return f"Engine failed: {self.reason or 'unknown reason'}"
        if self.state is EngineState.EXTERNAL:
            return f"Engine{version} already running (not started by AceTray)"
        return "Engine stopped"


# (level, message): level is "info", "warning" or "error", as the proxy's own events.
EventCallback = Callable[[str, str], None]
StateCallback = Callable[[EngineSnapshot], None]


def version_tuple(version: str) -> tuple[int, ...] | None:
    """'3.1.70' → (3, 1, 70); None when it does not start with a dotted number."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def is_outdated(version: str | None) -> bool:
    """True only for a version we could read and that is older than MIN_GOOD_VERSION."""
    parsed = version_tuple(version) if version else None
    return parsed is not None and parsed < MIN_GOOD_VERSION
