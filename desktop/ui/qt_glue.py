"""Small pieces that connect Qt to the operating system: signals, Qt's own messages, macOS links."""

from __future__ import annotations

import logging
import signal
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, QtMsgType, qInstallMessageHandler

log = logging.getLogger(__name__)


def install_quit_signals(request_quit: Callable[[], None]) -> QTimer:
    """Ctrl+C / SIGTERM quit cleanly (streams stopped) instead of killing mid-write.

    Python runs signal handlers only between bytecodes; while Qt sits in its
    C++ event loop that may be never, so a cheap timer wakes the interpreter.
    """

    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, request_quit)

    for name in ("SIGINT", "SIGTERM"):
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, handler)
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)
    return wake


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

    def __init__(self, handle: Callable[[list], None]) -> None:
        super().__init__()
        self._handle = handle

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FileOpen:
            url = event.url().toString() or event.file()  # type: ignore[attr-defined]
            if url:
                self._handle([url])
                return True
        return False
