"""One AceTray per user: a second launch hands its arguments to the first and exits.

Uses a Qt local socket (a named pipe on Windows, a Unix socket elsewhere),
which is not the network and not the proxy's sockets. The name includes the
settings folder, so test runs and portable copies with their own
`ACETRAY_CONFIG_DIR` do not collide with the user's app.

Wire format: one JSON object per connection, `{"args": [...]}` and a newline;
the running app answers `ok` and a newline once it has taken the message.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

_ACK = b"ok\n"


def server_name(config_dir: Path) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        user = "user"
    digest = hashlib.sha1(str(config_dir.resolve()).encode("utf-8")).hexdigest()[:12]
    # Short: Unix socket paths are limited to ~104 bytes including /tmp/.
    return f"acetray-{user[:16]}-{digest}"


class SingleInstance(QObject):
    """The running app's side: receives forwarded argument lists."""

    message_received = Signal(list)  # list[str]

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_new_connection)

    def listen(self) -> bool:
        if self._server.listen(self._name):
            return True
        # Left behind by a crashed instance (Unix): nobody answered forward(),
        # so the name is stale and can be taken over.
        QLocalServer.removeServer(self._name)
        return self._server.listen(self._name)

    def close(self) -> None:
        self._server.close()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(connection.deleteLater)

    def _read(self, connection: QLocalSocket) -> None:
        if not connection.canReadLine():
            return  # wait for the rest of the line
        line = bytes(connection.readLine().data())
        try:
            payload = json.loads(line.decode("utf-8"))
            args = [str(a) for a in payload.get("args", [])]
        except (ValueError, AttributeError, UnicodeDecodeError):
            log.warning("ignored a malformed message from a second launch: %r", line[:200])
            connection.disconnectFromServer()
            return
        connection.write(_ACK)
        connection.flush()
        connection.disconnectFromServer()
        self.message_received.emit(args)

    @staticmethod
    def forward(name: str, args: list[str], timeout_ms: int = 3000) -> bool:
        """True when a running instance took `args` (this process should exit)."""
        socket = QLocalSocket()
        socket.connectToServer(name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(json.dumps({"args": args}).encode("utf-8") + b"\n")
        socket.flush()  # usually writes it all; then waitForBytesWritten would report False
        if socket.bytesToWrite() and not socket.waitForBytesWritten(timeout_ms):
            return False
        # The answer may already be buffered (waitForReadyRead only waits for
        # *new* data), and the server hangs up right after it: read what is there first.
        answer = bytes(socket.readAll().data())
        while _ACK not in answer and socket.waitForReadyRead(timeout_ms):
            answer += bytes(socket.readAll().data())
        answer += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        if _ACK not in answer:
            # Someone holds the name but does not answer: treat it as not
            # running rather than silently doing nothing for the user.
            log.warning("the running AceTray did not confirm the hand-over")
            return False
        return True
