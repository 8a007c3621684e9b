"""The Settings dialog: every user setting, validated inline (OK disabled until valid).

Typing never makes the dialog jump: OK follows every keystroke, but a problem
with a typed value is shown when editing pauses (`SETTLE_MS`) or ends, in a
note line under the field whose space is always there (`note_line.py`).

Its rows are made from the settings' declarations (`desktop.settings.schema`):
label, help, limits and grouping (a tab per group, so it fits a laptop's screen) come from
there, so the dialog can never disagree with `acetray serve` or the settings file about a rule. The dialog
only edits a `Settings` value; saving and applying it is the controller's job.
"Test connection" asks the engine for its version through an injected
coroutine function, so the dialog never touches the network and the UI never
freezes while the engine answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import GROUPS, Settings, specs, token_weakness
from desktop.ui import player
from desktop.ui.engine_rows import Discover, EngineRows
from desktop.ui.note_line import NoteLine, Tone
from desktop.ui.setting_widgets import SettingEditor
from desktop.ui.settings_prompts import ask_new_token, browse_player
from desktop.ui.settings_refusals import RefusalMarks

log = logging.getLogger(__name__)

EngineCheck = Callable[[str], Awaitable[str]]
GROUP_WIDTH = 600
SETTLE_MS = 600  # a typed value is judged once typing pauses this long (or the field is left)
_HINTS = {
    "engine_url": "Test connection asks the engine at this address for its version.",
    "port": "Players connect to this port; 1024 to 65535.",
    "access_token": "With LAN sharing on, every device's link carries it; Share with devices… shows them whole.",
    "player_command": "{url} marks where the link goes, else it is added last. Empty: VLC or mpv, found automatically.",
    "warm_favourites": "",  # its cost, for the number chosen (warm_cost)
}
DEMO_NOTE = "The built-in demo engine is in use; the Engine URL applies when it is turned off."
TUNER_NOTE = (
    "While the tuner is on, TV apps on your network can list and play your channels without the access "
    "token; everything else still asks for it."
)


def warm_cost(count: int) -> str:
    """What keeping `count` favourites ready costs, said plainly under the setting."""
    if count == 0:
        return "Off: a favourite starts when you choose it, after the engine's few seconds."
    which = "Your first favourite downloads" if count == 1 else f"Your first {count} favourites download"
    return f"{which} all the time, as if watched (often 0.5 to 1 MB/s each, shared with peers): zapping is instant."


class SettingsDialog(QDialog):
    settings_accepted = Signal(object)  # Settings

    # One editor per setting is made from the declarations and set as an attribute of the
    # same name (`dialog.port`, …); these are the ones the dialog's own code reaches for.
    engine_url: QLineEdit
    engine_mode: QComboBox
    engine_program: QLineEdit
    docker_image: QLineEdit
    engine_start: QComboBox
    demo_engine: QCheckBox
    access_token: QLineEdit
    player_command: QLineEdit
    start_on_login: QCheckBox
    tuner: QCheckBox

    def __init__(
        self,
        settings: Settings,
        check_engine: EngineCheck,
        *,
        autostart_supported: bool = True,
        override_note: str | None = None,
        player_system: player.PlayerSystem = player.PlayerSystem(),
        discover_engines: Discover | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("AceTray Settings")
        self._original = settings
        self._check_engine = check_engine
        self._player_system = player_system
        self._check_task: asyncio.Task[None] | None = None
        self._engine_answered = False  # a Test connection answer is on show (until the URL is edited)
        self._editors: dict[str, SettingEditor] = {}
        self._notes: dict[str, NoteLine] = {}  # under each typed field: hint, problem or check result
        # What AceTray refused when OK was pressed (the port is taken…), told until it is changed.
        self.refusals = RefusalMarks(lambda name: self._editors[name].value(), self._note_shown)
        self._applying = False
        self._rows: dict[str, tuple[QFormLayout, QWidget | QHBoxLayout]] = {}  # name → (form, field)
        self._tab_of: dict[str, int] = {}  # setting name → its group's tab
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._validate)

        layout = QVBoxLayout(self)
        # Sized by its content, not the user: the note lines keep that size steady,
        # and window managers draw no resize handle (an empty strip) under it.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
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
            self._tab_of[name] = GROUPS.index(spec.group)
            self._add_row(forms[spec.group], name, editor)
        self.tabs = QTabWidget()
        for group in GROUPS:
            forms[group].setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            page = QWidget()
            page.setMinimumWidth(GROUP_WIDTH)  # the dialog's width: it is sized by its content
            page_layout = QVBoxLayout(page)
            page_layout.addLayout(forms[group])
            page_layout.addStretch(1)
            self.tabs.addTab(page, group)
        layout.addWidget(self.tabs)
        self.test_result = self._notes["engine_url"]  # Test connection answers where URL problems show
        self.demo_engine.toggled.connect(self._on_demo_toggled)
        self.engine_rows = EngineRows(
            self,
            mode=self.engine_mode,
            program=self.engine_program,
            browse=self.browse_engine,
            image=self.docker_image,
            default_image=self.default_image,
            start=self.engine_start,
            notes=self._notes,
            show_row=self._show_row,
            discover=discover_engines,
            on_found=self._validate,
        )

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
        self.finished.connect(self.engine_rows.cancel)
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
        elif name == "access_token":
            assert isinstance(widget, QLineEdit)
            widget.setReadOnly(True)  # made by AceTray: a typed one is easy to guess
            self.new_token_button = QPushButton("New token")
            self.new_token_button.clicked.connect(lambda: ask_new_token(self, self.access_token))
            field = _row(widget, self.new_token_button)
        elif name == "engine_program":
            self.browse_engine = QPushButton("Browse…")  # EngineRows handles it
            field = _row(widget, self.browse_engine)
        elif name == "docker_image":
            self.default_image = QPushButton("Default")  # EngineRows handles it
            field = _row(widget, self.default_image)
        elif name == "engine_mode":
            field = self._mode_row = _row(widget)
        elif name == "engine_start":
            # Beside the mode it qualifies ("Start AceStream on this computer", "When AceTray starts").
            self._mode_row.addWidget(widget)
            editor.changed.connect(self._validate)
            return
        self._rows[name] = (form, field)
        if isinstance(widget, QCheckBox):
            form.addRow("", field)
            if name == "tuner":
                self._add_tuner_note(form, widget)
        else:
            form.addRow(f"{editor.spec.label}:", field)
        if isinstance(widget, QLineEdit) or editor.spec.floor is not None or name in _HINTS:
            # Only fields that can hold a value their rule refuses get a note line: typed ones, and numbers
            # that may go below their rule (port 80), which say why; and a setting with a cost to say.
            note = NoteLine(_HINTS.get(name, ""))
            form.addRow(note)  # spans both columns, so a long message wraps instead of being cut
            self._notes[name] = note
            self._rows[f"{name}:note"] = (form, note)
        if isinstance(widget, QLineEdit):
            editor.changed.connect(lambda n=name: self._on_typing(n))
            widget.editingFinished.connect(self._validate)
        else:
            editor.changed.connect(self._validate)

    def _add_tuner_note(self, form: QFormLayout, tuner: QCheckBox) -> None:
        """Said once the tuner is on: what TV apps may then do without the token."""
        self.tuner_note = QLabel(TUNER_NOTE)
        self.tuner_note.setWordWrap(True)
        # Across both columns, as the note lines are: in the field column alone a wrapping label
        # takes a narrow width of its own and leaves the dialog's right half empty.
        form.addRow(self.tuner_note)
        form.setRowVisible(self.tuner_note, tuner.isChecked())
        tuner.toggled.connect(lambda on: form.setRowVisible(self.tuner_note, on))

    def _show_row(self, name: str, visible: bool) -> None:
        """Show or hide a setting's row and its note line."""
        for key in (name, f"{name}:note"):
            if key in self._rows:
                form, field = self._rows[key]
                form.setRowVisible(field, visible)

    # -- values and validation ----------------------------------------------
    def values(self) -> Settings:
        return dataclasses.replace(self._original, **{name: e.value() for name, e in self._editors.items()})

    def errors(self) -> dict[str, str]:
        problems = self.values().errors()
        player_problem = player.command_problem(self.player_command.text(), self._player_system)
        if player_problem:
            problems["player_command"] = player_problem
        return problems

    def shown_errors(self) -> dict[str, str]:
        """The problems the user can see right now, by setting name."""
        return {name: note.text() for name, note in self._notes.items() if note.is_error}

    def _on_typing(self, name: str) -> None:
        problems = self.errors()
        note = self._notes[name]
        if name == "engine_url" and (self._engine_answered or self._check_task is not None):
            self._cancel_engine_check()  # an answer about the old address would mislead: it goes at once
            self._engine_answered = False
            note.show_hint()
        if name not in problems and note.is_error:
            self._show_note(name, problems)  # a fixed problem goes at once
        self._update_buttons(problems)
        self._settle.start()  # a new problem waits until typing pauses

    def _validate(self) -> None:
        self._settle.stop()
        problems = self.errors()
        for name in self._notes:
            checking = self._check_task is not None or self._engine_answered
            if name == "engine_url" and checking and name not in problems:
                continue  # the check (or its answer about the address shown) owns the line
            self._show_note(name, problems)
        self._update_buttons(problems)
        self._mark_tabs(problems)

    def _mark_tabs(self, problems: dict[str, str]) -> None:
        """A warning sign on each tab with a problem, so one on another tab is not a mystery.

        The other tabs get a blank icon of the same size: a sign appearing must not
        make the tab bar, and so the dialog, taller.
        """
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        blank = QPixmap(self.tabs.iconSize())
        blank.fill(Qt.GlobalColor.transparent)
        marked = set(problems) | {refusal.setting for refusal in self.refusals.standing().values()}
        troubled = {self._tab_of[name] for name in marked if name in self._tab_of}
        for index in range(self.tabs.count()):
            self.tabs.setTabIcon(index, warning if index in troubled else QIcon(blank))

    def _show_note(self, name: str, problems: dict[str, str]) -> None:
        note = self._notes[name]
        refused = self.refusals.standing().get(name)
        if name in problems:
            note.say(problems[name], Tone.ERROR)
        elif refused is not None:
            note.say(refused.message, Tone.ERROR)
        elif name == "engine_url" and self.demo_engine.isChecked():
            note.say(DEMO_NOTE)
        elif name == "access_token" and (weakness := token_weakness(self.access_token.text())):
            note.say(weakness, Tone.WARNING)  # a token from the file or --token: allowed, not advised
        elif name == "warm_favourites":
            note.say(warm_cost(self._editors[name].value()))
        else:
            note.show_hint()

    def _update_buttons(self, problems: dict[str, str]) -> None:
        self.ok_button.setEnabled(not problems and not self._applying)
        demo = self.demo_engine.isChecked()
        # In demo mode the URL is not used; a URL with a problem stays editable so it can be fixed.
        self.engine_url.setEnabled(not demo or "engine_url" in problems)
        self.engine_url.setToolTip(DEMO_NOTE if demo else self._editors["engine_url"].tooltip)
        self.test_button.setEnabled(not demo and "engine_url" not in problems and self._check_task is None)
        self.test_button.setToolTip(DEMO_NOTE if demo else "Ask the engine for its version")
        if demo:
            self._cancel_engine_check()

    def _on_demo_toggled(self, _demo: bool) -> None:
        self._cancel_engine_check()
        self._engine_answered = False  # an answer about the real engine is beside the point now
        self._validate()

    def _accept_if_valid(self) -> None:
        problems = self.errors()
        if problems:
            self._validate()
            first = min(self._tab_of.get(name, 0) for name in problems)
            self.tabs.setCurrentIndex(first)  # where the problem is, in words
            return
        # Open until the change is in force (SettingsFlow closes it), so a refusal loses no edit.
        self.settings_accepted.emit(self.values())

    # -- applying ------------------------------------------------------------
    def set_applying(self, applying: bool) -> None:
        """OK waits while the change is being put in force."""
        self._applying = applying
        self._update_buttons(self.errors())

    def show_refusal(self, setting: str | None, message: str) -> None:
        """AceTray refused the change: the dialog stays open with every edit and marks `setting`."""
        self._applying = False
        if setting in self._editors:
            self.refusals.mark(setting, message)
            self.tabs.setCurrentIndex(self._tab_of[setting])
            self._editors[setting].widget.setFocus()
        self._validate()

    def _note_shown(self, name: str) -> bool:
        note = self._notes.get(name)
        return note is not None and not note.isHidden()

    def _browse_player(self) -> None:
        if browse_player(self, self.player_command):
            self._validate()

    # -- Test connection ----------------------------------------------------
    def _start_engine_check(self) -> None:
        self._cancel_engine_check()
        url = self.values().engine_url
        self.test_result.say(f"Asking {url} for its version…")
        self._engine_answered = False
        self._check_task = asyncio.ensure_future(self._run_engine_check(url))
        self.test_button.setEnabled(False)

    async def _run_engine_check(self, url: str) -> None:
        # On cancellation (dialog closed, URL edited) the widgets may be gone: touch nothing.
        try:
            version = await self._check_engine(url)
        except Exception as exc:  # EngineCheckError and anything unexpected: show it
            log.info("engine check of %s failed: %s", url, exc)
            self.test_result.say(f"No answer from the engine: {exc}", Tone.ERROR, detail=str(exc))
        else:
            self.test_result.say(f"Connected: AceStream engine {version}.", Tone.GOOD)
        self._check_task = None
        self._engine_answered = True
        self._update_buttons(self.errors())

    def _cancel_engine_check(self) -> None:
        if self._check_task is not None and not self._check_task.done():
            self._check_task.cancel()
        self._check_task = None


def _row(main: QWidget, extra: QWidget | None = None) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(main, 1)
    if extra is not None:
        row.addWidget(extra)
    return row
