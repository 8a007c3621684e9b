"""Playlists and favourites as immutable values, changed only by making new ones.

The owner on the core's loop swaps one `ChannelsState` for the next; anyone on
any thread may hold and read an old one safely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.m3u import MAX_CHANNELS, MAX_NAME, ParsedPlaylist
from desktop.streaming.channels.model import Channel, ChannelKey, PlainStream
from desktop.streaming.channels.numbering import EMPTY_NUMBERS, ChannelNumbers
from desktop.streaming.channels.source_choices import NO_CHOICES, SourceChoices


@dataclass(frozen=True)
class PlaylistState:
    """One playlist: where it comes from, its last good copy, and how the last try went."""

    source: str
    channels: tuple[Channel, ...] = ()  # the last good copy; kept when a refresh fails
    epg_urls: tuple[str, ...] = ()
    skipped: int = 0
    duplicates: int = 0
    over_limit: int = 0  # channels past the first MAX_CHANNELS, left out
    shortened: int = 0  # names cut to MAX_NAME characters
    error: str | None = None  # a readable sentence from the last refresh, None when it went well
    updated_at: float | None = None  # epoch seconds of the last good copy
    checked_at: float | None = None  # epoch seconds of the last attempt, good or not
    saved: bool = True  # False: added for one run only (`serve --playlist`), never written
    streams: tuple[PlainStream, ...] = ()  # its plain (non-AceStream) streams, passed on by /playlist.m3u
    # The channels' names as grouping compares them (`grouping.name_keys`), made where the
    # copy is parsed or read, off the core's loop; () when not made (the catalog makes them then).
    name_keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def succeeded(self, parsed: ParsedPlaylist, now: float, name_keys: Sequence[str] = ()) -> PlaylistState:
        """The new copy replaces the old one — unless it holds no channel at all."""
        if not parsed.channels:
            return self.failed(_empty_message(parsed), now)
        source = self.source
        channels = parsed.channels
        if any(c.playlist != source for c in channels):  # parse(…, playlist=source) saves this
            channels = tuple(dataclasses.replace(c, playlist=source) for c in channels)
        return dataclasses.replace(
            self,
            channels=channels,
            streams=parsed.streams,
            epg_urls=parsed.epg_urls,
            skipped=parsed.skipped,
            duplicates=parsed.duplicates,
            over_limit=parsed.over_limit,
            shortened=parsed.shortened,
            name_keys=tuple(name_keys),
            error=None,
            updated_at=now,
            checked_at=now,
        )

    def failed(self, message: str, now: float) -> PlaylistState:
        """Nothing lost: the previous channels stay, the problem is shown on the playlist."""
        return dataclasses.replace(self, error=message, checked_at=now)

    def note(self) -> str | None:
        """What was left out, as a sentence for the playlist's row ("3 entries are not …")."""
        parts = []
        if self.streams:
            kept = ("plain stream is passed on as it is", "plain streams are passed on as they are")
            parts.append(_count(len(self.streams), *kept))
        if self.skipped:
            left_out = ("entry is not a valid AceStream link", "entries are not valid AceStream links")
            parts.append(_count(self.skipped, *left_out))
        if self.duplicates:
            parts.append(_count(self.duplicates, "entry repeats", "entries repeat") + " a channel")
        if self.over_limit:
            parts.append(f"{_count(self.over_limit, 'channel', 'channels')} past the first {MAX_CHANNELS:,} left out")
        if self.shortened:
            parts.append(f"{_count(self.shortened, 'name', 'names')} cut to {MAX_NAME} characters")
        return "; ".join(parts) + "." if parts else None

    @property
    def left_out(self) -> int:
        """Entries of the playlist that are not among its channels."""
        return self.skipped + self.duplicates + self.over_limit


