"""The engine's own word that the source in use is dead, read from its stat answers.

A dead AceStream id rarely fails at once: the engine starts a session and
prebuffers from a swarm that is not there. Its stat says so: no peers and no
download. Such a source is dead once that has lasted the stall timeout with no
data meanwhile (a source that delivers is alive, whatever its figures say), or
at once when the stat answers an error for a session the engine started.
"""

from __future__ import annotations

from desktop.streaming.snapshot import EngineStats


class DeadWatch:
    """Fed every stat poll of the source in use; says when the engine calls it dead."""

    def __init__(self) -> None:
        self._empty_since: float | None = None  # when the stat first said no peers and no speed

    def reset(self) -> None:
        """Another source (or session) is in use now: what was seen says nothing of it."""
        self._empty_since = None

    def stat_error(self, text: str) -> str:
        return f"the engine's stat says: {text.removeprefix('AceStream engine stat error: ')}"

    def seen(self, stats: EngineStats, now: float, last_data: float, stall_timeout: float) -> str | None:
        """The reason the source is dead, or None while it is not (yet)."""
        if stats.peers is None or stats.speed_down_kbps is None or stats.peers or stats.speed_down_kbps:
            self._empty_since = None  # figures it did not give are no sign of death
            return None
        if self._empty_since is None:
            self._empty_since = now
        if now - self._empty_since >= stall_timeout and now - last_data >= stall_timeout:
            return f"no peers for {stall_timeout:g} s"
        return None
