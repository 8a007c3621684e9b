"""Plain data for named channels: what a channel is and how it is keyed."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.streaming.ids import KINDS, ChannelKey, Kind

__all__ = ["KINDS", "Channel", "ChannelKey", "Kind", "PlainStream", "elide_id"]


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel from a playlist; `id` is 40 lower-case hex characters."""

    name: str
    group: str
    logo: str
    tvg_id: str
    kind: Kind
    id: str
    playlist: str = ""  # the source it came from; set once it belongs to a stored playlist
    tvg_shift: float = 0.0  # hours its guide's times are moved by (the playlist's tvg-shift)
    tvg_name: str = ""  # the playlist's own tvg-name, passed on as given (guides match by it)
    chno: str = ""  # the playlist's tvg-chno / channel-number, normalised ("" when none or not a number)
    radio: bool = False  # radio="true": apps file it under radio, not TV

    @property
    def key(self) -> ChannelKey:
        return ChannelKey(self.kind, self.id)

    @property
    def title(self) -> str:
        """How the channel is named everywhere (lists, menus, TV apps); a nameless one by its id, elided."""
        return self.name or elide_id(self.id)


@dataclass(frozen=True, slots=True)
class PlainStream:
    """An entry of an imported playlist that is not AceStream (http, https, rtmp, rtp, udp).

    AceTray does not play it; `/playlist.m3u` passes it on unchanged (`lines`:
    the entry's own lines, its #EXTINF and options first, its URL last).
    """

    lines: tuple[str, ...]
    group: str = ""

    @property
    def url(self) -> str:
        return self.lines[-1]


def elide_id(content_id: str, keep: int = 8) -> str:
    """How a channel that is in no playlist is shown: its id elided in the middle."""
    if len(content_id) <= 2 * keep + 1:
        return content_id
    return f"{content_id[:keep]}…{content_id[-keep:]}"
