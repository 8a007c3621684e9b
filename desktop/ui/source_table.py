"""What the Playlists dialog's two lists share: a row to add a source (typed, or chosen as a file)
and a table of sources, one a row, whose selection stays with its source as the rows are refreshed.

A source is the text a person added: an address or a file path. The table keeps it
in its first cell (`source_cell`), so `selected_source()` reads it back.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from desktop.streaming.channels import source_label


class SourceTable(QTableWidget):
    """Read-only rows of sources: one selected at a time, the last column stretched."""

    def __init__(self, columns: Sequence[str]) -> None:
        super().__init__(0, len(columns))
        self.setHorizontalHeaderLabels(list(columns))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)

    def selected_source(self) -> str | None:
        rows = self.selectionModel().selectedRows()
        item = self.item(rows[0].row(), 0) if rows else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def set_rows(self, rows: Sequence[Sequence[QTableWidgetItem]]) -> None:
        """Replace every row (each starting with a `source_cell`); the selected source stays selected."""
        chosen = self.selected_source()
        self.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, cell in enumerate(cells):
                self.setItem(row, column, cell)
            if cells[0].data(Qt.ItemDataRole.UserRole) == chosen:
                self.selectRow(row)


def source_cell(source: str, tooltip: str) -> QTableWidgetItem:
    """A row's first cell: the source as a person reads it, carrying the source itself."""
    cell = QTableWidgetItem(source_label(source))
    cell.setData(Qt.ItemDataRole.UserRole, source)
    cell.setToolTip(tooltip)
    return cell


def number_cell(value: int) -> QTableWidgetItem:
    cell = QTableWidgetItem(f"{value:,}")
    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return cell


def add_row(placeholder: str, add: QPushButton, choose: QPushButton) -> tuple[QLineEdit, QHBoxLayout]:
    """The address box (its text is what `add` takes) beside the two buttons."""
    address = QLineEdit()
    address.setPlaceholderText(placeholder)
    address.returnPressed.connect(add.click)
    row = QHBoxLayout()
    row.addWidget(address, 1)
    row.addWidget(add)
    row.addWidget(choose)
    return address, row
