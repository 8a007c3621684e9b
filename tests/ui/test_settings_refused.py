"""Settings edits are never lost quietly: a port below 1024 says why, a refused change marks its field."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.settings import GROUPS, Settings
from desktop.ui.settings_dialog import SettingsDialog


async def _never_called(url: str) -> str:
    raise AssertionError("no engine check expected")


def test_a_port_below_1024_is_kept_and_refused_with_the_reason(qtbot, ui_loop, no_player_system):
    dialog = SettingsDialog(Settings(), _never_called, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    sharing = GROUPS.index("Sharing")
    dialog.tabs.setCurrentIndex(sharing)
    height = dialog.height()
    port, typed = dialog.port, dialog.port.lineEdit()
    typed.selectAll()
    qtbot.keyClicks(typed, "80")
    qtbot.keyClick(typed, Qt.Key.Key_Return)  # done typing: a spin box with 1024 as its floor snapped back
    assert port.value() == 80
    assert dialog.shown_errors()["port"] == (
        "Port 80 is below 1024: ports below 1024 are for system services and need an administrator; use 1024 to 65535."
    )
    assert not dialog.ok_button.isEnabled()
    assert not dialog.tabs.tabIcon(sharing).isNull() and dialog.height() == height

    typed.selectAll()
    qtbot.keyClicks(typed, "8080")
    qtbot.keyClick(typed, Qt.Key.Key_Return)
    assert port.value() == 8080 and "port" not in dialog.shown_errors() and dialog.ok_button.isEnabled()


def test_a_refusal_of_a_setting_without_a_note_is_told_beside_the_field_it_is_about(qtbot, ui_loop, no_player_system):
    dialog = SettingsDialog(Settings(), _never_called, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.lan_sharing.setChecked(True)
    dialog.show_refusal("lan_sharing", "192.168.9.9 is not an address of this computer.")
    assert dialog.isVisible() and dialog.tabs.currentIndex() == GROUPS.index("Sharing")
    assert dialog.shown_errors()["port"] == "192.168.9.9 is not an address of this computer."
    dialog.lan_sharing.setChecked(False)  # changed: the refusal no longer stands
    assert "port" not in dialog.shown_errors()
