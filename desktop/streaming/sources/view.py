"""What the window and `/api/channels/health` are told about sources: the verdicts and a check's progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.streaming.sources.health import HealthMap


@dataclass(frozen=True)
class CheckProgress:
    """The link check under way (or the last one, once `running` is False)."""

    running: bool = False
    done: int = 0  # sources judged (or passed over) so far
    total: int = 0  # sources asked for in this check
    alive: int = 0
    dead: int = 0

    def phrase(self) -> str:
        """ "Checking 12 of 50…" while running; what the last check found otherwise ("" before any)."""
        if self.running:
            return f"Checking {min(self.done + 1, self.total):,} of {self.total:,}…"
        if not self.total:
            return ""
        return f"Checked {self.done:,} of {self.total:,}: {self.alive:,} alive, {self.dead:,} dead."

    def to_json(self) -> dict[str, Any]:
        return {"running": self.running, "done": self.done, "total": self.total, "alive": self.alive, "dead": self.dead}


@dataclass(frozen=True, eq=False)
class SourcesView:
    """A frozen picture for the window's thread."""

    health: HealthMap = field(default_factory=HealthMap)
    check: CheckProgress = field(default_factory=CheckProgress)
