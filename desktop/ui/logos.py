"""Channel logos for the lists: asked of the core only when a row is shown, never blocking the window.

`LogoProvider.pixmap(logo_id, name)` answers at once: the logo when it is in
memory, else a placeholder (the channel's initial on a tinted square) while the
logo is asked for. The core fetches it — from its disk cache, the web, or a
local playlist's regular file — so this thread never opens a file nor waits on
the network (`CoreHost.request_logo`; the bytes come back to `deliver`). Views
call `pixmap` from `data()`, which Qt asks only for the rows on screen, so a
10,000-channel list asks for the dozen logos a person can see. A few logos are
asked for at a time, newest first (what is on screen now), a few decoded per
turn of the event loop, and `logos_ready` fires once per turn so the views
repaint. A logo that does not come keeps its placeholder for the rest of the run.
"""

from __future__ import annotations

import logging
import zlib
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QImageReader, QPainter, QPixmap

log = logging.getLogger(__name__)

MAX_ASKED = 8  # logos asked of the core at once; the core bounds its own fetches too
LOADS_PER_TURN = 6  # decodes per turn of the event loop: the window stays responsive
MAX_QUEUED = 200  # older requests (rows scrolled past) are dropped; shown again, they are asked again
MAX_IN_MEMORY = 2000
MAX_PIXELS = 4096 * 4096  # a "logo" larger than this would cost more memory to decode than it is worth

LogoRequest = Callable[[str], None]


class LogoProvider(QObject):
    logos_ready = Signal()  # one or more logos (or their final placeholders) are ready: repaint

    def __init__(self, *, size: QSize = QSize(36, 24), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self._request: LogoRequest | None = None
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._queue: OrderedDict[str, None] = OrderedDict()  # to ask for, newest last
        self._asked: set[str] = set()
        self._arrived: OrderedDict[str, bytes | None] = OrderedDict()  # to decode
        self._placeholders: dict[str, QPixmap] = {}
        self._scheduled = False
        self._finished_any = False

    def attach(self, request: LogoRequest) -> None:
        """Where logos are asked for (`CoreHost.request_logo`); their bytes come to `deliver`."""
        self._request = request
        self._schedule()

    # -- what views call ------------------------------------------------------------------
    def pixmap(self, logo_id: str | None, name: str) -> QPixmap:
        """The logo when it is here, else a placeholder now and the logo later (`logos_ready`).
        `logo_id` is None for a channel whose logo AceTray does not fetch."""
        if logo_id:
            found = self._memory.get(logo_id)
            if found is not None:
                self._memory.move_to_end(logo_id)
                return found
            if logo_id not in self._failed and logo_id not in self._asked and logo_id not in self._arrived:
                self._queue.pop(logo_id, None)
                self._queue[logo_id] = None  # newest last: asked first
                while len(self._queue) > MAX_QUEUED:
                    self._queue.popitem(last=False)
                self._schedule()
        return self.placeholder(name)

    def placeholder(self, name: str) -> QPixmap:
        letter = next((ch for ch in name if ch.isalnum()), "?").upper()
        hue = zlib.crc32(name.encode("utf-8", "surrogatepass")) % 360
        key = f"{letter}:{hue}"
        pixmap = self._placeholders.get(key)
        if pixmap is None:
            pixmap = _draw_placeholder(self.size, letter, hue)
            self._placeholders[key] = pixmap
        return pixmap

    def is_pending(self, logo_id: str | None = None) -> bool:
        """Whether a logo (any, when None) is asked for and not here yet, nor known to be missing."""
        if logo_id is None:
            return bool(self._queue or self._asked or self._arrived)
        return logo_id in self._queue or logo_id in self._asked or logo_id in self._arrived

    # -- from the core ----------------------------------------------------------------------
    def deliver(self, logo_id: str, data: bytes | None) -> None:
        """A logo's bytes (None: there is none), decoded at the next turn of the event loop."""
        self._asked.discard(logo_id)
        self._arrived[logo_id] = data
        self._schedule()

    # -- the work, a little per turn ---------------------------------------------------------
    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self, self._work)  # with `self` as context: dropped if it is deleted

    def _work(self) -> None:
        self._scheduled = False
        for _ in range(min(LOADS_PER_TURN, len(self._arrived))):
            logo_id, data = self._arrived.popitem(last=False)
            self._store(logo_id, data)
        if self._request is not None:
            while self._queue and len(self._asked) < MAX_ASKED:
                logo_id, _ = self._queue.popitem(last=True)
                if logo_id not in self._memory and logo_id not in self._failed:
                    self._asked.add(logo_id)
                    self._request(logo_id)
        if self._arrived:
            self._schedule()
        if self._finished_any:
            self._finished_any = False
            self.logos_ready.emit()

    def _store(self, logo_id: str, data: bytes | None) -> None:
        pixmap = _decode(data, self.size) if data else None
        if pixmap is None:
            self._failed.add(logo_id)
        else:
            self._memory[logo_id] = pixmap
            while len(self._memory) > MAX_IN_MEMORY:
                self._memory.popitem(last=False)
        self._finished_any = True


def _decode(data: bytes, size: QSize) -> QPixmap | None:
    """The picture scaled into the box as it is decoded; None when it is no picture Qt reads, or huge."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    full = reader.size()
    if full.isValid():
        if full.width() * full.height() > MAX_PIXELS:
            log.debug("logo of %dx%d pixels not decoded", full.width(), full.height())
            return None
        reader.setScaledSize(full.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    return _fit(image, size)


def _fit(image: QImage, size: QSize) -> QPixmap:
    """The logo centred in the box, on a transparent background (rows stay aligned)."""
    if image.width() > size.width() or image.height() > size.height():  # a reader that could not scale
        image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    canvas = QPixmap(size)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.drawImage((size.width() - image.width()) // 2, (size.height() - image.height()) // 2, image)
    painter.end()
    return canvas


def _draw_placeholder(size: QSize, letter: str, hue: int) -> QPixmap:
    canvas = QPixmap(size)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = min(size.width(), size.height())
    box = QRect((size.width() - side) // 2, (size.height() - side) // 2, side, side)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor.fromHsl(hue, 70, 210))
    painter.drawRoundedRect(box, 4, 4)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(8, side * 11 // 20))
    painter.setFont(font)
    painter.setPen(QColor.fromHsl(hue, 60, 70))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return canvas
