"""A small dialog asking for a channel: its name (with completion), an AceStream link or an id.

Completion lists the imported channels the typed words fit (`channel_lookup.py`),
refilled as the person types (`textEdited`: a completion put into the field by the
popup is not typing). OK stays disabled until the input names one channel.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.channels import Catalog, Channel
from desktop.streaming.channels.catalog import EMPTY_CATALOG
from desktop.ui.channel_lookup import Verdict, completions, describe, lookup
from desktop.ui.note_line import NoteLine, Tone

AnyIndex = QModelIndex | QPersistentModelIndex
CHANNEL_ROLE = Qt.ItemDataRole.UserRole


class CompletionModel(QAbstractListModel):
    """The channels offered for what is typed: the popup shows name and group, the field gets the name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.channels: list[Channel] = []

    def show(self, channels: list[Channel]) -> None:
        self.beginResetModel()
        self.channels = channels
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.channels)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.channels):
            return None
        channel = self.channels[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return describe(channel)
        if role == Qt.ItemDataRole.EditRole:
            return channel.name  # what the completer puts into the field
        if role == CHANNEL_ROLE:
            return channel
        return None


class LinkDialog(QDialog):
    """Emits `channel_chosen(ChannelKey)` on OK."""

    channel_chosen = Signal(object)  # ChannelKey

    def __init__(
        self,
        title: str,
        ok_text: str,
        catalog: Catalog = EMPTY_CATALOG,
        initial: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._catalog = catalog
        self._picked: Channel | None = None  # the completion chosen, while the field still holds its name
        named = bool(len(catalog))
        self.prompt = QLabel(
            "Channel name, AceStream link or content id:"
            if named
            else "AceStream link, content id, or a URL that contains one:"
        )
        self.input = QLineEdit(initial)
        self.input.setMinimumWidth(500)  # the dialog's width (it is sized by its content)
        self.input.setPlaceholderText(
            "a channel's name, or acestream://…" if named else "acestream://0123456789abcdef0123456789abcdef01234567"
        )
        self.input.setClearButtonEnabled(True)
        self.completions = CompletionModel(self)
        self.completer = QCompleter(self.completions, self)
        # The model holds exactly the channels to offer (found by words anywhere, accents aside):
        # the completer must not filter them again by prefix.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.activated.connect(self._on_picked)
        self.input.setCompleter(self.completer)
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
        self.input.textEdited.connect(self._offer)
        self.input.textChanged.connect(self._validate)
        self._validate(self.input.text())

    def _offer(self, text: str) -> None:
        """Typing: the channels the words fit, for the completer's popup (which shows itself)."""
        self.completions.show(completions(text, self._catalog))

    def _on_picked(self, _name: str) -> None:
        # Two channels may share a name: the row picked in the popup says which one.
        popup = self.completer.popup()
        channel = popup.currentIndex().data(CHANNEL_ROLE) if popup is not None else None
        if isinstance(channel, Channel):
            self._picked = channel
            self.input.setText(channel.name)
            self._validate(channel.name)

    def _validate(self, text: str) -> None:
        found = lookup(text, self._catalog, self._picked)
        self.ok_button.setEnabled(found.verdict is Verdict.FOUND)
        tone = {Verdict.FOUND: Tone.GOOD, Verdict.HINT: Tone.HINT, Verdict.WRONG: Tone.ERROR}[found.verdict]
        self.message.say(found.message, tone)

    def _accept_if_valid(self) -> None:
        found = lookup(self.input.text(), self._catalog, self._picked)
        if found.key is None:
            return  # the message already says why; nothing is copied or played
        self.accept()
        self.channel_chosen.emit(found.key)
