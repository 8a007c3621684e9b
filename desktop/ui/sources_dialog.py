"""A channel's sources in the Channels tab: their order, one detached into a channel of its own, one added.

Opened from a channel's menu (Sources…). Lists the channel's sources in the
order AceTray tries them, each with the playlist entry's name, where it comes
from and what the link check last said of it; Move up / Move down change the
order, Make a channel of its own detaches one, Add a source… attaches another
channel's link. Every change goes to the core (`changes`), which keeps it in
channel_sources.json; the list shows the core's next view, so a refused change
leaves it as it was and the sentence why shows under it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.channels import Channel, ChannelKey, ChannelsView, elide_id, source_label
from desktop.ui.channels_model import channel_title

DEAD_COLOUR = QColor("#9a9a9a")
MATCHES = 30  # channels offered for what was typed
Change = Coroutine[Any, Any, None]


@dataclass(frozen=True)
class SourceChanges:
    """What the dialog asks the core for; each raises SourceRefused (a sentence) when it cannot be."""

    reorder: Callable[[ChannelKey, Sequence[ChannelKey]], Change]
    detach: Callable[[ChannelKey], Change]
    attach: Callable[[ChannelKey, ChannelKey], Change]
    spawn: Callable[[Change], object]  # runs a change on the UI's loop


HealthOf = Callable[[ChannelKey], tuple[str, str | None]]  # a source → (alive | dead | unknown, reason)


def _unknown(_key: ChannelKey) -> tuple[str, str | None]:
    return "unknown", None


class SourcesDialog(QDialog):
    def __init__(
        self,
        channel: Channel,
        view: ChannelsView,
        changes: SourceChanges,
        health_of: HealthOf = _unknown,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._key = channel.key
        self._changes = changes
        self._health_of = health_of
        self._view = view
        self._mine: set[ChannelKey] = set()
        self.setMinimumSize(720, 360)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.up = QPushButton("Move up")
        self.down = QPushButton("Move down")
        self.detach = QPushButton("Make a channel of its own")
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.detach.clicked.connect(self._detach)
        self.search = QLineEdit()  # another channel whose link may join this one, by name
        self.search.setPlaceholderText("Find another channel by name to add its link as a source")
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(self._find_others)
        self.others = QListWidget()  # what was typed matches (a 50,000-channel list is never put here whole)
        self.others.setMaximumHeight(120)
        self.others.hide()  # until something typed matches
        self.others.itemDoubleClicked.connect(lambda _item: self._attach())
        self.others.currentRowChanged.connect(lambda _row: self._enable())
        self.add = QPushButton("Add as a source")
        self.add.clicked.connect(self._attach)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        for button in (self.up, self.down, self.detach):
            side.addWidget(button)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(side)
        adding = QHBoxLayout()
        adding.addWidget(self.search, 1)
        adding.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(row, 1)
        layout.addLayout(adding)
        layout.addWidget(self.others)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.show_view(view)

    # -- what the core says -------------------------------------------------------------------
    def show_view(self, view: ChannelsView) -> None:
        """The channel as the core has it now (after a change, a refresh, or another window's)."""
        self._view = view
        catalog = view.state.catalog
        channel = catalog.get(self._key)
        sources = catalog.sources_of(self._key)
        title = channel_title(channel) if channel is not None else elide_id(self._key.content_id)
        self.setWindowTitle(f"Sources of {title}")
        if len(sources) > 1:
            self.heading.setText(
                f"{title} has {len(sources)} sources. AceTray plays the first that is not known dead, "
                "and moves to the next when it fails; players stay connected."
            )
        else:
            self.heading.setText(f"{title} has one source. Add another channel's link as a backup.")
        selected = self.selected()
        self.list.clear()
        for number, source in enumerate(sources, start=1):
            state, reason = self._health_of(source.key)
            verdict = {"dead": f"  ·  dead: {reason or 'it did not play'}", "alive": "  ·  alive"}.get(state, "")
            item = QListWidgetItem(self._line(number, source) + verdict)
            item.setData(Qt.ItemDataRole.UserRole, source.key)
            if state == "dead":
                item.setForeground(DEAD_COLOUR)  # passed over while another may play
            self.list.addItem(item)
            if source.key == selected:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._mine = {s.key for s in sources}
        self._enable()

    def refused(self, sentence: str) -> None:
        self.message.setText(sentence)

    def selected(self) -> ChannelKey | None:
        item = self.list.currentItem()
        if item is None:
            return None
        key: ChannelKey = item.data(Qt.ItemDataRole.UserRole)
        return key

    # -- what the person asks -----------------------------------------------------------------
    def _move(self, step: int) -> None:
        keys = self._keys()
        row = self.list.currentRow()
        if not 0 <= row + step < len(keys):
            return
        keys[row], keys[row + step] = keys[row + step], keys[row]
        self._ask(self._changes.reorder(self._key, keys))

    def _detach(self) -> None:
        source = self.selected()
        keys = self._keys()
        if source is None or len(keys) < 2:
            return
        if source == self._key:  # the channel goes on as its other sources: follow them
            self._key = next(k for k in keys if k != source)
        self._ask(self._changes.detach(source))

    def _attach(self) -> None:
        item = self.others.currentItem()
        if item is None:
            self.refused("Find a channel by name and choose it in the list to add its link.")
            return
        source: ChannelKey = item.data(Qt.ItemDataRole.UserRole)
        self.search.clear()
        self.others.clear()
        self.others.hide()
        self._ask(self._changes.attach(source, self._key))

    def _ask(self, change: Change) -> None:
        self.message.clear()
        self._changes.spawn(change)

    # -- inside ---------------------------------------------------------------------------------
    def _keys(self) -> list[ChannelKey]:
        keys: list[ChannelKey] = [self.list.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.list.count())]
        return keys

    def _line(self, number: int, source: Channel) -> str:
        where = source_label(source.playlist) if source.playlist else "no playlist"
        kind = "infohash" if source.kind == "infohash" else "id"
        return f"{number}. {channel_title(source)}  ·  {where}  ·  {kind} {elide_id(source.id)}"

    def _find_others(self, typed: str) -> None:
        found = self._view.state.catalog.search(typed) if typed.strip() else ()
        self.others.clear()
        for channel in [c for c in found if c.key not in self._mine][:MATCHES]:
            item = QListWidgetItem(f"{channel_title(channel)}  ·  {elide_id(channel.id)}")
            item.setData(Qt.ItemDataRole.UserRole, channel.key)
            self.others.addItem(item)
        if self.others.count():
            self.others.setCurrentRow(0)
        self.others.setVisible(self.others.count() > 0)
        self._enable()

    def _enable(self) -> None:
        row, count = self.list.currentRow(), self.list.count()
        self.up.setEnabled(row > 0)
        self.down.setEnabled(0 <= row < count - 1)
        self.detach.setEnabled(row >= 0 and count > 1)
        self.add.setEnabled(self.others.currentItem() is not None)
