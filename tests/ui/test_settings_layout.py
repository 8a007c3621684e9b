"""The Settings dialog stays still while typing, and says what is in use (the demo engine)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle

from desktop.settings import GROUPS, Settings
from desktop.ui.settings_dialog import DEMO_NOTE, SETTLE_MS, SettingsDialog


async def _never_called(url: str) -> str:
    raise AssertionError("no engine check expected")


def shown(qtbot, settings: Settings, no_player_system, check=_never_called) -> SettingsDialog:
    dialog = SettingsDialog(settings, check, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_typed_problem_shows_when_typing_pauses_and_the_dialog_never_changes_height(qtbot, ui_loop, no_player_system):
    dialog = shown(qtbot, Settings(), no_player_system)
    height = dialog.height()
    url = dialog.engine_url
    url.clear()
    qtbot.keyClicks(url, "h")  # the first letter of "http://…" is not yet a mistake worth a red line
    assert not dialog.ok_button.isEnabled()  # but OK already knows
    assert dialog.shown_errors() == {}
    qtbot.waitUntil(lambda: "engine_url" in dialog.shown_errors(), timeout=SETTLE_MS * 3)
    assert dialog.height() == height

    qtbot.keyClicks(url, "ttp://127.0.0.1:6878")
    assert dialog.shown_errors() == {}  # a fixed problem goes at once
    assert dialog.ok_button.isEnabled() and dialog.height() == height

    dialog.player_command.setText("surely-not-a-player")
    dialog.player_command.editingFinished.emit()  # leaving the field judges it without waiting
    assert "player_command" in dialog.shown_errors()
    qtbot.wait(10)
    assert dialog.height() == height


def test_editing_the_url_clears_an_old_test_connection_answer(qtbot, ui_loop, no_player_system):
    async def refuse(url: str) -> str:
        raise ConnectionError("connection refused")

    dialog = shown(qtbot, Settings(), no_player_system, check=refuse)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("No answer from the engine"), timeout=3000)
    dialog.queue_size.setValue(100)  # another field's change leaves the answer alone
    assert dialog.test_result.text().startswith("No answer from the engine")
    qtbot.keyClicks(dialog.engine_url, "9")
    assert not dialog.test_result.text().startswith("No answer")
    assert dialog.shown_errors() == {}


def test_with_the_demo_engine_the_engine_url_is_not_editable_and_says_why(qtbot, ui_loop, no_player_system):
    dialog = shown(qtbot, Settings(demo_engine=True), no_player_system)
    assert not dialog.engine_url.isEnabled() and not dialog.test_button.isEnabled()
    assert dialog.test_result.text() == DEMO_NOTE
    dialog.demo_engine.setChecked(False)
    assert dialog.engine_url.isEnabled() and dialog.test_button.isEnabled()
    assert dialog.test_result.text() != DEMO_NOTE
    dialog.demo_engine.click()
    assert not dialog.engine_url.isEnabled() and dialog.test_result.text() == DEMO_NOTE
    assert dialog.test_result.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse


def test_a_tab_per_group_keeps_the_dialog_small_and_a_problem_on_another_tab_is_pointed_at(
    qtbot, ui_loop, no_player_system
):
    dialog = shown(qtbot, Settings(), no_player_system)
    assert dialog.height() < 500  # fits a 768-pixel laptop screen with room to spare
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == list(GROUPS)
    dialog.player_command.setText("surely-not-a-player")  # on the last tab, while the first is shown
    dialog.player_command.editingFinished.emit()
    desktop_tab = GROUPS.index("Player and desktop")
    warning = dialog.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    assert dialog.tabs.tabIcon(desktop_tab).pixmap(16).toImage() == warning.pixmap(16).toImage()
    assert dialog.tabs.tabIcon(0).pixmap(16).toImage() != warning.pixmap(16).toImage()
    dialog.buttons.accepted.emit()  # OK (disabled for a click) or Enter: the problem's tab is shown
    assert dialog.tabs.currentIndex() == desktop_tab and dialog.isVisible()
