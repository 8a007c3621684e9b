"""Whether the engine in use answers: checked every few seconds, told once each time it changes.

Told twice: as a sentence in the window's events (unless AceTray runs the engine
itself: its supervisor tells that story) and through `on_change`, so the UI gets a
fresh snapshot at once instead of at its next paced request (the banner and the
link commands read reachability from it; at rest that was up to 15 s later).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from desktop.streaming.engine.client import EngineClient, EngineError
from desktop.streaming.events import EventSink


@dataclass(frozen=True)
class Health:
    reachable: bool | None = None  # None: not checked yet (or the engine just changed)
    version: str | None = None  # None for the demo engine: its answer imitates a real one's


class EngineHealth:
    """The last answer of the engine's get_version; the window's banner reads it from snapshots."""

    def __init__(self, events: EventSink, on_change: Callable[[], object] | None = None) -> None:
        self._events = events
        self._on_change = on_change  # reachability changed (not called when a refused change puts `now` back)
        self.now = Health()  # replaced whole; a settings change that is refused puts the old value back

    def forget(self) -> None:
        """A new engine, or none: nothing is known of it yet."""
        self._set(Health())

    def _set(self, health: Health) -> None:
        changed = health.reachable != self.now.reachable
        self.now = health
        if changed and self._on_change is not None:
            self._on_change()

    async def check(self, engine: EngineClient, url: str, *, demo: bool, owned: bool) -> None:
        """Ask `engine` (at `url`) for its version; a change is an event unless AceTray runs the engine
        itself (`owned`: its supervisor tells that story)."""
        was = self.now.reachable
        try:
            version = await engine.version(timeout=3.0)
        except EngineError as exc:
            if was is not False and not owned:
                if demo:
                    self._events.emit("error", "The built-in demo engine does not answer", detail=str(exc))
                else:
                    self._events.emit("error", f"{exc}. Start AceStream, or check the engine URL in Settings.")
            self._set(Health(False, None))
            return
        if was is not True and not owned:
            if demo:
                self._events.emit("info", "Built-in demo engine ready")
            else:
                self._events.emit("info", f"AceStream engine {version} reachable at {url}")
        self._set(Health(True, None if demo else version))


async def version_at(url: str, timeout: float = 5.0) -> str:
    """The version of the engine at `url`, asked on a session of its own (Settings' Test); EngineError if none."""
    async with aiohttp.ClientSession(trust_env=False) as http:
        return await EngineClient(url, http).version(timeout=timeout)
