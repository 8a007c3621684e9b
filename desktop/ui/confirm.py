"""Asking before a command cuts players who are watching (Stop proxy, Quit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.formatting import count_phrase
from desktop.ui.ui_tasks import DialogKeeper


def watching_phrase(players: int) -> str:
    """2 → "2 players are watching"."""
    return f"{count_phrase(players, 'player')} {'is' if players == 1 else 'are'} watching"


class CuttingQuestion(QMessageBox):
    """ "2 players are watching — quit anyway?", kept true while it is open: the controller passes on
    each new count, so a question left open after the last player left does not still name one."""

    def __init__(self, players: int, title: str, consequence: str, go: str, parent: QWidget | None) -> None:
        super().__init__(QMessageBox.Icon.Question, title, "", parent=parent)
        self._go, self._consequence = go, consequence
        self.go_button = self.addButton(go, QMessageBox.ButtonRole.AcceptRole)
        keep = self.addButton("Keep running", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(keep)  # Enter must not cut anyone by accident
        self.show_players(players)

    def show_players(self, players: int) -> None:
        if players > 0:
            self.setText(f"{watching_phrase(players)} — {self._go.lower()} anyway?")
            self.setInformativeText(self._consequence)
        else:
            self.setText(f"Nobody is watching now — {self._go.lower()}?")
            self.setInformativeText("")


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
    box = CuttingQuestion(players, title, consequence, go, parent)
    box.finished.connect(lambda _result: then() if box.clickedButton() is box.go_button else otherwise())
    dialogs.keep(box)
    box.open()
    return box
