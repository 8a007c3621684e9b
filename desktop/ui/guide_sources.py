"""The TV guide part of the Playlists dialog: where `/epg.xml`'s programmes come from.

Lists every guide source — the playlists' own (their `url-tvg`) and the ones the
person added (an address or a file) — with what its last good copy holds and how
the last download went, in words. Guides the person added can be removed; the
playlists' come and go with their playlists. Commands go out as signals.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.guide.state import ADDED, PLAYLIST, GuideSource, GuideView
from desktop.ui.formatting import format_ago
from desktop.ui.source_table import SourceTable, add_row, number_cell, source_cell

COLUMNS = ("Guide", "From", "Channels", "Programmes", "Updated", "Status")
_ERROR = QColor("#c0392b")
_FILE_FILTER = "XMLTV guides (*.xml *.xml.gz *.gz);;All files (*)"
_ORIGIN = {PLAYLIST: "a playlist", ADDED: "you", "run": "--guide (this run)"}


class GuideSourcesBox(QWidget):
    add_requested = Signal(str)  # a source as typed or chosen
    remove_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = GuideView()
        title = QLabel("<b>TV guide</b> (/epg.xml): the playlists' own guides, and any you add")
        self.add_button = QPushButton("Add guide")
        self.add_button.clicked.connect(self._add_typed)
        self.file_button = QPushButton("Add guide file…")
        self.file_button.clicked.connect(self._add_file)
        placeholder = "Guide address (XMLTV, http or https, .xml or .xml.gz) or a file"
        self.address, adding = add_row(placeholder, self.add_button, self.file_button)

        self.table = SourceTable(COLUMNS)
        self.table.itemSelectionChanged.connect(self._enable_buttons)
        self.empty = QLabel("No guide yet: channels are listed in /epg.xml with their names until one is added.")
        self.empty.setStyleSheet("color: palette(mid); padding: 4px;")

        self.refresh_button = QPushButton("Refresh guides")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.remove_button = QPushButton("Remove guide")
        self.remove_button.clicked.connect(self._remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(title)
        layout.addLayout(adding)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)  # in the table's place and room
        layout.addLayout(buttons)
        self.show_view(self._view)

    def show_view(self, view: GuideView, now: float | None = None) -> None:
        self._view = view
        now = time.time() if now is None else now
        self.table.set_rows([self._row(source, source.source in view.refreshing, now) for source in view.sources])
        self.table.setVisible(bool(view.sources))
        self.empty.setVisible(not view.sources)
        self._enable_buttons()

    def selected_source(self) -> str | None:
        return self.table.selected_source()

    def _row(self, source: GuideSource, downloading: bool, now: float) -> list[QTableWidgetItem]:
        name = source_cell(source.source, source.source)
        origin = QTableWidgetItem(_ORIGIN.get(source.origin, source.origin))
        updated = QTableWidgetItem(format_ago(source.updated_at, now))
        if downloading:
            status = QTableWidgetItem("Downloading…")
        elif source.error:
            status = QTableWidgetItem(source.error)
            status.setForeground(_ERROR)
        elif source.updated_at is None:
            status = QTableWidgetItem("Not downloaded yet")
        else:
            skipped = f" {source.skipped:,} programmes were left out (no title or time)." if source.skipped else ""
            status = QTableWidgetItem("Up to date." + skipped)
        status.setToolTip(status.text())
        return [name, origin, number_cell(source.channels), number_cell(source.programmes), updated, status]

    def _add_typed(self) -> None:
        text = self.address.text().strip()
        if text:
            self.address.clear()
            self.add_requested.emit(text)

    def _add_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a guide", "", _FILE_FILTER)
        if path:
            self.add_requested.emit(path)

    def _remove_selected(self) -> None:
        source = self.selected_source()
        if source is not None:
            self.remove_requested.emit(source)

    def _enable_buttons(self) -> None:
        source = self.selected_source()
        added = {s.source for s in self._view.sources if s.origin == ADDED}
        self.remove_button.setEnabled(source in added)
        self.remove_button.setToolTip("" if source in added or source is None else "A playlist's guide goes with it.")
        self.refresh_button.setEnabled(bool(self._view.sources))
