"""What every start-on-login implementation offers, and the command it registers."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class AutostartError(Exception):
    """Registering or removing the entry failed; str() is for the user."""


class Autostart(Protocol):
    supported: bool

    def is_enabled(self) -> bool: ...

    def set_enabled(self, enabled: bool, command: Sequence[str]) -> None:
        """Add or remove the login entry; raises AutostartError with a readable reason."""


class NoAutostart:
    """Where we do not know how to start on login: says so, changes nothing."""

    supported = False

    def is_enabled(self) -> bool:
        return False

    def set_enabled(self, enabled: bool, command: Sequence[str]) -> None:
        if enabled:
            raise AutostartError("Start on login is not supported on this system.")


def launch_command() -> list[str]:
    """How the OS should start this same AceTray at login."""
    if getattr(sys, "frozen", False):  # PyInstaller bundle: the executable itself
        return [sys.executable]
    # An installed `acetray` script beside this interpreter (venv, pipx).
    script_dir = Path(sys.executable).parent
    for name in ("acetray", "acetray.exe"):
        script = script_dir / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "desktop"]
