"""Asking before a command cuts players who are watching (Stop proxy, Quit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.formatting import count_phrase
from desktop.ui.ui_tasks import DialogKeeper


def watching_phrase(players: int) -> str:
    """2 → "2 players are watching"."""
    return f"{count_phrase(players, 'player')} {'is' if players == 1 else 'are'} watching"


def ask_before_cutting(
    *,
    players: int,
    title: str,
    consequence: str,
    go: str,
    then: Callable[[], object],
    otherwise: Callable[[], None] = lambda: None,
    parent: QWidget | None,
    dialogs: DialogKeeper,
) -> QMessageBox | None:
    """Run `then` at once when nobody watches; else ask, "2 players are watching — <go> anyway?"."""
    if players <= 0:
        then()
        return None
    box = QMessageBox(
        QMessageBox.Icon.Question, title, f"{watching_phrase(players)} — {go.lower()} anyway?", parent=parent
    )
    box.setInformativeText(consequence)
    go_button = box.addButton(go, QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep running", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)  # Enter must not cut anyone by accident
    box.finished.connect(lambda _result: then() if box.clickedButton() is go_button else otherwise())
    dialogs.keep(box)
    box.open()
    return box
