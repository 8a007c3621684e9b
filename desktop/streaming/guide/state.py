"""The guide as the window sees it: frozen values handed across threads."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from desktop.streaming.channels.model import ChannelKey
from desktop.streaming.guide.match import GuideChannel, GuideRef, Match

PLAYLIST, ADDED, RUN = "playlist", "added", "run"  # where a guide source comes from


@dataclass(frozen=True)
class GuideSource:
    """One guide: where it comes from, what its last good copy holds, how the last try went."""

    source: str
    origin: str  # PLAYLIST (a playlist's url-tvg), ADDED (by the person, saved), RUN (`--guide`, this run)
    channels: int = 0
    programmes: int = 0
    skipped: int = 0
    updated_at: float | None = None  # epoch seconds of the last good copy
    checked_at: float | None = None  # of the last try, good or not
    error: str | None = None  # a sentence from the last try; None when it went well

    def succeeded(self, channels: int, programmes: int, skipped: int, now: float) -> GuideSource:
        return dataclasses.replace(
            self, channels=channels, programmes=programmes, skipped=skipped, updated_at=now, checked_at=now, error=None
        )

    def failed(self, message: str, now: float) -> GuideSource:
        return dataclasses.replace(self, error=message, checked_at=now)


@dataclass(frozen=True, eq=False)
class GuideView:
    """Every guide, every channel's match, and the guides' channels for the person to pick from."""

    sources: tuple[GuideSource, ...] = ()
    matches: Mapping[ChannelKey, Match] = field(default_factory=dict)
    picks: Mapping[ChannelKey, GuideRef | None] = field(default_factory=dict)
    channels: tuple[GuideChannel, ...] = ()  # every guide's channels, guides in order
    refreshing: frozenset[str] = frozenset()

    @cached_property
    def _by_ref(self) -> Mapping[GuideRef, GuideChannel]:
        return {c.ref: c for c in reversed(self.channels)}

    def guide_channel(self, ref: GuideRef) -> GuideChannel | None:
        return self._by_ref.get(ref)

    def match_for(self, key: ChannelKey) -> Match | None:
        return self.matches.get(key)

    def match_title(self, key: ChannelKey) -> str:
        """What the Channels tab says about a channel's guide, in a few words."""
        match = self.matches.get(key)
        if match is None:
            return ""
        if match.ref is None:
            return "No guide (chosen)"
        found = self.guide_channel(match.ref)
        return found.title if found is not None else match.ref.channel_id
