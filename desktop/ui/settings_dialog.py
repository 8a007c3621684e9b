"""The Settings dialog: every user setting, validated inline (OK disabled until valid).

Its rows are made from the settings' declarations (`desktop.settings.schema`):
label, help, limits and grouping come from there, so the dialog can never
disagree with `acetray serve` or the settings file about a rule. The dialog
only edits a `Settings` value; saving and applying it is the controller's job.
"Test connection" asks the engine for its version through an injected
coroutine function, so the dialog never touches the network and the UI never
freezes while the engine answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import GROUPS, Settings, specs
from desktop.ui import player
from desktop.ui.setting_widgets import SettingEditor

log = logging.getLogger(__name__)

EngineCheck = Callable[[str], Awaitable[str]]
_ERROR_STYLE = "color: #c0392b;"
_HINT_STYLE = "color: palette(mid);"


class SettingsDialog(QDialog):
    settings_accepted = Signal(object)  # Settings

    def __init__(
        self,
        settings: Settings,
        check_engine: EngineCheck,
        *,
        autostart_supported: bool = True,
        override_note: str | None = None,
        player_system: player.PlayerSystem = player.PlayerSystem(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("AceTray Settings")
        self.setMinimumWidth(620)
        self._original = settings
        self._check_engine = check_engine
        self._player_system = player_system
        self._check_task: asyncio.Task[None] | None = None
        self._editors: dict[str, SettingEditor] = {}
        self._error_labels: dict[str, QLabel] = {}
        self._error_rows: dict[str, QFormLayout] = {}

        layout = QVBoxLayout(self)
        if override_note:
            note = QLabel(override_note)
            note.setWordWrap(True)
            layout.addWidget(note)
        forms = {group: QFormLayout() for group in GROUPS}
        for name, spec in specs():
            if spec.group is None:
                continue
            editor = SettingEditor(name, spec, getattr(settings, name))
            self._editors[name] = editor
            setattr(self, name, editor.widget)  # dialog.port, dialog.engine_url… for callers and tests
            self._add_row(forms[spec.group], name, editor)
            editor.changed.connect(self._validate)
        for group in GROUPS:
            forms[group].setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            box = QGroupBox(group)
            box.setLayout(forms[group])
            layout.addWidget(box)

        if not autostart_supported:
            self.start_on_login.setEnabled(False)
            self.start_on_login.setToolTip("Not supported on this system.")
        detected = player.detect_player(player_system)
        self.player_command.setPlaceholderText(f"auto-detect: {detected}" if detected else "auto-detect (none found)")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.finished.connect(self._cancel_engine_check)
        self._validate()

    # -- rows ------------------------------------------------------------------
    def _add_row(self, form: QFormLayout, name: str, editor: SettingEditor) -> None:
        widget = editor.widget
        field: QWidget | QHBoxLayout = widget
        if name == "engine_url":
            self.test_button = QPushButton("Test connection")
            self.test_button.clicked.connect(self._start_engine_check)
            field = _row(widget, self.test_button)
        elif name == "player_command":
            browse = QPushButton("Browse…")
            browse.clicked.connect(self._browse_player)
            field = _row(widget, browse)
        if isinstance(widget, QCheckBox):
            form.addRow("", field)
        else:
            form.addRow(f"{editor.spec.label}:", field)
        self._add_error_row(form, name)
        if name == "engine_url":
            self.test_result = QLabel()
            self.test_result.setWordWrap(True)
            self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.test_result)  # spans both columns: room for long engine errors
            form.setRowVisible(self.test_result, False)  # shown once there is a result
            self._engine_form = form

    def _add_error_row(self, form: QFormLayout, name: str) -> None:
        label = QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(_ERROR_STYLE)
        form.addRow(label)  # spans both columns so a long message wraps instead of being cut
        form.setRowVisible(label, False)
        self._error_rows[name] = form
        self._error_labels[name] = label

    # -- values and validation ----------------------------------------------
    def values(self) -> Settings:
        return dataclasses.replace(self._original, **{name: e.value() for name, e in self._editors.items()})

    def errors(self) -> dict[str, str]:
        problems = self.values().errors()
        player_problem = player.command_problem(self.player_command.text(), self._player_system)
        if player_problem:
            problems["player_command"] = player_problem
        return problems

    def _validate(self) -> None:
        problems = self.errors()
        for name, label in self._error_labels.items():
            label.setText(problems.get(name, ""))
            self._error_rows[name].setRowVisible(label, name in problems)
        self.ok_button.setEnabled(not problems)
        self.test_button.setEnabled("engine_url" not in problems)

    def _accept_if_valid(self) -> None:
        if self.errors():
            return
        self.accept()
        self.settings_accepted.emit(self.values())

    def _browse_player(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a video player")
        if path:
            self.player_command.setText(f'"{path}"' if " " in path else path)

    # -- Test connection ----------------------------------------------------
    def _start_engine_check(self) -> None:
        self._cancel_engine_check()
        url = self.values().engine_url
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet(_HINT_STYLE)
        self.test_result.setText(f"Asking {url} for its version…")
        self._engine_form.setRowVisible(self.test_result, True)
        self._check_task = asyncio.ensure_future(self._run_engine_check(url))

    async def _run_engine_check(self, url: str) -> None:
        # On cancellation (dialog closed) the widgets may be gone: touch nothing.
        try:
            version = await self._check_engine(url)
        except Exception as exc:  # EngineCheckError and anything unexpected: show it
            log.info("engine check of %s failed: %s", url, exc)
            self.test_result.setStyleSheet(_ERROR_STYLE)
            self.test_result.setText(f"No answer from the engine: {exc}")
        else:
            self.test_result.setStyleSheet("color: #27ae60;")
            self.test_result.setText(f"Connected: AceStream engine {version}.")
        self._check_task = None
        self._validate()

    def _cancel_engine_check(self) -> None:
        if self._check_task is not None and not self._check_task.done():
            self._check_task.cancel()
        self._check_task = None


def _row(main: QWidget, extra: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(main, 1)
    row.addWidget(extra)
    return row
