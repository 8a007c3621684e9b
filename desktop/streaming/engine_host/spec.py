"""How to run one engine, as plain data: what the supervisor spawns, prepares and stops.

Both a local program and a Docker container fit this shape, so the supervisor
has one code path; the builders live in `commands.py` and `docker.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrepareStep:
    """A command run before each spawn (for Docker: remove a dead leftover, pull the image)."""

    argv: tuple[str, ...]
    timeout: float = 30.0
    # When this command succeeds the step is skipped (e.g. `docker image inspect` before a pull).
    unless: tuple[str, ...] = ()
    # A failed required step fails the start with its output; others are best effort.
    required: bool = False
    # Shown as an event before the step runs, for slow steps a user should know about.
    message: str | None = None


@dataclass(frozen=True)
class EngineCommand:
    """Everything the supervisor needs to run one engine on one port."""

    argv: tuple[str, ...]
    label: str  # for Settings, the window and messages
    # Run to stop the engine politely (docker stop); empty: send the process a signal.
    stop_argv: tuple[str, ...] = ()
    prepare: tuple[PrepareStep, ...] = ()
