"""Choosing a channel's guide channel by hand: every guide's channels, searchable by name or id.

Opened from a channel's menu in the Channels tab. Shows what the guides hold
(display name, id, which guide), filtered as the person types, the channel's
current match selected; OK sends the chosen `GuideRef` as `picked`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.channels import Channel, source_label
from desktop.streaming.channels.names import normalize_name
from desktop.streaming.guide.match import GuideRef
from desktop.streaming.guide.state import GuideView
from desktop.ui.channels_model import channel_title


class GuidePicker(QDialog):
    picked = Signal(object)  # the chosen GuideRef, once OK is pressed

    def __init__(self, channel: Channel, guide: GuideView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Guide for {channel_title(channel)}")
        self.setMinimumSize(520, 440)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the guides' channels by name or id")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.itemDoubleClicked.connect(self.accept)
        current = guide.match_for(channel.key)
        chosen = current.ref if current is not None else None
        for guide_channel in guide.channels:
            names = " / ".join(guide_channel.names) or guide_channel.id
            item = QListWidgetItem(f"{names}    ({guide_channel.id}, {source_label(guide_channel.source)})")
            item.setData(Qt.ItemDataRole.UserRole, guide_channel.ref)
            # Searched as one string per row, made once: names normalised as the matcher sees them, and the id.
            haystack = " ".join([*(normalize_name(n) for n in guide_channel.names), guide_channel.id.casefold()])
            item.setData(Qt.ItemDataRole.UserRole + 1, haystack)
            self.list.addItem(item)
            if guide_channel.ref == chosen:
                self.list.setCurrentItem(item)
        empty = "No guide has been read yet: add one in Playlists… (TV guide), or wait for the playlists' own."
        self.empty = QLabel(empty)
        self.empty.setWordWrap(True)
        self.empty.setVisible(not guide.channels)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.list.currentItemChanged.connect(lambda *_: self.ok.setEnabled(self.chosen() is not None))
        self.ok.setEnabled(self.chosen() is not None)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        if chosen is None:  # start from what the matcher looked for, unless nothing has that name
            self.search.setText(normalize_name(channel.name))
            if self.chosen() is None:
                self.search.clear()

    def accept(self) -> None:
        chosen = self.chosen()
        if chosen is not None:
            super().accept()
            self.picked.emit(chosen)

    def chosen(self) -> GuideRef | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        ref = item.data(Qt.ItemDataRole.UserRole)
        return ref if isinstance(ref, GuideRef) else None

    def _filter(self, text: str) -> None:
        words = normalize_name(text).split() or text.casefold().split()
        for row in range(self.list.count()):
            item = self.list.item(row)
            haystack = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setHidden(not all(word in haystack for word in words))
        current = self.list.currentItem()
        if current is None or current.isHidden():
            self._select_first_shown()

    def _select_first_shown(self) -> None:
        for row in range(self.list.count()):
            if not self.list.item(row).isHidden():
                self.list.setCurrentRow(row)
                return
