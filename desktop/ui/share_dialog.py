"""Share with devices: the page for phones and the playlist for IPTV apps, and TV apps' tuner and guide.

Everything a person needs to get a second screen watching: this computer's
address on the network (the likely one first; a choice when there are
several), the URLs with the access token, a QR code each for a phone's
camera, Copy buttons, and one line per common app; and a TV apps tab
(`tv_apps_panel.py`) with what Plex, Jellyfin, Emby, Channels DVR, Kodi,
TiviMate and VLC need, each with a Test. With LAN sharing off the dialog says
so and offers to turn it on, since no other device could connect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.links import LanAddress, base_url
from desktop.ui.qr import qr_image
from desktop.ui.tv_apps import tv_links
from desktop.ui.tv_apps_panel import Check, TvAppsPanel

APP_HINTS = (
    ("TiviMate", "Add playlist → M3U playlist → type or paste the playlist URL."),
    ("Kodi", "PVR IPTV Simple Client → Configure → M3U playlist URL → the playlist URL."),
    ("VLC", "Open Network Stream (on a phone: Network stream) → the playlist URL; the channels appear as a list."),
)


@dataclass(frozen=True)
class ShareTarget:
    """Where other devices reach this proxy and with what token (None: LAN sharing off, no token)."""

    port: int
    token: str | None
    lan_sharing: bool
    addresses: tuple[LanAddress, ...]
    tuner: bool = False  # the network tuner is on


def page_url(host: str, port: int, token: str | None) -> str:
    return f"{base_url(host, port)}/" + (f"?token={quote(token)}" if token else "")


def playlist_url(host: str, port: int, token: str | None) -> str:
    return f"{base_url(host, port)}/playlist.m3u" + (f"?token={quote(token)}" if token else "")


class _LinkPanel(QWidget):
    """A title, the URL with a Copy button, and its QR code."""

    def __init__(self, title: str, hint: str) -> None:
        super().__init__()
        self.title = QLabel(f"<b>{title}</b>")
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.url.setMinimumWidth(320)
        self.copy = QPushButton("Copy")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.url.text()))
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        layout.addWidget(self.qr)

    def show_url(self, url: str, usable: bool) -> None:
        self.url.setText(url)
        self.url.setCursorPosition(0)  # the address first: the token's tail says little
        self.qr.setPixmap(QPixmap.fromImage(qr_image(url, module_px=4)))
        self.qr.setEnabled(usable)  # greyed while no other device could connect
        self.qr.setToolTip(url if usable else "Turn on LAN sharing first: other devices cannot connect yet.")


class ShareDialog(QDialog):
    lan_sharing_requested = Signal()  # "Turn on LAN sharing" was clicked
    tuner_requested = Signal()  # "Turn on the tuner" was clicked (TV apps tab)

    def __init__(self, target: ShareTarget, parent: QWidget | None = None, *, check: Check | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share with devices")
        self.setMinimumWidth(760)
        self._target = target
        layout = QVBoxLayout(self)

        self.off_note = QFrame()
        self.off_note.setObjectName("offNote")
        self.off_note.setStyleSheet(
            "QFrame#offNote { background: #fff4dc; border: 1px solid #7a4d00; border-radius: 4px; }"
            "QFrame#offNote QLabel { color: #7a4d00; }"
        )
        note_row = QHBoxLayout(self.off_note)
        note_text = QLabel(
            "LAN sharing is off, so other devices cannot reach AceTray. Turning it on "
            "listens on your network and asks every device for the access token below."
        )
        note_text.setWordWrap(True)
        self.turn_on = QPushButton("Turn on LAN sharing")
        self.turn_on.clicked.connect(self.lan_sharing_requested)
        note_row.addWidget(note_text, 1)
        note_row.addWidget(self.turn_on)
        layout.addWidget(self.off_note)
        self.off_note.setVisible(not target.lan_sharing)

        self.address = QComboBox()
        for entry in target.addresses:
            self.address.addItem(f"{entry.address}  ({entry.interface})", entry.address)
        address_row = QHBoxLayout()
        address_row.addWidget(QLabel("This computer on your network:"))
        if target.addresses:
            address_row.addWidget(self.address, 1)
        else:
            address_row.addWidget(QLabel("no network connection found"), 1)
        self.address.setVisible(len(target.addresses) > 1)
        if len(target.addresses) == 1:
            address_row.addWidget(QLabel(f"{target.addresses[0].address} ({target.addresses[0].interface})"), 1)
        layout.addLayout(address_row)

        self.page = _LinkPanel("On a phone or a TV's browser", "Open this page, or point the camera at the code.")
        self.playlist = _LinkPanel(
            "In an IPTV app (TiviMate, Kodi, VLC)", "Add this playlist once; it lists every channel."
        )
        players = QWidget()
        players_layout = QVBoxLayout(players)
        panels = QGridLayout()
        panels.addWidget(self.page, 0, 0)
        panels.addWidget(self.playlist, 0, 1)
        players_layout.addLayout(panels)

        hints = QLabel("<br>".join(f"<b>{app}:</b> {text}" for app, text in APP_HINTS))
        hints.setWordWrap(True)
        hints.setTextFormat(Qt.TextFormat.RichText)
        players_layout.addWidget(hints)
        self.tv_apps = TvAppsPanel(check, tuner_on=target.tuner)
        self.tv_apps.tuner_requested.connect(self.tuner_requested)
        self.tabs = QTabWidget()
        self.tabs.addTab(players, "Phones and IPTV apps")
        self.tabs.addTab(self.tv_apps, "TV apps")
        layout.addWidget(self.tabs)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.address.currentIndexChanged.connect(self._show_urls)
        self._show_urls()

    def _show_urls(self) -> None:
        target = self._target
        host = self.address.currentData() or (target.addresses[0].address if target.addresses else "127.0.0.1")
        self.page.show_url(page_url(host, target.port, target.token), target.lan_sharing)
        self.playlist.show_url(playlist_url(host, target.port, target.token), target.lan_sharing)
        # With LAN sharing off only apps on this computer can reach AceTray: give them the address that works.
        self.tv_apps.show_links(tv_links(host if target.lan_sharing else "127.0.0.1", target.port, target.token))

    def done(self, result: int) -> None:
        self.tv_apps.close()  # a Test under way is cancelled with the dialog
        super().done(result)
