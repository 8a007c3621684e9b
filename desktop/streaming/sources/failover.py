"""Which source a channel plays from, and where it goes when that one fails.

A channel starts from its first source not known dead. When the source in use
fails (the reader decides what counts: an engine error or no data at its start,
no data for the stall timeout, the engine's stat saying it is dead), the
channel moves to the next source that is neither known dead nor waiting out a
backoff; players stay connected meanwhile. No flapping: a source that failed is
not tried again for a backoff (5 s, doubling to 2 min, forgiven once it has
played a minute). When no source is left, every one has failed: the channel
goes round them again from the first, each when its backoff is over, with a
pause before each try that grows as a single source's reconnects do (0.5 s
doubling to 5 s), until the reader gives up (the start timeout, or
give-up-after once it had played).

Every verdict goes to the health store (`report`), so the link check and
failover agree on what is dead. Pure logic on an injected clock: the reader
owns the waiting and the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from desktop.streaming.ids import ChannelKey
from desktop.streaming.sources.health import SourceHealth, State
from desktop.streaming.sources.lineup import ChannelSources

BACKOFF_FIRST = 5.0  # s a failed source is passed over (while another can play)...
BACKOFF_MAX = 120.0  # ...doubling at each failure, up to this...
FORGIVEN_AFTER = 60.0  # ...and back to the first once it has played this long
ROUND_PAUSE_FIRST, ROUND_PAUSE_MAX = 0.5, 5.0  # every source failed: the pause before each try, as reconnects
ENGINE_PREFIX = "AceStream engine error: "  # the engine's own words follow; the reason shows those alone


class HealthBook(Protocol):
    """What failover needs of the health store (`health.HealthStore`): a source's verdict, and telling one."""

    def get(self, key: ChannelKey) -> SourceHealth: ...

    def report(
        self,
        source_key: ChannelKey,
        state: State,
        reason: str | None,
        peers: int | None = None,
        speed_kbps: int | None = None,
    ) -> None: ...


def known_dead(health: HealthBook, key: ChannelKey) -> bool:
    return health.get(key).state == "dead"


def short_reason(text: str) -> str:
    """A failure as a clause after "source 1:" ("failed to load content", "no data for 10 s")."""
    return text.removeprefix(ENGINE_PREFIX).rstrip(".")


@dataclass(frozen=True)
class Switch:
    """The channel moved from one source to another (positions from 1, as a person counts)."""

    channel: str  # the channel's title
    left: int  # the source that failed
    to: int
    count: int
    reason: str  # why `left` failed, a clause

    @property
    def why(self) -> str:
        """ "source 1: no data for 10 s" """
        return f"source {self.left}: {self.reason}"

    def sentence(self) -> str:
        return f"{self.channel} switched to source {self.to} of {self.count} ({self.why})"


class Rotation:
    """One channel's sources on the reader's side: the one in use, the ones that failed, the switches made."""

    def __init__(self, lineup: ChannelSources, health: HealthBook, clock: Callable[[], float]) -> None:
        self.lineup = lineup
        self._health = health
        self._clock = clock
        sources = lineup.sources
        self.index = next((n for n, key in enumerate(sources) if not known_dead(health, key)), 0)
        self.switches = 0
        self.last_switch: Switch | None = None
        self.exhausted_since: float | None = None  # when every source had failed since the last data
        self._backoff: dict[int, tuple[float, float]] = {}  # index → (passed over until, its current backoff)
        self._reasons: dict[int, str] = {}  # index → why it last failed, a clause
        self._playing_since: float | None = None  # when the source in use last began to deliver
        self._next: int | None = None  # where `advance` goes
        self._pause = ROUND_PAUSE_FIRST

    # -- the source in use ------------------------------------------------------------------------
    @property
    def key(self) -> ChannelKey:
        return self.lineup.sources[self.index]

    @property
    def position(self) -> int:
        """The source in use, counted from 1."""
        return self.index + 1

    @property
    def count(self) -> int:
        return len(self.lineup.sources)

    def key_phrase(self) -> str:
        """ "source 2 of 3" """
        return f"source {self.position} of {self.count}"

    def dead_before(self) -> str:
        """Why the channel does not start from its first: "source 1 is known dead", "sources 1 and 2 are…"."""
        before = self.index
        if before == 1:
            return "source 1 is known dead"
        listed = "1 and 2" if before == 2 else f"1 to {before}"
        return f"sources {listed} are known dead"

    @property
    def several(self) -> bool:
        return self.lineup.several

    # -- what the reader tells ---------------------------------------------------------------------
    def flowing(self) -> None:
        """The source in use delivers (its first data since it was chosen or reopened)."""
        if self._playing_since is None:
            self._playing_since = self._clock()
            self._health.report(self.key, "alive", None)
        self.exhausted_since = None
        self._pause = ROUND_PAUSE_FIRST

    def fail(self, reason: str) -> float:
        """The source in use failed: recorded (and reported dead); returns the seconds to wait before `advance`."""
        now = self._clock()
        index, reason = self.index, short_reason(reason)
        self._reasons[index] = reason
        self._health.report(self.key, "dead", reason)
        played = self._playing_since is not None and now - self._playing_since >= FORGIVEN_AFTER
        _until, backoff = self._backoff.get(index, (0.0, 0.0))
        backoff = BACKOFF_FIRST if played or not backoff else min(backoff * 2, BACKOFF_MAX)
        self._backoff[index] = (now + backoff, backoff)
        self._playing_since = None
        candidate = self._candidate(now)
        if candidate is not None and self.exhausted_since is None:
            self._next = candidate
            return 0.0
        # Every source has failed: round them again from the first, pausing before each try
        # (longer when the next still waits out its own backoff).
        if self.exhausted_since is None:
            self.exhausted_since = now
            self._next = 0
        else:
            self._next = (index + 1) % self.count
        pause, self._pause = self._pause, min(self._pause * 2, ROUND_PAUSE_MAX)
        until, _backoff = self._backoff.get(self._next, (0.0, 0.0))
        return max(pause, until - now)

    def advance(self) -> Switch | None:
        """Move to the source `fail` chose; the switch made (None when it stays on the same source)."""
        target, self._next = self._next, None
        if target is None or target == self.index:
            return None
        left, self.index = self.index, target
        self.switches += 1
        self.last_switch = Switch(self.lineup.title, left + 1, target + 1, self.count, self._reasons[left])
        return self.last_switch

    def why_none_played(self) -> str:
        """The sentence a player gets when the reader gives up: every source and why it failed."""
        reasons = "; ".join(f"source {n + 1}: {text}" for n, text in sorted(self._reasons.items()))
        return f"None of the {self.count} sources of {self.lineup.title} played ({reasons})"

    # -- inside ---------------------------------------------------------------------------------------
    def _candidate(self, now: float) -> int | None:
        """The next source after the one in use that is neither waiting out a backoff nor known dead."""
        count = self.count
        for step in range(1, count):
            index = (self.index + step) % count
            until, _backoff = self._backoff.get(index, (0.0, 0.0))
            if until <= now and not known_dead(self._health, self.lineup.sources[index]):
                return index
        return None
