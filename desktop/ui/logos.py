"""Channel logos for the lists: fetched only when a row is shown, cached on disk, never blocking.

`LogoProvider.pixmap(url, name)` answers at once: the logo when it is in
memory, else a placeholder (the channel's initial on a tinted square) while the
logo is looked for — on disk first (`LogoDiskCache`), then over the network
with a `QNetworkAccessManager` (asynchronous on the UI's event loop; at most a
few at a time, each bounded in size and time). Views call it from `data()`,
which Qt asks only for the rows on screen, so a 10,000-channel list fetches
the dozen logos a person can see. Work is done a few logos per turn of the
event loop, newest requests first (what is on screen now), and `logos_ready`
fires once per turn so the views repaint. A logo that fails (gone, not an
image, too big) keeps its placeholder for the rest of the run.
"""

from __future__ import annotations

import logging
import zlib
from collections import OrderedDict

from PySide6.QtCore import QObject, QRect, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from desktop.ui.logo_cache import LogoDiskCache

log = logging.getLogger(__name__)

MAX_LOGO_BYTES = 1024 * 1024  # a logo bigger than this is not a logo
TRANSFER_TIMEOUT_MS = 15_000
MAX_PARALLEL = 6
LOADS_PER_TURN = 6  # disk reads and decodes per turn of the event loop: the window stays responsive
MAX_QUEUED = 200  # older requests (rows scrolled past) are dropped; shown again, they are asked again
MAX_IN_MEMORY = 2000
_WEB = ("http", "https")


class LogoProvider(QObject):
    logos_ready = Signal()  # one or more logos (or their final placeholders) are ready: repaint

    def __init__(
        self,
        cache: LogoDiskCache | None,
        *,
        size: QSize = QSize(36, 24),
        network: QNetworkAccessManager | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.size = size
        self._cache = cache
        self._network = network
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._queue: OrderedDict[str, None] = OrderedDict()
        self._in_flight: dict[str, QNetworkReply] = {}
        self._placeholders: dict[str, QPixmap] = {}
        self._scheduled = False
        self._finished_any = False

    # -- what views call ------------------------------------------------------------------
    def pixmap(self, url: str, name: str) -> QPixmap:
        """The logo when it is here, else a placeholder now and the logo later (`logos_ready`)."""
        if url:
            found = self._memory.get(url)
            if found is not None:
                self._memory.move_to_end(url)
                return found
            if url not in self._failed and url not in self._in_flight:
                self._queue.pop(url, None)
                self._queue[url] = None  # newest last: served first
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

    def is_pending(self) -> bool:
        return bool(self._queue or self._in_flight)

    # -- the work, a little per turn ---------------------------------------------------------
    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self, self._work)  # with `self` as context: dropped if it is deleted

    def _work(self) -> None:
        self._scheduled = False
        loads = 0
        waiting: list[str] = []
        while self._queue and loads < LOADS_PER_TURN:
            url, _ = self._queue.popitem(last=True)
            if url in self._memory or url in self._failed or url in self._in_flight:
                continue
            cached = self._cache.read(url) if self._cache is not None else None
            if cached is not None:
                loads += 1
                self._store(url, cached)
                continue
            qurl = QUrl(url)
            if qurl.isLocalFile() or not qurl.scheme():
                loads += 1
                self._store(url, _read_local(qurl.toLocalFile() if qurl.isLocalFile() else url))
            elif qurl.scheme().lower() in _WEB:
                if len(self._in_flight) < MAX_PARALLEL:
                    self._fetch(url, qurl)
                else:
                    waiting.append(url)  # after a download ends
            else:
                self._fail(url)
        for url in reversed(waiting):  # back in the queue, the newest still served first
            self._queue[url] = None
        if self._queue and len(waiting) < len(self._queue):
            self._schedule()
        if self._finished_any:
            self._finished_any = False
            self.logos_ready.emit()

    def _fetch(self, url: str, qurl: QUrl) -> None:
        if self._network is None:
            self._network = QNetworkAccessManager(self)
        request = QNetworkRequest(qurl)
        request.setTransferTimeout(TRANSFER_TIMEOUT_MS)
        request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, "AceTray")
        reply = self._network.get(request)
        self._in_flight[url] = reply
        reply.downloadProgress.connect(lambda received, _total, r=reply: _cap(r, received))
        reply.finished.connect(lambda r=reply, u=url: self._downloaded(u, r))

    def _downloaded(self, url: str, reply: QNetworkReply) -> None:
        self._in_flight.pop(url, None)
        ok = reply.error() == QNetworkReply.NetworkError.NoError
        data = bytes(reply.readAll().data()) if ok else None
        if not ok:
            log.debug("logo %s: %s", url, reply.errorString())
        reply.deleteLater()
        stored = self._store(url, data)
        if stored and data is not None and self._cache is not None:
            self._cache.write(url, data)
        if self._queue:
            self._schedule()
        elif self._finished_any:
            self._finished_any = False
            self.logos_ready.emit()

    def _store(self, url: str, data: bytes | None) -> bool:
        image = QImage.fromData(data) if data and len(data) <= MAX_LOGO_BYTES else QImage()
        if image.isNull():
            self._fail(url)
            return False
        self._memory[url] = _fit(image, self.size)
        while len(self._memory) > MAX_IN_MEMORY:
            self._memory.popitem(last=False)
        self._finished_any = True
        return True

    def _fail(self, url: str) -> None:
        self._failed.add(url)
        self._finished_any = True


def _cap(reply: QNetworkReply, received: int) -> None:
    if received > MAX_LOGO_BYTES:
        reply.abort()


def _read_local(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read(MAX_LOGO_BYTES + 1)
    except OSError:
        return None


def _fit(image: QImage, size: QSize) -> QPixmap:
    """The logo scaled into the box, centred, on a transparent background (rows stay aligned)."""
    scaled = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    canvas = QPixmap(size)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.drawImage((size.width() - scaled.width()) // 2, (size.height() - scaled.height()) // 2, scaled)
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
