"""Start on login: one small module per OS, and a no-op where we do not know how.

`for_platform()` picks the implementation; each one takes its OS handles
(home folder, registry module) as arguments so tests can fake the OS.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from desktop.autostart.base import Autostart, AutostartError, NoAutostart, launch_command


def for_platform(platform: str = sys.platform, *, home: Path | None = None, registry: Any = None) -> Autostart:
    if platform.startswith(("linux", "freebsd")):
        from desktop.autostart.xdg import XdgAutostart

        return XdgAutostart(home=home)
    if platform.startswith("win"):
        from desktop.autostart.windows import WindowsAutostart

        return WindowsAutostart(registry=registry)
    if platform == "darwin":
        from desktop.autostart.macos import LaunchAgentAutostart

        return LaunchAgentAutostart(home=home)
    return NoAutostart()


__all__ = ["Autostart", "AutostartError", "NoAutostart", "for_platform", "launch_command"]
