"""A small dialog asking for an AceStream link or id, validated as you type."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.links import LinkRequest
from desktop.ui.note_line import NoteLine, Tone


class LinkDialog(QDialog):
    """Emits `link_chosen(content_id)` on OK; OK stays disabled until the input holds an id."""

    link_chosen = Signal(str)

    def __init__(self, title: str, ok_text: str, initial: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.prompt = QLabel("AceStream link, content id, or a URL that contains one:")
        self.input = QLineEdit(initial)
        self.input.setMinimumWidth(500)  # the dialog's width (it is sized by its content)
        self.input.setPlaceholderText("acestream://0123456789abcdef0123456789abcdef01234567")
        self.input.setClearButtonEnabled(True)
        self.message = NoteLine(lines=2)  # room for the longest message: the dialog never jumps
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # Not resizable: nothing in it grows, and window managers then draw no resize handle.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        for widget in (self.prompt, self.input, self.message, self.buttons):
            layout.addWidget(widget)
        self.input.textChanged.connect(self._validate)
        self._validate(self.input.text())

    def _validate(self, text: str) -> None:
        request = LinkRequest.parse(text)
        self.ok_button.setEnabled(request.content_id is not None)
        if request.content_id:
            self.message.say(f"Channel {request.content_id}")
        else:
            # Empty input gets a hint in neutral colour; wrong input a red message.
            self.message.say(request.problem or "", Tone.HINT if not text.strip() else Tone.ERROR)

    def _accept_if_valid(self) -> None:
        request = LinkRequest.parse(self.input.text())
        if request.content_id is None:
            return  # the message already says why; nothing is copied or played
        self.accept()
        self.link_chosen.emit(request.content_id)
