"""Open log folder: the file manager when there is one, else the path with a Copy button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.ui.ui_tasks import DialogKeeper


def open_in_file_manager(folder: Path) -> bool:
    """Ask the desktop to show `folder`; False when nothing can (no file manager, no xdg-open)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class LogFolderDialog(QDialog):
    """Where the logs are, selectable and copyable, for a desktop that cannot open folders."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AceTray log folder")
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # no resize handle: nothing grows
        text = QLabel("No file manager could open the log folder. AceTray's logs are here:")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.path = QLineEdit(str(folder))
        self.path.setMinimumWidth(500)  # the dialog's width (it is sized by its content)
        self.path.setReadOnly(True)
        self.path.setCursorPosition(0)
        layout.addWidget(self.path)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy path")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._copy)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.path.text())
        self.copy_button.setText("Copied")


def show_log_folder(folder: Path, parent: QWidget | None, dialogs: DialogKeeper) -> LogFolderDialog | None:
    folder.mkdir(parents=True, exist_ok=True)
    if open_in_file_manager(folder):
        return None
    dialog = LogFolderDialog(folder, parent)
    dialogs.keep(dialog)
    dialog.open()
    return dialog
