"""The one message strip at the top of the window: what is wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.streaming.engine_host import EngineSnapshot, EngineState
from desktop.streaming.snapshot import ProxySnapshot

# Button keys the controller acts on.
USE_DEMO = "use-demo"
USE_ENGINE = "use-engine"
OPEN_SETTINGS = "settings"
START_PROXY = "start"
DISMISS = "dismiss"
START_ENGINE = "start-engine"
DISMISS_OUTDATED = "dismiss-outdated"


@dataclass(frozen=True)
class BannerSpec:
    level: str  # "info" | "warning" | "error"
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, key)


def banner_for(
    snapshot: ProxySnapshot | None,
    *,
    demo_engine: bool,
    start_error: str | None = None,
    settings_problem: str | None = None,
    engine_on_first_play: bool = False,
    outdated_dismissed: bool = False,
) -> BannerSpec | None:
    """The most urgent thing to tell the user, or None when all is well."""
    if snapshot is not None and not snapshot.running and (start_error or snapshot.error):
        reason = start_error or snapshot.error
        return BannerSpec(
            "error",
            f"The proxy is not running: {reason}",
            (("Settings…", OPEN_SETTINGS), ("Try again", START_PROXY)),
        )
    engine = snapshot.engine_host if snapshot is not None and snapshot.running else None
    if engine is not None and engine.state is not EngineState.RUNNING and engine.state is not EngineState.EXTERNAL:
        told = _engine_banner(engine, engine_on_first_play)
        if told is not None:
            return told
    if (
        snapshot is not None
        and snapshot.running
        and snapshot.engine_reachable is False
        and not demo_engine
        and snapshot.engine_host is None  # an engine AceTray runs tells its own story
    ):
        return BannerSpec(
            "warning",
            f"The AceStream engine does not answer at {snapshot.engine_url}. Start AceStream Engine "
            "(from acestream.org), or correct its address in the settings. "
            "No AceStream here yet? The demo engine plays a test channel so you can try AceTray.",
            (("Use demo engine", USE_DEMO), ("Settings…", OPEN_SETTINGS)),
        )
    if settings_problem:
        return BannerSpec("warning", settings_problem, (("Settings…", OPEN_SETTINGS), ("Dismiss", DISMISS)))
    if engine is not None and engine.outdated and not outdated_dismissed:
        return BannerSpec(
            "warning",
            f"Your AceStream engine ({engine.version}) is older than 3.2. Some internet providers cut such "
            "engines every 12–15 minutes: update AceStream (acestream.org), or run it in Docker "
            "(Settings → Engine).",
            (("Settings…", OPEN_SETTINGS), ("Dismiss", DISMISS_OUTDATED)),
        )
    if demo_engine and snapshot is not None and snapshot.running:
        return BannerSpec(
            "info",
            "The demo engine is in use: every channel id plays a generated test stream, not real AceStream content.",
            (("Use AceStream engine", USE_ENGINE),),
        )
    return None


def _engine_banner(engine: EngineSnapshot, on_first_play: bool) -> BannerSpec | None:
    """What to say about the engine AceTray runs while it is not running."""
    if engine.state is EngineState.FAILED:
        return BannerSpec(
            "error",
            f"The AceStream engine could not be started: {engine.reason}",
            (("Try again", START_ENGINE), ("Settings…", OPEN_SETTINGS)),
        )
    if engine.state is EngineState.RESTARTING:
        return BannerSpec(
            "warning",
            f"The AceStream engine stopped unexpectedly; AceTray is restarting it (attempt {max(engine.attempt, 1)}). "
            "Players reconnect once it is back.",
        )
    if engine.state is EngineState.STARTING:
        return BannerSpec("info", "Starting the AceStream engine… Channels start as soon as it answers.")
    if engine.state is EngineState.STOPPED and not on_first_play:
        return BannerSpec(
            "info",
            "The AceStream engine is stopped: players cannot watch until it runs.",
            (("Start engine", START_ENGINE),),
        )
    return None


_COLOURS = {
    "info": ("#e8f1fd", "#1d4f91"),
    "warning": ("#fff4dc", "#7a4d00"),
    "error": ("#fdecea", "#8a1c12"),
}


class Banner(QFrame):
    action = Signal(str)  # a button's key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 8)
        self._layout.addWidget(self.label, 1)
        self._buttons: list[QPushButton] = []
        self.spec: BannerSpec | None = None
        self.hide()

    def show_spec(self, spec: BannerSpec | None) -> None:
        if spec == self.spec:
            return  # unchanged: do not rebuild buttons under the user's mouse
        self.spec = spec
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        if spec is None:
            self.hide()
            return
        background, foreground = _COLOURS.get(spec.level, _COLOURS["info"])
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background}; border: 1px solid {foreground}; border-radius: 4px; }}"
            f"QFrame#banner QLabel {{ color: {foreground}; }}"
        )
        self.label.setText(spec.text)
        for label, key in spec.buttons:
            button = QPushButton(label)
            button.clicked.connect(lambda _checked=False, k=key: self.action.emit(k))
            self._layout.addWidget(button)
            self._buttons.append(button)
        self.show()

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self._buttons if b.text() == label), None)
