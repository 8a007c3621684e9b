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
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import spec_of
from desktop.streaming.channels import Catalog, ChannelsView, PlaylistState
from desktop.ui.formatting import count_phrase, format_ago
from desktop.ui.guide_sources import GuideSourcesBox
from desktop.ui.setting_widgets import SettingEditor
from desktop.ui.source_table import SourceTable, add_row, number_cell, source_cell

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

        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._add_typed)
        self.files_button = QPushButton("Add files…")
        self.files_button.clicked.connect(self._add_files)
        placeholder = "Playlist address (http or https) or a file on this computer"
        self.address, adding = add_row(placeholder, self.add_button, self.files_button)

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

        self.table = SourceTable(COLUMNS)
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
        layout.addLayout(adding)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        # In the table's place while there is none, taking its room: the rows below stay together.
        layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)
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
        playlists = view.state.playlists
        catalog = view.state.catalog
        self.table.set_rows(
            [self._row(playlist, catalog, playlist.source in view.refreshing, now) for playlist in playlists]
        )
        self.table.setVisible(bool(playlists))
        self.empty.setVisible(not playlists)
        self.progress.setVisible(bool(view.refreshing))
        self._enable_buttons()

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(_ERROR_STYLE if error else "")
        self.message.setVisible(bool(text))

    def selected_source(self) -> str | None:
        return self.table.selected_source()

    # -- rows -----------------------------------------------------------------------------
    def _row(self, playlist: PlaylistState, catalog: Catalog, downloading: bool, now: float) -> list[QTableWidgetItem]:
        tooltip = playlist.source + ("" if playlist.saved else "\nAdded for this run only (--playlist)")
        name = source_cell(playlist.source, tooltip)
        # Channels as the Channels tab counts them: a channel with backup links is one.
        channels, links = catalog.channel_count(playlist.source, playlist.channels), len(playlist.channels)
        count = number_cell(channels)
        if links != channels:
            count.setToolTip(f"{links:,} links: a channel with backup links counts once")
        left_out = number_cell(playlist.left_out)
        left_out.setToolTip(playlist.note() or "Nothing was left out.")
        updated = QTableWidgetItem(format_ago(playlist.updated_at, now))
        if downloading:
            status = QTableWidgetItem("Downloading…")
        elif playlist.error:
            text = playlist.error
            if playlist.channels and "kept" not in text:
                copy = count_phrase(len(playlist.channels), "channel")
                text += f" The last good copy ({copy}, {format_ago(playlist.updated_at, now)}) is kept."
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
