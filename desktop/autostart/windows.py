"""Windows: a value under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import Any

from desktop.autostart.base import AutostartError

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "AceTray"


class WindowsAutostart:
    supported = True

    def __init__(self, registry: Any = None) -> None:
        # `registry` is the winreg module; tests pass a fake one.
        if registry is None:
            import winreg as registry  # type: ignore[import-not-found,no-redef,unused-ignore]  # Windows only
        self._reg = registry

    def is_enabled(self) -> bool:
        try:
            with self._reg.OpenKey(self._reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _kind = self._reg.QueryValueEx(key, VALUE_NAME)
        except OSError:  # FileNotFoundError: key or value missing
            return False
        return bool(value)

    def set_enabled(self, enabled: bool, command: Sequence[str]) -> None:
        try:
            with self._reg.CreateKeyEx(self._reg.HKEY_CURRENT_USER, RUN_KEY, 0, self._reg.KEY_SET_VALUE) as key:
                if enabled:
                    self._reg.SetValueEx(key, VALUE_NAME, 0, self._reg.REG_SZ, subprocess.list2cmdline(list(command)))
                else:
                    try:
                        self._reg.DeleteValue(key, VALUE_NAME)
                    except FileNotFoundError:
                        pass
        except OSError as exc:
            raise AutostartError(f"Could not change the Windows Run key: {exc}.") from exc
