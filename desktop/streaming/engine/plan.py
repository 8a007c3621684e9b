"""Which engine AceTray runs for a configuration: none, a command, or why it cannot run one.

Plain functions over plain data (the config and what discovery found), so the
rules are tested without processes: an engine AceTray runs listens on the
engine URL's port on this computer; a command with `{port}` is taken as
written, a program alone gets the flags a headless engine needs; with no
program given, the engine found on this computer is used.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from desktop.streaming.config import (
    ENGINE_DOCKER,
    ENGINE_PROGRAM,
    START_ON_PLAY,
    ProxyConfig,
    is_loopback,
)
from desktop.streaming.engine_host import (
    Discovery,
    EngineCommand,
    command_for,
    program_command,
    user_command,
)
from desktop.streaming.engine_host.commands import PORT_PLACEHOLDER, split_command

NOT_FOUND = (
    "No AceStream engine was found on this computer. Install AceStream (acestream.org), "
    "choose its program in Settings, or run it in Docker."
)
NO_DOCKER = "Docker was not found. Install Docker, or choose another engine in Settings."


@dataclass(frozen=True)
class EnginePlan:
    """The engine AceTray runs for one configuration."""

    key: tuple[object, ...] = ()  # the config fields it was made from (see `plan_key`)
    command: EngineCommand | None = None  # None: AceTray runs no engine (or cannot: see `problem`)
    host: str = "127.0.0.1"
    port: int = 6878
    on_first_play: bool = False  # start it when the first channel opens, not with the proxy
    problem: str | None = None  # AceTray should run the engine but cannot; a sentence

    @property
    def owned(self) -> bool:
        """AceTray is in charge of the engine (running it, or telling why it cannot)."""
        return self.command is not None or self.problem is not None


def wants_owned(config: ProxyConfig) -> bool:
    return not config.demo and config.engine_mode in (ENGINE_PROGRAM, ENGINE_DOCKER)


def needs_discovery(config: ProxyConfig) -> bool:
    """Docker's own path, or the engine program when none is given, come from `discover`."""
    if not wants_owned(config):
        return False
    return config.engine_mode == ENGINE_DOCKER or not config.engine_program.strip()


def plan_key(config: ProxyConfig) -> tuple[object, ...]:
    """The settings that decide which engine runs (not when it starts)."""
    return (wants_owned(config), config.engine_mode, config.engine_program, config.docker_image, config.engine_url)


def engine_address(url: str) -> tuple[str, int]:
    """(host, port) of the engine URL; the port the scheme implies when none is written."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)


def command_problem(text: str) -> str | None:
    """Why an engine command line cannot be read (an unbalanced quote…), or None."""
    try:
        split_command(text)
    except ValueError as exc:
        return f"Cannot read the engine command: {exc}."
    return None


def plan_for(
    config: ProxyConfig,
    discovery: Discovery | None,
    *,
    machine: str | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> EnginePlan:
    """The engine to run for `config`; `discovery` is needed when `needs_discovery(config)`."""
    key = plan_key(config)
    if not wants_owned(config):
        return EnginePlan(key)
    host, port = engine_address(config.engine_url)
    base = EnginePlan(key, host=host, port=port, on_first_play=config.engine_start == START_ON_PLAY)
    if not is_loopback(host):
        return _problem(
            base,
            f"AceTray starts the engine on this computer: the engine URL must be "
            f"http://127.0.0.1:{port}, not {config.engine_url}.",
        )
    found = discovery or Discovery(())
    if config.engine_mode == ENGINE_DOCKER:
        candidate = found.first("docker")
        if candidate is None:
            return _problem(base, found.notes[0] if found.notes else NO_DOCKER)
        return _with_command(base, command_for(candidate, port, docker_image=config.docker_image, machine=machine))
    text = config.engine_program.strip()
    if not text:
        candidate = found.first("program") or found.first("snap")
        if candidate is None:
            return _problem(base, NOT_FOUND)
        return _with_command(base, command_for(candidate, port))
    try:
        # With {port} the user chose the flags: the command is taken as written.
        command = user_command(text, port) if PORT_PLACEHOLDER in text else program_command(split_command(text), port)
    except ValueError as exc:
        return _problem(base, f"The engine command cannot be used: {exc}.")
    if which(command.argv[0]) is None:
        return _problem(base, f"The engine program was not found: {command.argv[0]}")
    return _with_command(base, command)


def _problem(plan: EnginePlan, problem: str) -> EnginePlan:
    return dataclasses.replace(plan, problem=problem)


def _with_command(plan: EnginePlan, command: EngineCommand) -> EnginePlan:
    return dataclasses.replace(plan, command=command)
