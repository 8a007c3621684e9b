"""Open log folder: the file manager when there is one, else the path with a Copy button.

On Linux Qt hands the folder to `xdg-open` and reports success as soon as that
has started, even when it then finds nothing to open the folder with. So there
AceTray runs `xdg-open` itself and reads its exit status.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.ui_tasks import DialogKeeper


def find_xdg_open() -> str | None:
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return shutil.which("xdg-open")
    return None


class FolderOpener(QObject):
    """Shows a folder in the file manager; `failed()` is called when nothing could (maybe later)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: list[QProcess] = []

    def open(self, folder: Path, failed: Callable[[], None]) -> None:
        opener = find_xdg_open()
        if opener is None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
                failed()
            return
        process = QProcess(self)
        self._running.append(process)

        def finished(code: int = 1, _status: object = None) -> None:
            if process in self._running:
                self._running.remove(process)
                process.deleteLater()
                if code != 0:  # 3: no tool found, 4: the action failed (xdg-utils' exit codes)
                    failed()

        process.finished.connect(finished)
        process.errorOccurred.connect(
            lambda error: finished() if error is QProcess.ProcessError.FailedToStart else None
        )
        process.start(opener, [str(folder)])


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


def show_log_folder(
    folder: Path, opener: FolderOpener, parent: Callable[[], QWidget | None], dialogs: DialogKeeper
) -> None:
    """The file manager on `folder`, or (when there is none) a dialog with its path."""
    folder.mkdir(parents=True, exist_ok=True)

    def show_path() -> None:
        dialog = LogFolderDialog(folder, parent())
        dialogs.keep(dialog)
        dialog.open()

    opener.open(folder, show_path)
