"""A small dialog asking for an AceStream link or id, validated as you type."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.links import LinkRequest


class LinkDialog(QDialog):
    """Emits `link_chosen(content_id)` on OK; OK stays disabled until the input holds an id."""

    link_chosen = Signal(str)

    def __init__(self, title: str, ok_text: str, initial: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.prompt = QLabel("AceStream link, content id, or a URL that contains one:")
        self.input = QLineEdit(initial)
        self.input.setPlaceholderText("acestream://0123456789abcdef0123456789abcdef01234567")
        self.input.setClearButtonEnabled(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.prompt, self.input, self.message, self.buttons):
            layout.addWidget(widget)
        self.input.textChanged.connect(self._validate)
        self._validate(self.input.text())

    def _validate(self, text: str) -> None:
        request = LinkRequest.parse(text)
        self.ok_button.setEnabled(request.content_id is not None)
        if request.content_id:
            self.message.setStyleSheet("color: palette(mid);")
            self.message.setText(f"Channel {request.content_id}")
        else:
            # Empty input gets a hint in neutral colour; wrong input a red message.
            self.message.setStyleSheet("" if not text.strip() else "color: #c0392b;")
            self.message.setText(request.problem or "")

    def _accept_if_valid(self) -> None:
        request = LinkRequest.parse(self.input.text())
        if request.content_id is None:
            return  # the message already says why; nothing is copied or played
        self.accept()
        self.link_chosen.emit(request.content_id)
