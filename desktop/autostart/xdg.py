"""Linux and other freedesktop systems: ~/.config/autostart/acetray.desktop."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from desktop.autostart.base import AutostartError

FILE_NAME = "acetray.desktop"


def _quote(arg: str) -> str:
    # Desktop Entry spec: quote args with reserved characters; shlex's rules
    # are compatible for paths, and `%` must be doubled.
    return shlex.quote(arg).replace("%", "%%")


class XdgAutostart:
    supported = True

    def __init__(self, home: Path | None = None) -> None:
        self._home = home

    @property
    def path(self) -> Path:
        base = os.environ.get("XDG_CONFIG_HOME")
        if self._home is not None or not base:
            base = str((self._home or Path.home()) / ".config")
        return Path(base) / "autostart" / FILE_NAME

    def is_enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return False
        # A user can switch an entry off in their desktop's settings without deleting it.
        return "\nHidden=true" not in text and "X-GNOME-Autostart-enabled=false" not in text

    def set_enabled(self, enabled: bool, command: Sequence[str]) -> None:
        path = self.path
        try:
            if not enabled:
                path.unlink(missing_ok=True)
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "[Desktop Entry]\n"
                "Type=Application\n"
                "Name=AceTray\n"
                "Comment=Share AceStream channels with every player in the house\n"
                f"Exec={' '.join(_quote(a) for a in command)}\n"
                "Icon=acetray\n"
                "Terminal=false\n"
                "X-GNOME-Autostart-enabled=true\n",
                encoding="utf-8",
            )
        except OSError as exc:
            raise AutostartError(f"Could not change {path}: {exc.strerror or exc}.") from exc
