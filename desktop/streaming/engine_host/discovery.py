"""Find an AceStream engine this computer can run: a program, the snap, or Docker.

Every OS access goes through `OsAccess`, so tests fake Windows, Linux and macOS
on any machine. The probes that run commands (snap, docker) use short timeouts
but still block: call `discover` from a worker thread, never the UI thread.
"""

from __future__ import annotations

import ntpath
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

EngineKind = Literal["program", "snap", "docker"]

REGISTRY_KEY = r"Software\AceStream"  # under HKEY_CURRENT_USER
REGISTRY_VALUE = "EnginePath"
LINUX_PROGRAM = "acestreamengine"
LINUX_START_ENGINE = "/opt/acestream/start-engine"
SNAP_NAME = "acestreamplayer"
SNAP_APP = "acestreamplayer.engine"
# Apps started from the macOS Finder or a Linux desktop get a short PATH that often
# misses these, though the user's terminal finds them.
DOCKER_FALLBACKS = {
    "darwin": (
        "/usr/local/bin/docker",
        "/opt/homebrew/bin/docker",
        "~/.docker/bin/docker",
        "/Applications/Docker.app/Contents/Resources/bin/docker",
    ),
    "linux": ("/usr/bin/docker", "/usr/local/bin/docker", "/snap/bin/docker"),
}
SNAP_FALLBACKS = ("/usr/bin/snap", "/snap/bin/snap")
COMMAND_TIMEOUT = 5.0  # a Docker daemon that takes longer than this is not "answering"


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str


@dataclass(frozen=True)
class OsAccess:
    """The OS as discovery sees it; `system_access()` is the real one."""

    platform: str  # sys.platform: "win32", "linux", "darwin"
    environ: Mapping[str, str]
    which: Callable[[str], str | None]
    is_file: Callable[[str], bool]
    # (key under HKEY_CURRENT_USER, value name) → the value, or None when absent.
    read_registry: Callable[[str, str], str | None]
    # (argv, timeout) → the result, or None when it could not run or timed out.
    run: Callable[[Sequence[str], float], CommandResult | None]


@dataclass(frozen=True)
class EngineCandidate:
    """One way to run the engine that was found."""

    kind: EngineKind
    argv: tuple[str, ...]  # the program (and its fixed arguments) without the engine's flags
    label: str  # for Settings: what was found and where


@dataclass(frozen=True)
class Discovery:
    """Everything found, best first, and sentences about what was almost usable."""

    candidates: tuple[EngineCandidate, ...]
    notes: tuple[str, ...] = ()

    @property
    def best(self) -> EngineCandidate | None:
        return self.candidates[0] if self.candidates else None

    def first(self, kind: EngineKind) -> EngineCandidate | None:
        return next((c for c in self.candidates if c.kind == kind), None)


def discover(access: OsAccess) -> Discovery:
    """What can run the engine here: the native engine first, then Docker."""
    found: list[EngineCandidate] = []
    notes: list[str] = []
    if access.platform == "win32":
        found.extend(_windows_programs(access))
    elif access.platform.startswith("linux"):
        found.extend(_linux_programs(access))
    # macOS has no native engine; every OS can use Docker.
    docker = _docker(access, notes)
    if docker:
        found.append(docker)
    return Discovery(tuple(found), tuple(notes))


def _windows_programs(access: OsAccess) -> list[EngineCandidate]:
    found: list[EngineCandidate] = []
    registered = access.read_registry(REGISTRY_KEY, REGISTRY_VALUE)
    if registered:
        path = _expand_windows(registered.strip().strip('"'), access.environ)
        if access.is_file(path):
            found.append(EngineCandidate("program", (path,), f"AceStream engine ({path})"))
    appdata = access.environ.get("APPDATA")
    if appdata:
        # ntpath, not os.path: the rules are Windows' even when a test runs elsewhere.
        path = ntpath.join(appdata, "ACEStream", "engine", "ace_engine.exe")
        if access.is_file(path) and all(c.argv[0].lower() != path.lower() for c in found):
            found.append(EngineCandidate("program", (path,), f"AceStream engine ({path})"))
    return found


def _expand_windows(path: str, environ: Mapping[str, str]) -> str:
    """%VAR% as in a REG_EXPAND_SZ value; unknown names stay as written."""
    upper = {k.upper(): v for k, v in environ.items()}
    return re.sub(r"%([^%]+)%", lambda m: upper.get(m.group(1).upper(), m.group(0)), path)


def _linux_programs(access: OsAccess) -> list[EngineCandidate]:
    found: list[EngineCandidate] = []
    program = access.which(LINUX_PROGRAM)
    if program:
        found.append(EngineCandidate("program", (program,), f"AceStream engine ({program})"))
    if access.is_file(LINUX_START_ENGINE):
        found.append(EngineCandidate("program", (LINUX_START_ENGINE,), f"AceStream engine ({LINUX_START_ENGINE})"))
    snap = access.which("snap") or next((p for p in SNAP_FALLBACKS if access.is_file(p)), None)
    if snap:
        listed = access.run((snap, "list", SNAP_NAME), COMMAND_TIMEOUT)
        if listed is not None and listed.returncode == 0:
            found.append(EngineCandidate("snap", (snap, "run", SNAP_APP), f"AceStream snap ({SNAP_NAME})"))
    return found


def _find_docker(access: OsAccess) -> str | None:
    on_path = access.which("docker")
    if on_path:
        return on_path
    home = access.environ.get("HOME", "")
    for candidate in DOCKER_FALLBACKS.get(access.platform, ()):
        path = home + candidate[1:] if candidate.startswith("~") and home else candidate
        if not path.startswith("~") and access.is_file(path):
            return path
    return None


def _docker(access: OsAccess, notes: list[str]) -> EngineCandidate | None:
    docker = _find_docker(access)
    if not docker:
        return None
    # `docker version` talks to the daemon: the client alone cannot run anything.
    result = access.run((docker, "version", "--format", "{{.Server.Version}}"), COMMAND_TIMEOUT)
    version = result.stdout.strip() if result is not None and result.returncode == 0 else ""
    if not version:
        notes.append("Docker is installed but not running (start Docker Desktop or the Docker service).")
        return None
    return EngineCandidate("docker", (docker,), f"Docker {version}")


# --- the real OS ------------------------------------------------------------------------------


def _run(argv: Sequence[str], timeout: float) -> CommandResult | None:
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
            # No console window flashing up from a windowed app on Windows.
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return CommandResult(done.returncode, done.stdout.decode("utf-8", "replace"))


def _read_registry(key: str, value: str) -> str | None:
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
            data, _kind = winreg.QueryValueEx(handle, value)
    except OSError:
        return None
    return str(data) if data else None


def system_access() -> OsAccess:
    return OsAccess(
        platform=sys.platform,
        environ=os.environ,
        which=shutil.which,
        is_file=os.path.isfile,
        read_registry=_read_registry,
        run=_run,
    )
