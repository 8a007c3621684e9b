"""The Settings dialog's small questions: make a new access token? which player program?"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QLineEdit, QMessageBox, QWidget

from desktop.launch import new_token


def ask_new_token(parent: QWidget, field: QLineEdit) -> None:
    """Ask first (every link given out stops working), then put a new token in `field`."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Make a new access token?",
        "Every link, playlist and page address given to other devices stops working; "
        "they need the new ones (Share with devices… shows them).",
        parent=parent,
    )
    make = box.addButton("Make a new token", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _r: field.setText(new_token()) if box.clickedButton() is make else None)
    box.open()


def browse_player(parent: QWidget, field: QLineEdit) -> bool:
    """A player program chosen in a file dialog, into `field` (quoted when its path has spaces); False if none."""
    path, _filter = QFileDialog.getOpenFileName(parent, "Choose a video player")
    if path:
        field.setText(f'"{path}"' if " " in path else path)
    return bool(path)
