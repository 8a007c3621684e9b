"""Share with devices → TV apps: for the app a person picks, what to enter, Copy buttons, a QR code, and a Test.

The Test fetches what that app fetches, the way it does (`tuner/app_check.py`),
on the core's loop through `CoreHost`: the window never waits, and a second
click or another app cancels the check under way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.tuner.app_check import How, TvLinks
from desktop.ui.qr import qr_image
from desktop.ui.tv_apps import FIELD_LABELS, TV_APPS, TvApp, field_text

log = logging.getLogger(__name__)

Check = Callable[[How, TvLinks], Awaitable[str]]
TUNER_OFF = "The network tuner is off, so this app cannot find or use AceTray as a tuner."


class TvAppsPanel(QWidget):
    tuner_requested = Signal()  # "Turn on the tuner" was clicked

    def __init__(self, check: Check | None, *, tuner_on: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self._tuner_on = tuner_on
        self._links = TvLinks("", "", "")
        self._task: asyncio.Task[None] | None = None

        self.apps = QListWidget()
        self.apps.addItems([app.name for app in TV_APPS])
        self.apps.setFixedWidth(170)
        self.steps = QLabel()
        self.steps.setWordWrap(True)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tuner_off = QFrame()
        self.tuner_off.setObjectName("tunerOff")
        self.tuner_off.setStyleSheet(
            "QFrame#tunerOff { background: #fff4dc; border: 1px solid #7a4d00; border-radius: 4px; }"
            "QFrame#tunerOff QLabel { color: #7a4d00; }"
        )
        off_row = QHBoxLayout(self.tuner_off)
        off_text = QLabel(TUNER_OFF)
        off_text.setWordWrap(True)
        self.turn_on = QPushButton("Turn on the tuner")
        self.turn_on.clicked.connect(self.tuner_requested)
        off_row.addWidget(off_text, 1)
        off_row.addWidget(self.turn_on)

        self.fields: dict[str, tuple[QLabel, QLineEdit, QPushButton]] = {}
        grid = QGridLayout()
        for row, (name, label) in enumerate(FIELD_LABELS.items()):
            line = QLineEdit()
            line.setReadOnly(True)
            copy = QPushButton("Copy")
            copy.clicked.connect(lambda _checked=False, line=line: QGuiApplication.clipboard().setText(line.text()))
            title = QLabel(f"{label}:")
            grid.addWidget(title, row, 0)
            grid.addWidget(line, row, 1)
            grid.addWidget(copy, row, 2)
            self.fields[name] = (title, line, copy)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.test = QPushButton("Test")
        self.test.setToolTip("Fetch what this app fetches, the way it does, and say what came back")
        self.test.clicked.connect(self.start_test)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test)
        test_row.addWidget(self.result, 1)

        detail = QVBoxLayout()
        detail.addWidget(self.tuner_off)
        detail.addWidget(self.steps)
        detail.addLayout(grid)
        detail.addLayout(test_row)
        detail.addWidget(self.qr)
        detail.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.apps)
        layout.addLayout(detail, 1)

        self.apps.currentRowChanged.connect(self._show_app)
        self.apps.setCurrentRow(0)

    @property
    def app(self) -> TvApp:
        return TV_APPS[max(0, self.apps.currentRow())]

    def show_links(self, links: TvLinks) -> None:
        self._links = links
        self._show_app()

    def select(self, name: str) -> None:
        self.apps.setCurrentRow(next(i for i, app in enumerate(TV_APPS) if app.name == name))

    def _show_app(self) -> None:
        self._cancel()
        app = self.app
        self.steps.setText(app.steps)
        for name, (title, line, copy) in self.fields.items():
            shown = name in app.fields
            for widget in (title, line, copy):
                widget.setVisible(shown)
            line.setText(field_text(app, name, self._links) if shown else "")
            line.setCursorPosition(0)
        first = field_text(app, app.fields[0], self._links)
        self.qr.setPixmap(QPixmap.fromImage(qr_image(first, module_px=3)) if first else QPixmap())
        self.qr.setToolTip(first)
        self.tuner_off.setVisible(not self._tuner_on and app.how in (How.TUNER, How.DISCOVERY))
        self.result.clear()
        self.test.setEnabled(self._check is not None)

    # -- Test ----------------------------------------------------------------------------------
    def start_test(self) -> None:
        if self._check is None:
            return
        self._cancel()
        self.result.setText(f"Fetching what {self.app.name} fetches…")
        self.test.setEnabled(False)
        self._task = asyncio.ensure_future(self._run(self._check, self.app, self._links))

    async def _run(self, check: Check, app: TvApp, links: TvLinks) -> None:
        # Cancelled when the app or the address changes, or the dialog closes: then touch nothing.
        try:
            seen = await check(app.how, links)
        except Exception as exc:  # AppCheckFailed says why; anything else is shown too, and logged
            if type(exc).__name__ != "AppCheckFailed":
                log.exception("testing %s failed", app.name)
            self.result.setText(f"✗ {exc}")
        else:
            self.result.setText(f"✓ {seen}")
        self._task = None
        self.test.setEnabled(True)

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        self.test.setEnabled(self._check is not None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._cancel()
        super().closeEvent(event)
