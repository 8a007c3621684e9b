"""The app and tray-state icons, with a painted stand-in when a file is missing.

A missing icon file must never leave an invisible tray entry (the user could
not reach the app at all), so each state falls back to a coloured disc.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from desktop.resources import resource_path


class TrayState(enum.Enum):
    STOPPED = "stopped"  # proxy not running
    IDLE = "idle"  # running, nobody watching
    STREAMING = "streaming"  # at least one channel open
    ERROR = "error"  # engine unreachable (or the proxy failed to start)


_FALLBACK_COLOURS = {
    TrayState.STOPPED: "#8a8f98",
    TrayState.IDLE: "#2f80ed",
    TrayState.STREAMING: "#27ae60",
    TrayState.ERROR: "#eb5757",
}


def _from_files(stem: str, sizes: tuple[int, ...]) -> QIcon:
    """The PNGs drawn for each size (crisp at 16–24 px), else the SVG scaled."""
    icon = QIcon()
    for size in sizes:
        png = resource_path("icons", f"{stem}-{size}.png")
        if png.exists():
            icon.addFile(str(png))
    if icon.isNull():
        # An SVG icon keeps only one extra pixmap per mode, so PNGs and SVG are not mixed.
        svg = resource_path("icons", f"{stem}.svg")
        if svg.exists():
            icon.addFile(str(svg))
    return icon


def _painted(colour: str) -> QIcon:
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(6, 6, 52, 52))
    painter.end()
    return QIcon(pixmap)


def tray_icon(state: TrayState) -> QIcon:
    icon = _from_files(f"tray-{state.value}", (16, 22, 24, 32, 48, 64))
    return icon if not icon.isNull() else _painted(_FALLBACK_COLOURS[state])


def app_icon() -> QIcon:
    icon = _from_files("acetray", (16, 22, 24, 32, 48, 64, 128, 256, 512))
    return icon if not icon.isNull() else _painted(_FALLBACK_COLOURS[TrayState.IDLE])
