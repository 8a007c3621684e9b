"""The Settings dialog: every user setting, validated inline (OK disabled until valid).

The dialog only edits a `Settings` value; saving and applying it to the
running proxy is the controller's job. "Test connection" asks the engine for
its version through an injected coroutine function, so the dialog never
touches the network and the UI never freezes while the engine answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import Settings
from desktop.ui import player

log = logging.getLogger(__name__)

EngineCheck = Callable[[str], Awaitable[str]]
_ERROR_STYLE = "color: #c0392b;"
_HINT_STYLE = "color: palette(mid);"


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    return form


def _seconds_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    # Wider than the valid range on purpose: out-of-range values get the
    # readable message from Settings.errors() instead of being silently clamped.
    box.setRange(0, 100_000)
    box.setDecimals(1)
    box.setSuffix(" s")
    return box


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
        self._error_labels: dict[str, QLabel] = {}

        self._error_rows: dict[str, tuple[QFormLayout, QLabel]] = {}

        # Engine
        engine_form = _form()
        self.engine_url = QLineEdit(settings.engine_url)
        self.engine_url.setPlaceholderText("http://127.0.0.1:6878")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self._start_engine_check)
        engine_row = QHBoxLayout()
        engine_row.addWidget(self.engine_url, 1)
        engine_row.addWidget(self.test_button)
        engine_form.addRow("Engine URL:", engine_row)
        self._add_error_row(engine_form, "engine_url")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        engine_form.addRow(self.test_result)  # spans both columns: room for long engine errors
        self._test_result_row = engine_form.rowCount() - 1
        engine_form.setRowVisible(self._test_result_row, False)  # shown once there is a result
        self._engine_form = engine_form
        self.demo_engine = QCheckBox("Use the built-in demo engine instead (no AceStream needed)")
        self.demo_engine.setChecked(settings.demo_engine)
        engine_form.addRow("", self.demo_engine)

        # Network
        network_form = _form()
        self.lan_sharing = QCheckBox("Share on my network (listen on all interfaces)")
        self.lan_sharing.setChecked(settings.lan_sharing)
        self.lan_sharing.setToolTip("Off: only players on this computer can connect (127.0.0.1).")
        network_form.addRow("", self.lan_sharing)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(settings.port)
        network_form.addRow("Port:", self.port)
        self._add_error_row(network_form, "port")

        # Streaming
        streaming_form = _form()
        self.queue_size = QSpinBox()
        self.queue_size.setRange(1, 100_000)
        self.queue_size.setSuffix(" chunks")
        self.queue_size.setValue(settings.queue_size)
        self.queue_size.setToolTip("How far a slow player may fall behind before it skips ahead.")
        streaming_form.addRow("Queue per player:", self.queue_size)
        self._add_error_row(streaming_form, "queue_size")
        self.stale_timeout = _seconds_box()
        self.stale_timeout.setValue(settings.stale_timeout)
        self.stale_timeout.setToolTip("A player that takes nothing for this long is disconnected.")
        streaming_form.addRow("Drop a stuck player after:", self.stale_timeout)
        self._add_error_row(streaming_form, "stale_timeout")
        self.empty_timeout = _seconds_box()
        self.empty_timeout.setValue(settings.empty_timeout)
        self.empty_timeout.setToolTip("Reconnect to the engine when it sends nothing for this long.")
        streaming_form.addRow("Reconnect when silent for:", self.empty_timeout)
        self._add_error_row(streaming_form, "empty_timeout")
        self.linger = _seconds_box()
        self.linger.setValue(settings.linger)
        self.linger.setToolTip("Keep a channel open this long after its last player leaves, for quick zapping back.")
        streaming_form.addRow("Keep a channel after its last player:", self.linger)
        self._add_error_row(streaming_form, "linger")

        # Player and desktop
        desktop_form = _form()
        self.player_command = QLineEdit(settings.player_command)
        detected = player.detect_player(player_system)
        self.player_command.setPlaceholderText(f"auto-detect: {detected}" if detected else "auto-detect (none found)")
        self.player_command.setToolTip("A program and its options; {url} marks where the link goes, else it is added last.")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_player)
        player_row = QHBoxLayout()
        player_row.addWidget(self.player_command, 1)
        player_row.addWidget(browse)
        desktop_form.addRow("Player command:", player_row)
        self._add_error_row(desktop_form, "player_command")
        self.link_action = QComboBox()
        self.link_action.addItem("Copy the stream link", "copy")
        self.link_action.addItem("Open it in the player", "play")
        self.link_action.setCurrentIndex(max(0, self.link_action.findData(settings.link_action)))
        self.link_action.setToolTip("What AceTray does with an acestream:// link it is opened with (browser, second launch).")
        desktop_form.addRow("acestream:// links:", self.link_action)
        self.start_on_login = QCheckBox("Start AceTray when I log in")
        self.start_on_login.setChecked(settings.start_on_login)
        if not autostart_supported:
            self.start_on_login.setEnabled(False)
            self.start_on_login.setToolTip("Not supported on this system.")
        desktop_form.addRow("", self.start_on_login)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if override_note:
            note = QLabel(override_note)
            note.setWordWrap(True)
            layout.addWidget(note)
        for title, form in (
            ("AceStream engine", engine_form),
            ("Sharing", network_form),
            ("Streaming", streaming_form),
            ("Player and desktop", desktop_form),
        ):
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addWidget(self.buttons)

        for line in (self.engine_url, self.player_command):
            line.textChanged.connect(self._validate)
        for box in (self.port, self.queue_size):
            box.valueChanged.connect(self._validate)
        for box in (self.stale_timeout, self.empty_timeout, self.linger):
            box.valueChanged.connect(self._validate)
        self.finished.connect(self._cancel_engine_check)
        self._validate()

    def _add_error_row(self, form: QFormLayout, field: str) -> None:
        label = QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(_ERROR_STYLE)
        form.addRow(label)  # spans both columns so a long message wraps instead of being cut
        form.setRowVisible(form.rowCount() - 1, False)
        self._error_rows[field] = (form, label)
        self._error_labels[field] = label

    # -- values and validation ----------------------------------------------
    def values(self) -> Settings:
        return dataclasses.replace(
            self._original,
            engine_url=self.engine_url.text().strip(),
            demo_engine=self.demo_engine.isChecked(),
            lan_sharing=self.lan_sharing.isChecked(),
            port=self.port.value(),
            queue_size=self.queue_size.value(),
            stale_timeout=self.stale_timeout.value(),
            empty_timeout=self.empty_timeout.value(),
            linger=self.linger.value(),
            player_command=self.player_command.text().strip(),
            link_action=self.link_action.currentData(),
            start_on_login=self.start_on_login.isChecked(),
        )

    def errors(self) -> dict[str, str]:
        problems = self.values().errors()
        player_problem = player.command_problem(self.player_command.text(), self._player_system)
        if player_problem:
            problems["player_command"] = player_problem
        return problems

    def _validate(self) -> None:
        problems = self.errors()
        for field, (form, label) in self._error_rows.items():
            label.setText(problems.get(field, ""))
            form.setRowVisible(label, field in problems)
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
        url = self.engine_url.text().strip().rstrip("/")
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet(_HINT_STYLE)
        self.test_result.setText(f"Asking {url} for its version…")
        self._engine_form.setRowVisible(self._test_result_row, True)
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
