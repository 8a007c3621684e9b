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
    stopped: bool = False  # ended before its last source (stopped by the person, the engine gone, the proxy stopped)

    def phrase(self) -> str:
        """What the Channels tab says: "Checking 12 of 50…", then what the check found ("" before any)."""
        if self.running:
            return f"Checking {min(self.done + 1, self.total):,} of {self.total:,}…"
        if not self.total:
            return ""
        found = f"{self.alive:,} alive, {self.dead:,} dead."
        if self.stopped:
            return f"Stopped after {self.done:,} of {links_phrase(self.total)}: {found}"
        return f"Checked {links_phrase(self.done)}: {found}"

    def to_json(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "done": self.done,
            "total": self.total,
            "alive": self.alive,
            "dead": self.dead,
            "stopped": self.stopped,
        }


def links_phrase(count: int) -> str:
    """ "1 link", "1,234 links"."""
    return f"{count:,} link" if count == 1 else f"{count:,} links"


@dataclass(frozen=True, eq=False)
class SourcesView:
    """A frozen picture for the window's thread."""

    health: HealthMap = field(default_factory=HealthMap)
    check: CheckProgress = field(default_factory=CheckProgress)
