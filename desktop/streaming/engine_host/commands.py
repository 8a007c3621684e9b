"""Build the command that runs an engine: the flags a headless engine needs, or the user's own.

Plain functions over plain data: what was discovered (or typed into Settings, or
given to `serve --engine-command`) becomes an `EngineCommand` for one port.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence

from desktop.streaming.engine_host.discovery import EngineCandidate
from desktop.streaming.engine_host.docker import DEFAULT_IMAGE, docker_command
from desktop.streaming.engine_host.spec import EngineCommand

PORT_PLACEHOLDER = "{port}"
# No GUI, the HTTP API on our port, and caches in memory: a disk cache thrashes the
# disk for live streams and fills it over a long day.
HEADLESS_FLAGS = (
    "--client-console",
    "--http-port", PORT_PLACEHOLDER,
    "--live-cache-type", "memory",
    "--vod-cache-type", "memory",
)  # fmt: skip


def _with_port(args: Sequence[str], port: int) -> tuple[str, ...]:
    return tuple(arg.replace(PORT_PLACEHOLDER, str(port)) for arg in args)


def _short_label(program: str) -> str:
    return program.replace("\\", "/").rsplit("/", 1)[-1] or program


def program_command(program: Sequence[str], port: int, label: str | None = None) -> EngineCommand:
    """A found engine program (its argv without flags) started headless on `port`."""
    if not program:
        raise ValueError("no engine program given")
    return EngineCommand(
        argv=tuple(program) + _with_port(HEADLESS_FLAGS, port),
        label=label or _short_label(program[0]),
    )


def split_command(text: str, *, posix: bool | None = None) -> list[str]:
    """Split a command line the way the user's platform quotes it."""
    posix = os.name != "nt" if posix is None else posix
    parts = shlex.split(text, posix=posix)
    if not posix:
        # Non-POSIX shlex keeps the quotes around "C:\Program Files\…\ace_engine.exe".
        parts = [p[1:-1] if len(p) >= 2 and p[0] == p[-1] == '"' else p for p in parts]
    return parts


def user_command(text: str, port: int, *, posix: bool | None = None) -> EngineCommand:
    """A command typed by the user (`serve --engine-command`), `{port}` replaced by the port.

    Taken as written: the user chose the flags, so none are added.
    """
    try:
        parts = split_command(text, posix=posix)
    except ValueError as exc:  # an unbalanced quote
        raise ValueError(f"cannot read the engine command: {exc}") from exc
    if not parts:
        raise ValueError("the engine command is empty")
    return EngineCommand(argv=_with_port(parts, port), label=_short_label(parts[0]))


def command_for(
    candidate: EngineCandidate,
    port: int,
    *,
    docker_image: str = DEFAULT_IMAGE,
    machine: str | None = None,
) -> EngineCommand:
    """The command for something `discover` found."""
    if candidate.kind == "docker":
        return docker_command(port, docker_image, docker=candidate.argv[0], machine=machine)
    return program_command(candidate.argv, port, label=candidate.label)
