"""Start on login on each OS, with the OS faked (home folders, the registry)."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from desktop.autostart import AutostartError, NoAutostart, for_platform, launch_command

COMMAND = ["/opt/AceTray/acetray"]


def test_linux_writes_an_xdg_autostart_entry(tmp_path: Path):
    autostart = for_platform("linux", home=tmp_path)
    assert not autostart.is_enabled()
    autostart.set_enabled(True, ["/home/me/My Apps/acetray"])
    entry = tmp_path / ".config" / "autostart" / "acetray.desktop"
    text = entry.read_text()
    assert "Exec='/home/me/My Apps/acetray'" in text and "Type=Application" in text
    assert autostart.is_enabled()
    autostart.set_enabled(False, COMMAND)
    assert not entry.exists() and not autostart.is_enabled()


def test_linux_respects_an_entry_the_user_switched_off(tmp_path: Path):
    autostart = for_platform("linux", home=tmp_path)
    autostart.set_enabled(True, COMMAND)
    entry = tmp_path / ".config" / "autostart" / "acetray.desktop"
    entry.write_text(entry.read_text() + "Hidden=true\n")
    assert not autostart.is_enabled()


def test_linux_uses_xdg_config_home(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    for_platform("linux").set_enabled(True, COMMAND)
    assert (tmp_path / "cfg" / "autostart" / "acetray.desktop").exists()


def test_linux_failure_is_a_readable_error(tmp_path: Path):
    (tmp_path / ".config").write_text("a file where a folder should be")
    with pytest.raises(AutostartError, match="Could not change"):
        for_platform("linux", home=tmp_path).set_enabled(True, COMMAND)


class FakeWinreg:
    """The corner of winreg the Windows module uses, as a dict."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    REG_SZ = 1

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.keys: set[str] = set()

    class _Key:
        def __init__(self, path: str) -> None:
            self.path = path

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

    def OpenKey(self, root, path):
        if path not in self.keys:
            raise FileNotFoundError(path)
        return self._Key(path)

    def CreateKeyEx(self, root, path, reserved, access):
        self.keys.add(path)
        return self._Key(path)

    def QueryValueEx(self, key, name):
        try:
            return self.values[(key.path, name)], self.REG_SZ
        except KeyError:
            raise FileNotFoundError(name) from None

    def SetValueEx(self, key, name, reserved, kind, value):
        self.values[(key.path, name)] = value

    def DeleteValue(self, key, name):
        if (key.path, name) not in self.values:
            raise FileNotFoundError(name)
        del self.values[(key.path, name)]


def test_windows_uses_the_hkcu_run_key():
    registry = FakeWinreg()
    autostart = for_platform("win32", registry=registry)
    assert not autostart.is_enabled()
    autostart.set_enabled(True, [r"C:\Program Files\AceTray\AceTray.exe"])
    assert registry.values == {
        (r"Software\Microsoft\Windows\CurrentVersion\Run", "AceTray"): r'"C:\Program Files\AceTray\AceTray.exe"'
    }
    assert autostart.is_enabled()
    autostart.set_enabled(False, COMMAND)
    autostart.set_enabled(False, COMMAND)  # removing twice is fine
    assert not autostart.is_enabled() and not registry.values


def test_macos_writes_a_launch_agent(tmp_path: Path):
    autostart = for_platform("darwin", home=tmp_path)
    autostart.set_enabled(True, ["/Applications/AceTray.app/Contents/MacOS/AceTray"])
    plist = tmp_path / "Library" / "LaunchAgents" / "io.github.acetray.plist"
    data = plistlib.loads(plist.read_bytes())
    assert data["ProgramArguments"] == ["/Applications/AceTray.app/Contents/MacOS/AceTray"]
    assert data["RunAtLoad"] is True
    assert autostart.is_enabled()
    autostart.set_enabled(False, COMMAND)
    assert not plist.exists() and not autostart.is_enabled()


def test_unknown_systems_get_a_no_op_that_says_so():
    autostart = for_platform("sunos5")
    assert isinstance(autostart, NoAutostart) and not autostart.supported
    assert not autostart.is_enabled()
    autostart.set_enabled(False, COMMAND)
    with pytest.raises(AutostartError, match="not supported"):
        autostart.set_enabled(True, COMMAND)


def test_launch_command_starts_this_acetray():
    command = launch_command()
    assert command[0].endswith(("acetray", "python", "python3")) or "python" in Path(command[0]).name
