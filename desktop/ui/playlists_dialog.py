"""The Playlists dialog: add by address or file (several), remove, refresh, the refresh interval;
below, the TV guide's sources (`guide_sources.GuideSourcesBox`).

Each playlist's row says where it comes from, when it was last updated, how
many channels it gave and how many entries were left out, and — in words —
what went wrong the last time, if anything (its previous channels are kept).
A bar moves while a download runs. The dialog only shows and asks: the
commands go out as signals and `ChannelCommands` carries them to the core.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import spec_of
from desktop.streaming.channels import ChannelsView, PlaylistState, source_label
from desktop.ui.formatting import count_phrase, format_duration
from desktop.ui.guide_sources import GuideSourcesBox
from desktop.ui.setting_widgets import SettingEditor

COLUMNS = ("Playlist", "Channels", "Left out", "Updated", "Status")
_ERROR = QColor("#c0392b")
_ERROR_STYLE = "color: #c0392b;"
_FILE_FILTER = "Playlists (*.m3u *.m3u8 *.txt);;All files (*)"


class PlaylistsDialog(QDialog):
    add_requested = Signal(list)  # sources as typed or chosen
    remove_requested = Signal(str)  # source
    refresh_requested = Signal(str)  # source
    refresh_all_requested = Signal()
    interval_changed = Signal(int)  # hours, 0: only when asked

    def __init__(self, interval_hours: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Playlists")
        self.setMinimumSize(760, 560)
        self._view = ChannelsView()

        self.address = QLineEdit()
        self.address.setPlaceholderText("Playlist address (http or https) or a file on this computer")
        self.address.returnPressed.connect(self._add_typed)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._add_typed)
        self.files_button = QPushButton("Add files…")
        self.files_button.clicked.connect(self._add_files)
        add_row = QHBoxLayout()
        add_row.addWidget(self.address, 1)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.files_button)

        hint = QLabel(
            "AceTray keeps the last good copy of each playlist: its channels are there offline and at "
            "start, and a refresh that fails loses nothing."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._enable_buttons)
        self.empty = QLabel("No playlists yet: add one above.")
        self.empty.setStyleSheet("color: palette(mid); padding: 8px;")

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(14)
        self.progress.hide()

        self.refresh_button = QPushButton("Refresh now")
        self.refresh_button.clicked.connect(self._refresh_selected)
        self.refresh_all_button = QPushButton("Refresh all")
        self.refresh_all_button.clicked.connect(self.refresh_all_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_selected)
        self.interval = SettingEditor("playlist_refresh_hours", spec_of("playlist_refresh_hours"), interval_hours)
        # Owned by the dialog, and a bound method rather than a lambda holding `self`: no
        # Python cycle that the garbage collector could break on the core's thread.
        self.interval.setParent(self)
        self.interval.changed.connect(self._interval_edited)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.refresh_button)
        buttons_row.addWidget(self.refresh_all_button)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addStretch(1)
        buttons_row.addWidget(QLabel(f"{spec_of('playlist_refresh_hours').label}:"))
        buttons_row.addWidget(self.interval.widget)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(add_row)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.progress)
        layout.addLayout(buttons_row)
        self.guides = GuideSourcesBox()  # its signals are the guide's commands
        layout.addWidget(self.guides, 1)
        layout.addWidget(close)
        self.show_view(self._view)

    # -- feeding --------------------------------------------------------------------------
    def show_view(self, view: ChannelsView, now: float | None = None) -> None:
        self._view = view
        now = time.time() if now is None else now
        chosen = self.selected_source()
        playlists = view.state.playlists
        self.table.setRowCount(len(playlists))
        for row, playlist in enumerate(playlists):
            for column, item in enumerate(self._row(playlist, playlist.source in view.refreshing, now)):
                self.table.setItem(row, column, item)
            if playlist.source == chosen:
                self.table.selectRow(row)
        self.table.setVisible(bool(playlists))
        self.empty.setVisible(not playlists)
        self.progress.setVisible(bool(view.refreshing))
        self._enable_buttons()

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(_ERROR_STYLE if error else "")
        self.message.setVisible(bool(text))

    def selected_source(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    # -- rows -----------------------------------------------------------------------------
    def _row(self, playlist: PlaylistState, downloading: bool, now: float) -> list[QTableWidgetItem]:
        name = QTableWidgetItem(source_label(playlist.source))
        name.setData(Qt.ItemDataRole.UserRole, playlist.source)
        name.setToolTip(playlist.source + ("" if playlist.saved else "\nAdded for this run only (--playlist)"))
        count = _number(len(playlist.channels))
        left_out = _number(playlist.left_out)
        left_out.setToolTip(playlist.note() or "Nothing was left out.")
        updated = QTableWidgetItem(_ago(playlist.updated_at, now))
        if downloading:
            status = QTableWidgetItem("Downloading…")
        elif playlist.error:
            text = playlist.error
            if playlist.channels and "kept" not in text:
                copy = count_phrase(len(playlist.channels), "channel")
                text += f" The last good copy ({copy}, {_ago(playlist.updated_at, now)}) is kept."
            status = QTableWidgetItem(text)
            status.setForeground(_ERROR)
        elif playlist.updated_at is None:
            status = QTableWidgetItem("Not downloaded yet")
        else:
            status = QTableWidgetItem(playlist.note() or "Up to date.")
        if not playlist.saved:
            status.setText(f"{status.text()} For this run only (--playlist): not saved.")
        status.setToolTip(status.text())
        return [name, count, left_out, updated, status]

    # -- commands ---------------------------------------------------------------------------
    def _add_typed(self) -> None:
        text = self.address.text().strip()
        if not text:
            self.show_message("Type a playlist address or a file path, or choose files.", error=True)
            return
        self.address.clear()
        self.add_requested.emit([text])

    def _add_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Choose playlists", "", _FILE_FILTER)
        if paths:
            self.add_requested.emit(list(paths))

    def _refresh_selected(self) -> None:
        source = self.selected_source()
        if source is not None:
            self.refresh_requested.emit(source)

    def _remove_selected(self) -> None:
        source = self.selected_source()
        if source is not None:
            self.remove_requested.emit(source)

    def _interval_edited(self) -> None:
        self.interval_changed.emit(int(self.interval.value()))

    def _enable_buttons(self) -> None:
        chosen = self.selected_source() is not None
        self.refresh_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.refresh_all_button.setEnabled(bool(self._view.state.playlists))


def _number(value: int) -> QTableWidgetItem:
    item = QTableWidgetItem(f"{value:,}")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _ago(when: float | None, now: float) -> str:
    if when is None:
        return "never"
    seconds = now - when
    if seconds < 60:
        return "just now"
    return f"{format_duration(seconds)} ago"
