"""Check links in the Channels tab: the button and its menu of what to check, and the progress row.

The button checks the channels the list shows (after search, group and the
favourites filter); its menu offers the favourites and each playlist. While a
check runs the progress row says "Checking 12 of 50…" with a Stop button;
afterwards it says what the check found until the next one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QProgressBar, QPushButton, QToolButton, QWidget

from desktop.streaming.channels import Channel, ChannelKey, ChannelsView, source_label
from desktop.streaming.sources import CheckProgress

Keys = list[ChannelKey]


def channel_keys(channels: Sequence[Channel]) -> Keys:
    return [channel.key for channel in channels]


def _count(n: int) -> str:
    return f"{n:,} channel" if n == 1 else f"{n:,} channels"


class CheckLinksButton(QToolButton):
    """`check_requested(keys)`: the person chose what to check."""

    check_requested = Signal(object)  # list[ChannelKey]

    def __init__(self, shown: Callable[[], Sequence[Channel]], view: Callable[[], ChannelsView]) -> None:
        super().__init__()
        self._shown = shown
        self._view = view
        self.setText("Check links")
        self.setToolTip(
            "Ask the engine, gently, which of the channels shown still play (the menu offers more).\n"
            "Dead ones are greyed, with the reason in their tooltip."
        )
        self.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.clicked.connect(lambda: self.check_requested.emit(channel_keys(self._shown())))
        menu = QMenu(self)
        menu.aboutToShow.connect(lambda: self._fill(menu))
        self.setMenu(menu)

    def _fill(self, menu: QMenu) -> None:
        """What can be checked, with counts as they are now."""
        menu.clear()
        shown = channel_keys(self._shown())
        menu.addAction(f"The channels shown ({_count(len(shown))})", lambda: self.check_requested.emit(shown))
        state = self._view().state
        favourites = sorted(state.favourites)
        menu.addAction(f"Favourites ({_count(len(favourites))})", lambda: self.check_requested.emit(favourites))
        if state.playlists:
            menu.addSeparator()
        for playlist in state.playlists:
            keys = list(state.catalog.channels_of(playlist.channels))
            label = f"Playlist {source_label(playlist.source)} ({_count(len(keys))})"
            menu.addAction(label, functools.partial(self.check_requested.emit, keys))


def add_channel_checks(menu: QMenu, channel: Channel, view: ChannelsView, check: Callable[[Keys], None]) -> None:
    """A channel's context menu: check it, its group, or its playlist."""
    menu.addSeparator()
    menu.addAction("Check link", lambda: check([channel.key]))
    catalog = view.state.catalog
    if channel.group:
        group = channel_keys(catalog.search(group=channel.group))
        menu.addAction(f"Check links in group “{channel.group}” ({_count(len(group))})", lambda: check(group))
    playlist = view.state.playlist(channel.playlist) if channel.playlist else None
    if playlist is not None:
        keys = list(catalog.channels_of(playlist.channels))
        label = f"Check links in {source_label(playlist.source)} ({_count(len(keys))})"
        menu.addAction(label, lambda: check(keys))


class CheckProgressRow(QWidget):
    """ "Checking 12 of 50…", a bar and Stop while a check runs; what it found afterwards."""

    stop_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop checking; the links checked so far keep their verdicts")
        self.stop_button.clicked.connect(self.stop_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        row.addWidget(self.stop_button)
        self.hide()

    def show_progress(self, progress: CheckProgress) -> None:
        text = progress.phrase()
        self.setVisible(bool(text))
        self.label.setText(text)
        self.bar.setVisible(progress.running)
        self.stop_button.setVisible(progress.running)
        self.bar.setRange(0, max(1, progress.total))
        self.bar.setValue(progress.done)
