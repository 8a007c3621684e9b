"""A video player AceTray started: watched for its first seconds, then left alone.

A player that exits at once (VLC refuses to run as root, mpv cannot open the
link…) would otherwise vanish while AceTray says "Opening in player", so each
one runs under a QProcess for `EARLY_EXIT_MS`; an exit in that time is told with
its status and the last lines it printed. A player that keeps running is the
user's window from then on.

Its output goes to a temporary file rather than a pipe, for two reasons: only
the file's tail is ever read (the output AceTray keeps is bounded), and a
player outlives AceTray's quit — a pipe would close under it then, and the
next line it prints would kill it with SIGPIPE. Outliving is deliberate:
quitting AceTray ends the stream, but the player's window (its playlist,
another file the user opened since) is theirs to close, and Qt's default would
be to kill it.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from desktop.ui.player import HOW_TO_SET_PLAYER, PlayerCommand

log = logging.getLogger(__name__)

EARLY_EXIT_MS = 5000  # an exit within this long is a failure to report
KEEP_OUTPUT_BYTES = 4096  # of a player's output, only this much of the end is read
LAST_WORDS_CHARS = 240  # of that, this much is told (whole lines, the newest)
# Players print the link they failed to open, and the link carries the access token with LAN sharing on.
_TOKEN_VALUE = re.compile(r"(?<=token=)[^&\s\"'<>]+", re.IGNORECASE)
_NAMES = {"vlc": "VLC", "cvlc": "VLC", "mpv": "mpv", "ffplay": "ffplay", "celluloid": "Celluloid"}


def player_name(program: str) -> str:
    """ "/usr/bin/vlc" → "VLC": the name a person knows the player by."""
    stem = Path(program.replace("\\", "/")).name
    if stem.lower().endswith(".exe"):
        stem = stem[:-4]
    return _NAMES.get(stem.lower(), stem)


def without_token(text: str) -> str:
    """`text` with every `token=` value in it replaced by "…" (what a player printed, before it is told or logged)."""
    return _TOKEN_VALUE.sub("…", text)


def last_words(path: Path, budget: int = LAST_WORDS_CHARS, limit: int = KEEP_OUTPUT_BYTES) -> str:
    """The last lines in the last `limit` bytes of `path`, whole, as many as fit in `budget` characters.

    Not just the very last line: players wrap one message over several (VLC's
    "VLC is not supposed to be run as root. Sorry." is followed by three lines
    of advice), and the cause is usually just before the end.
    """
    try:
        with path.open("rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - limit))
            tail = file.read(limit)
    except OSError:
        return ""
    text = without_token(tail.decode("utf-8", "replace"))
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    if len(tail) == limit and lines:
        lines = lines[1:]  # the first one may be cut
    if not lines:
        return ""
    if len(lines[-1]) > budget:
        half = budget // 2 - 1
        return f"{lines[-1][:half]}…{lines[-1][-half:]}"
    words: list[str] = []
    for line in reversed(lines):
        if sum(len(w) + 1 for w in words) + len(line) > budget:
            break
        words.insert(0, line)
    return " ".join(words)


class _Process(QProcess):
    def release(self) -> None:
        """Forget the child without killing it (Qt's destructor kills a child it thinks is running)."""
        self.setProcessState(QProcess.ProcessState.NotRunning)


class PlayerProcess(QObject):
    """One started player. `problem` carries (title, sentence) when it fails to start or exits at once."""

    problem = Signal(str, str)
    done = Signal()  # exited, or released: the owner may drop it

    def __init__(self, command: PlayerCommand, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.command = command
        self.name = player_name(command.program)
        self.settled = False  # ran past the watch window: left alone from then on
        self.failed = False  # did not start, or exited at once with a problem (and `problem` said so)
        fd, path = tempfile.mkstemp(prefix="acetray-player-", suffix=".log")
        os.close(fd)
        self._output: Path | None = Path(path)
        self._process = _Process(self)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self._process.setStandardOutputFile(path)
        self._process.setStandardInputFile(QProcess.nullDevice())
        self._process.finished.connect(self._on_finished)
        self._process.errorOccurred.connect(self._on_error)
        self._watch = QTimer(self)
        self._watch.setSingleShot(True)
        self._watch.timeout.connect(self._settle)

    @property
    def running(self) -> bool:
        return self._process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> None:
        self._process.start(self.command.program, list(self.command.args))
        self._watch.start(EARLY_EXIT_MS)

    def release(self) -> None:
        """AceTray is quitting: a player still running keeps running."""
        self._watch.stop()
        if self.running:
            log.info("leaving %s running", self.name)
            self._process.release()
        self._drop_output()
        self.done.emit()

    def _settle(self) -> None:
        self.settled = True
        log.info("%s is running (pid %s); leaving it alone", self.name, self._process.processId())
        if os.name == "posix":  # the player keeps its open file; the name can go now
            self._drop_output()

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart:
            self._watch.stop()
            detail = self._process.errorString()
            log.warning("could not start %s: %s", self.command.program, detail)
            self.failed = True
            self.problem.emit(
                "The player did not start", f"Could not start {self.command.program}. {HOW_TO_SET_PLAYER}"
            )
            self._drop_output()
            self.done.emit()

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        crashed = status is QProcess.ExitStatus.CrashExit
        said = last_words(self._output) if self._output is not None else ""
        log.info(
            "%s exited (status %s%s)%s", self.name, code, ", crashed" if crashed else "", f": {said}" if said else ""
        )
        if not self.settled:
            self._watch.stop()
            # A quiet status 0 at once is a hand-over (VLC's "one instance" mode passes
            # the link on), not a failure; ffplay, though, exits 0 after an error it prints.
            if crashed or code != 0 or said:
                self.failed = True
                self.problem.emit("The player stopped", self._early_exit_sentence(code, crashed, said))
        self._drop_output()
        self.done.emit()

    def _early_exit_sentence(self, code: int, crashed: bool, said: str) -> str:
        how = "crashed at once" if crashed else f"exited at once (status {code})"
        return f"{self.name} {how}: {said}" if said else f"{self.name} {how} without saying why."

    def _drop_output(self) -> None:
        if self._output is not None:
            try:
                self._output.unlink()
            except OSError:  # Windows: still open by the player; the temp folder's cleaner takes it
                return
            self._output = None


class PlayerLauncher(QObject):
    """Starts players and keeps them alive; `problem` as PlayerProcess's."""

    problem = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._players: list[PlayerProcess] = []

    def launch(self, command: PlayerCommand) -> PlayerProcess:
        # Unparented: the list owns it. It is dropped from the list on the next
        # turn of the event loop, since `done` comes from inside its own signals.
        player = PlayerProcess(command)
        player.problem.connect(self.problem)
        player.done.connect(self._on_done)
        self._players.append(player)
        player.start()
        return player

    @property
    def players(self) -> tuple[PlayerProcess, ...]:
        return tuple(self._players)

    def release_all(self) -> None:
        for player in list(self._players):
            player.release()

    def _on_done(self) -> None:
        player = self.sender()
        QTimer.singleShot(0, lambda: self._forget(player))  # type: ignore[arg-type]

    def _forget(self, player: PlayerProcess) -> None:
        if player in self._players:
            self._players.remove(player)
