"""A line of text under a field that never changes the dialog's height as it changes.

It always holds something — a grey hint, a red problem, a check in progress or
its result — in space reserved up front, so typing never makes rows appear,
vanish or push the buttons around.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class Tone(enum.Enum):
    HINT = "color: palette(mid);"
    ERROR = "color: #c0392b;"
    WARNING = "color: #9a6700;"  # allowed, but worth knowing (dark amber: readable on light and grey)
    GOOD = "color: #27ae60;"


class NoteLine(QLabel):
    def __init__(self, hint: str = "", lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * lines + 2)
        self.hint = hint
        self.tone = Tone.HINT
        self.say(hint)

    def say(self, text: str, tone: Tone = Tone.HINT, detail: str = "") -> None:
        """Show `text` (`detail`, e.g. the technical reason, as its tooltip)."""
        self.tone = tone
        self.setStyleSheet(tone.value)
        self.setText(text)
        self.setToolTip(detail)

    def show_hint(self) -> None:
        self.say(self.hint)

    @property
    def is_error(self) -> bool:
        return self.tone is Tone.ERROR
