"""Small pieces that connect Qt to the operating system: signals, Qt's own messages, macOS links."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, QTimer, QtMsgType, qInstallMessageHandler

log = logging.getLogger(__name__)


class QuitSignals:
    """Ctrl+C / SIGTERM quit cleanly (streams stopped) instead of killing mid-write.

    Python runs signal handlers only between bytecodes, and while Qt sits in its
    C++ event loop that may be never. Rather than a timer waking the interpreter
    several times a second (CPU while idle), the C-level handler writes to a
    socket (`signal.set_wakeup_fd`) that a QSocketNotifier watches: Qt wakes
    only when a signal really arrives. Windows has no such fd for console
    events, so a slow timer stays there: once a second, no faster than any
    other timer of an idle AceTray (Ctrl+C answered within a second).
    """

    def __init__(self, request_quit: Callable[[], None]) -> None:
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._timer: QTimer | None = None
        if sys.platform.startswith("win"):
            self._timer = QTimer()
            self._timer.start(1000)
            self._timer.timeout.connect(lambda: None)
        for name in ("SIGINT", "SIGTERM"):
            signum = getattr(signal, name, None)
            if signum is not None:
                signal.signal(signum, lambda _signum, _frame: QTimer.singleShot(0, request_quit))

    def _drain(self) -> None:
        try:
            self._reader.recv(64)  # the Python handler itself runs as soon as Qt returns to Python
        except BlockingIOError:
            pass

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        if self._timer is not None:
            self._timer.stop()
        self._reader.close()
        self._writer.close()


def route_qt_messages_to_logging() -> None:
    """Qt's own warnings go to our log file, not to a stderr a windowed build does not have."""
    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        # The offscreen/xcb plugins warn about window hints on every show: noise.
        level = levels.get(kind, logging.WARNING)
        if "does not support" in message:
            level = logging.DEBUG
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


class UrlOpenFilter(QObject):
    """macOS hands `acestream://` links to a running app as an Apple Event, which Qt
    delivers as a QFileOpenEvent rather than a command-line argument."""

    def __init__(self, handle: Callable[[list[str]], None]) -> None:
        super().__init__()
        self._handle = handle

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen:
            url = event.url().toString() or event.file()  # type: ignore[attr-defined]
            if url:
                self._handle([url])
                return True
        return False