@dataclass(frozen=True, eq=False)
class ChannelsState:
    """All playlists (in the order they were added), the favourites (in the order they were starred),
    numbers, and the person's source choices."""

    playlists: tuple[PlaylistState, ...] = ()
    # The order is what "keep the first N favourites ready" means (Settings → Channels).
    starred: tuple[ChannelKey, ...] = ()
    numbers: ChannelNumbers = EMPTY_NUMBERS  # every channel's number (ChannelLibrary keeps it up to date)
    choices: SourceChoices = NO_CHOICES  # sources a person ordered, detached or attached

    @cached_property
    def favourites(self) -> frozenset[ChannelKey]:
        """The starred keys as a set: what lists and filters ask ("is this one starred?")."""
        return frozenset(self.starred)

    @cached_property
    def catalog(self) -> Catalog:
        """Built on first use and then shared; a favourite's change hands it on unchanged."""
        playlists = self.playlists
        return Catalog.merge(
            (p.channels for p in playlists),
            (p.epg_urls for p in playlists),
            name_lists=(p.name_keys for p in playlists),
            choices=self.choices,
            was=self.numbers.by_key,  # a channel stays the entry that holds its number
        )

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(p.source for p in self.playlists)

    def playlist(self, source: str) -> PlaylistState | None:
        return next((p for p in self.playlists if p.source == source), None)

    def with_playlist(self, source: str, *, saved: bool = True) -> ChannelsState:
        """Add a playlist (empty until fetched); one already there stays where it is."""
        existing = self.playlist(source)
        if existing is None:
            added = PlaylistState(source, saved=saved)
            return dataclasses.replace(self, playlists=(*self.playlists, added))
        if saved and not existing.saved:  # a run-only playlist the person now keeps
            return self.with_update(dataclasses.replace(existing, saved=True))
        return self

    def without_playlist(self, source: str) -> ChannelsState:
        kept = tuple(p for p in self.playlists if p.source != source)
        return dataclasses.replace(self, playlists=kept)

    def with_update(self, playlist: PlaylistState) -> ChannelsState:
        """Put a refreshed playlist in its place; one removed meanwhile stays removed."""
        if self.playlist(playlist.source) is None:
            return self
        swapped = tuple(playlist if p.source == playlist.source else p for p in self.playlists)
        return dataclasses.replace(self, playlists=swapped)

    def with_favourite(self, key: ChannelKey, on: bool = True) -> ChannelsState:
        """Star a channel by any of its sources' keys (kept under its own, starred last; one already
        starred keeps its place), or unstar it (under every one of its sources' keys)."""
        key = ChannelKey(*key)  # a plain (kind, id) pair too: the keys go on to the streams' registry
        if on:
            if self.is_favourite(key):
                return self
            channel = self.catalog.get(key)
            starred = (*self.starred, channel.key if channel is not None else key)
        else:
            gone = {key} | {source.key for source in self.catalog.sources_of(key)}
            if gone.isdisjoint(self.favourites):
                return self
            starred = tuple(k for k in self.starred if k not in gone)
        return self._same_channels(starred=starred)

    def with_choices(self, choices: SourceChoices) -> ChannelsState:
        """The person's new source choices: the channels are grouped again."""
        return dataclasses.replace(self, choices=choices)

    def with_numbers(self, numbers: ChannelNumbers) -> ChannelsState:
        return self._same_channels(numbers=numbers)

    def _same_channels(self, **changes: object) -> ChannelsState:
        new = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        if "catalog" in self.__dict__:
            # The channels did not change: hand on the catalog rather than rebuild
            # it (cached_property keeps its value in the instance's __dict__).
            new.__dict__["catalog"] = self.__dict__["catalog"]
        return new

    @cached_property
    def starred_channels(self) -> tuple[ChannelKey, ...]:
        """The starred channels by their own keys, in the order starred, each once: a star given to an
        entry that is now a channel's second source marks that channel (stars given before entries
        were grouped stay shown, and keep one place among "the first N favourites")."""
        get = self.catalog.get
        return tuple(dict.fromkeys(channel.key if (channel := get(key)) is not None else key for key in self.starred))

    @cached_property
    def favourite_channels(self) -> frozenset[ChannelKey]:
        return frozenset(self.starred_channels)

    def is_favourite(self, key: ChannelKey) -> bool:
        channel = self.catalog.get(key)
        return (channel.key if channel is not None else key) in self.favourite_channels

    def number_of(self, key: ChannelKey) -> str:
        """The channel's number ("" only before the library has numbered a new playlist)."""
        return self.numbers.number_of(key) or ""

    @property
    def streams(self) -> tuple[PlainStream, ...]:
        """Every playlist's plain streams, in playlist order."""
        return tuple(s for p in self.playlists for s in p.streams)

    def search(
        self, query: str = "", *, group: str | None = None, favourites_only: bool = False
    ) -> tuple[Channel, ...]:
        only = self.favourite_channels if favourites_only else None
        return self.catalog.search(query, group=group, only=only)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _empty_message(parsed: ParsedPlaylist) -> str:
    if parsed.entries == 0:
        return "The playlist has no entries. The previous channels are kept."
    return (
        f"The playlist has no AceStream links ({_count(parsed.entries, 'entry', 'entries')}, "
        "none of them an AceStream link). The previous channels are kept."
    )
