"""What the window, the tray and the menu say about the engine AceTray runs itself.

Plain functions from the core's `EngineSnapshot` (None when the user runs the
engine) to words, so every place tells the same story: starting, running with
its version, stopped, crashed and restarting (attempt N), failed and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.streaming.engine_host import EngineSnapshot, EngineState

NOT_OURS = (
    "AceTray starts and stops the engine when Settings → Engine says "
    "“Start AceStream on this computer” or “Start AceStream in Docker”."
)
EXTERNAL_TIP = "This engine was already running when AceTray looked; AceTray uses it and leaves it running."
NOT_OURS_SHORT = "Not run by AceTray (Settings → Engine)"
EXTERNAL_SHORT = "Not started by AceTray: left running"
_STOPS = (EngineState.STARTING, EngineState.RUNNING, EngineState.RESTARTING, EngineState.STOPPING, EngineState.EXTERNAL)


@dataclass(frozen=True)
class EngineMenuEntry:
    """The Start engine / Stop engine menu entry."""

    text: str
    enabled: bool
    tooltip: str
    stops: bool  # triggering it stops the engine
    # Why it is greyed, in a few words: the tray menu shows it on a line of its own under the entry,
    # since tray menus show no tooltips (the window's toolbar has the tooltip).
    reason: str = ""


def engine_menu_entry(engine: EngineSnapshot | None) -> EngineMenuEntry:
    if engine is None:
        return EngineMenuEntry("Start engine", False, NOT_OURS, stops=False, reason=NOT_OURS_SHORT)
    if engine.state is EngineState.EXTERNAL:
        return EngineMenuEntry("Stop engine", False, EXTERNAL_TIP, stops=True, reason=EXTERNAL_SHORT)
    if engine.state in _STOPS:
        busy = engine.state is EngineState.STOPPING
        return EngineMenuEntry(
            "Stop engine",
            not busy,
            f"Stop the AceStream engine ({engine.label})",
            stops=True,
            reason="Stopping the engine…" if busy else "",
        )
    return EngineMenuEntry("Start engine", True, f"Start the AceStream engine ({engine.label})", stops=False)


def engine_phrase(engine: EngineSnapshot, on_first_play: bool = False) -> str:
    """The engine's part of the window's status line."""
    version = f" {engine.version}" if engine.version else ""
    state = engine.state
    if state is EngineState.RUNNING:
        return f"AceStream engine{version} running on port {engine.port} (started by AceTray)"
    if state is EngineState.EXTERNAL:
        return f"AceStream engine{version} on port {engine.port} (not started by AceTray)"
    if state is EngineState.STARTING:
        return "Starting engine…"
    if state is EngineState.RESTARTING:
        return f"engine crashed; restarting (attempt {max(engine.attempt, 1)})"
    if state is EngineState.STOPPING:
        return "stopping engine…"
    if state is EngineState.FAILED:
        return "engine failed (see above)"
    return "engine stopped; it starts on the first play" if on_first_play else "engine stopped"


def engine_tooltip_line(engine: EngineSnapshot, on_first_play: bool = False) -> str:
    """The engine's line in the tray icon's tooltip."""
    if engine.state is EngineState.STOPPED and on_first_play:
        return "Engine stopped; it starts on the first play"
    if engine.state is EngineState.RESTARTING:
        return f"Engine crashed; restarting (attempt {max(engine.attempt, 1)})"
    return engine.summary()


def engine_in_trouble(engine: EngineSnapshot | None) -> bool:
    """Crashed, failed or restarting: worth the tray's error icon."""
    return engine is not None and engine.state in (EngineState.RESTARTING, EngineState.FAILED)
