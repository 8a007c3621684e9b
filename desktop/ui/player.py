"""Finding a video player and starting it on a stream link.

The player command from settings wins; when it is empty, VLC or mpv is looked
for on PATH and in their usual install places on Windows and macOS.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

URL_PLACEHOLDER = "{url}"

HOW_TO_SET_PLAYER = (
    "Install VLC (videolan.org) or mpv, or set the player command in Settings… "
    "(for example: vlc, mpv --force-window, or the full path to the program)."
)


@dataclass(frozen=True)
class PlayerCommand:
    program: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class PlayerSystem:
    """The parts of the OS player detection looks at (faked in tests)."""

    platform: str = sys.platform
    environ: Mapping[str, str] | None = None  # None: the real environment
    which: Callable[[str], str | None] = shutil.which
    is_file: Callable[[str], bool] = os.path.isfile

    def env(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ


def _windows_candidates(environ: Mapping[str, str]) -> list[str]:
    roots = [environ.get(k) for k in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")]
    places: list[str] = []
    for root in filter(None, roots):
        places += [
            str(PureWindowsPath(root, "VideoLAN", "VLC", "vlc.exe")),
            str(PureWindowsPath(root, "mpv", "mpv.exe")),
        ]
    home = environ.get("USERPROFILE")
    if home:
        places += [
            str(PureWindowsPath(home, "scoop", "apps", "mpv", "current", "mpv.exe")),
            str(PureWindowsPath(home, "scoop", "apps", "vlc", "current", "vlc.exe")),
        ]
    return places


def _macos_candidates(environ: Mapping[str, str]) -> list[str]:
    places = [
        "/Applications/VLC.app/Contents/MacOS/VLC",
        "/Applications/mpv.app/Contents/MacOS/mpv",
        "/opt/homebrew/bin/mpv",
        "/usr/local/bin/mpv",
    ]
    home = environ.get("HOME")
    if home:
        places.insert(2, str(PurePosixPath(home, "Applications", "VLC.app", "Contents", "MacOS", "VLC")))
    return places


def detect_player(system: PlayerSystem = PlayerSystem()) -> str | None:
    """Path of VLC or mpv, or None when neither is installed where we look."""
    for name in ("vlc", "mpv"):
        found = system.which(name)
        if found:
            return found
    environ = system.env()
    if system.platform.startswith("win"):
        candidates = _windows_candidates(environ)
    elif system.platform == "darwin":
        candidates = _macos_candidates(environ)
    else:
        candidates = ["/snap/bin/vlc", "/var/lib/flatpak/exports/bin/org.videolan.VLC"]
    return next((c for c in candidates if system.is_file(c)), None)


def split_command(command: str, platform: str = sys.platform) -> list[str]:
    """Split a user's player command; a whole path with spaces counts as one program."""
    command = command.strip()
    if not command:
        return []
    unquoted = command.strip('"')
    if os.path.isfile(unquoted):
        return [unquoted]
    if platform.startswith("win"):
        # posix=False keeps backslashes; it also keeps the quotes, so drop them.
        return [part.strip('"') for part in shlex.split(command, posix=False)]
    return shlex.split(command)


def command_problem(command: str, system: PlayerSystem = PlayerSystem()) -> str | None:
    """Why a configured player command cannot work, or None (empty means auto-detect)."""
    try:
        parts = split_command(command, system.platform)
    except ValueError as exc:
        return f"The player command cannot be read: {exc}."
    if not parts:
        return None
    program = parts[0]
    if system.is_file(program) or system.which(program):
        return None
    return f"No program “{program}” found. Give its full path, or leave empty to auto-detect."


def build_command(player_command: str, url: str, system: PlayerSystem = PlayerSystem()) -> PlayerCommand | None:
    """The program and arguments that play `url`, or None when no player is known.

    `{url}` in the command marks where the link goes; otherwise it is appended.
    """
    parts = split_command(player_command, system.platform) if player_command.strip() else []
    if not parts:
        detected = detect_player(system)
        if detected is None:
            return None
        parts = [detected]
    if any(URL_PLACEHOLDER in part for part in parts[1:]):
        args = [part.replace(URL_PLACEHOLDER, url) for part in parts[1:]]
    else:
        args = parts[1:] + [url]
    return PlayerCommand(program=parts[0], args=tuple(args))
