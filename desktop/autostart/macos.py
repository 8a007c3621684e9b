"""macOS: a LaunchAgent plist in ~/Library/LaunchAgents that runs at login."""

from __future__ import annotations

import plistlib
from collections.abc import Sequence
from pathlib import Path

from desktop.autostart.base import AutostartError

LABEL = "io.github.acetray"


class LaunchAgentAutostart:
    supported = True

    def __init__(self, home: Path | None = None) -> None:
        self._home = home

    @property
    def path(self) -> Path:
        return (self._home or Path.home()) / "Library" / "LaunchAgents" / f"{LABEL}.plist"

    def is_enabled(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                data = plistlib.load(handle)
        except (OSError, plistlib.InvalidFileException, ValueError):
            return False
        return bool(data.get("RunAtLoad")) and not data.get("Disabled", False)

    def set_enabled(self, enabled: bool, command: Sequence[str]) -> None:
        path = self.path
        try:
            if not enabled:
                path.unlink(missing_ok=True)
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                plistlib.dump(
                    {
                        "Label": LABEL,
                        "ProgramArguments": list(command),
                        "RunAtLoad": True,
                        # Started once per login; quitting from the tray must stay quit.
                        "KeepAlive": False,
                        "ProcessType": "Interactive",
                    },
                    handle,
                )
        except OSError as exc:
            raise AutostartError(f"Could not change {path}: {exc.strerror or exc}.") from exc
