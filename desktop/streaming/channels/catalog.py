"""The merged, searchable channel list: an immutable snapshot that can cross threads.

Entries of several playlists that are one channel are grouped (`grouping.py`):
the list holds each channel once, as its first entry, and `sources_of` gives
its sources in the order they are tried. A lookup by any source's key finds
its channel, so a player or a TV app asking for a backup's id gets the channel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from desktop.streaming.channels.grouping import Grouping, group, name_keys
from desktop.streaming.channels.logo_index import LogoIndex
from desktop.streaming.channels.model import Channel, ChannelKey
from desktop.streaming.channels.names import fold, loosely
from desktop.streaming.channels.source_choices import NO_CHOICES, SourceChoices

# Name and group are searched as one folded string per channel (no accents, case
# folded: names.py); the separator keeps a word from matching across the two.
_FIELD_BREAK = "\x00"


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every channel from every playlist, in playlist order; the first playlist wins a duplicate entry."""

    channels: tuple[Channel, ...] = ()  # each channel once: its first entry
    epg_urls: tuple[str, ...] = ()  # every playlist's EPG addresses, in order, without repeats
    _by_key: Mapping[ChannelKey, Channel] = field(default_factory=dict, repr=False)
    _haystacks: tuple[str, ...] = field(default=(), repr=False)
    _group_sizes: Mapping[str, int] = field(default_factory=dict, repr=False)
    _grouping: Grouping = field(default_factory=Grouping, repr=False)
    # Each playlist's channel count once worked out (by the core's event, or the window): source -> (entries, count).
    _counts: dict[str, tuple[Sequence[Channel], int]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def merge(
        cls,
        channel_lists: Iterable[Iterable[Channel]],
        epg_lists: Iterable[Iterable[str]] = (),
        *,
        name_lists: Iterable[Sequence[str]] | None = None,
        choices: SourceChoices = NO_CHOICES,
        was: Iterable[ChannelKey] = (),
    ) -> Catalog:
        """`name_lists[i]` are `channel_lists[i]`'s `name_keys` when known (made off the core's loop);
        `choices` are the person's orders, detached and attached sources; `was` the keys that were
        channels before, oldest first (the channel numbers': a channel stays the entry it was)."""
        entries: dict[ChannelKey, tuple[Channel, str]] = {}
        names_of = iter(name_lists) if name_lists is not None else None
        for channels in channel_lists:
            listed = channels if isinstance(channels, Sequence) else tuple(channels)
            names = next(names_of, None) if names_of is not None else None
            if names is None or len(names) != len(listed):
                names = name_keys(listed)
            for channel, name in zip(listed, names, strict=True):
                entries.setdefault(channel.key, (channel, name))
        grouping = group(entries, choices, was)
        by_key = grouping.by_key
        merged = tuple(by_key.values())  # dicts keep insertion order: playlist order
        epg: dict[str, None] = {}
        for urls in epg_lists:
            epg.update(dict.fromkeys(urls))
        haystacks = tuple(fold(f"{c.name}{_FIELD_BREAK}{c.group}") for c in merged)
        sizes = MappingProxyType(Counter(c.group for c in merged if c.group))
        return cls(merged, tuple(epg), by_key, haystacks, sizes, grouping)

    def __len__(self) -> int:
        return len(self.channels)

    @property
    def by_key(self) -> Mapping[ChannelKey, Channel]:
        """Each channel by its own key (its first entry's); `get` finds it by any source's too."""
        return self._by_key

    def get(self, key: ChannelKey) -> Channel | None:
        """The channel `key` is a source of (its own key included); None when no playlist has it."""
        return self._by_key.get(key) or self._grouping.channel_of.get(key)

    def channels_of(self, entries: Iterable[Channel]) -> tuple[ChannelKey, ...]:
        """The channels these playlist entries are sources of, each once, in order: what the Channels
        tab lists for them (a channel with a backup is one). An entry no channel has stays itself."""
        by_key, channel_of = self._by_key, self._grouping.channel_of  # as `get`, inlined: 50,000 entries in ~40 ms
        keys: dict[ChannelKey, None] = {}
        for entry in entries:
            key = entry.key
            if key not in by_key and (channel := channel_of.get(key)) is not None:
                key = channel.key
            keys[key] = None
        return tuple(keys)

    def channel_count(self, source: str, entries: Sequence[Channel]) -> int:
        """How many channels the playlist `source`'s `entries` make (`channels_of`), worked out once for
        this catalog: a view that changes anything else (a star, a download's progress) costs nothing."""
        held = self._counts.get(source)
        if held is None or held[0] is not entries:
            held = self._counts[source] = (entries, len(self.channels_of(entries)))
        return held[1]

    def sources_of(self, key: ChannelKey) -> tuple[Channel, ...]:
        """The channel's sources (entries) in the order they are tried; () for a key no playlist has."""
        channel = self.get(key)
        if channel is None:
            return ()
        return self._grouping.sources.get(channel.key) or (channel,)

    @property
    def grouped(self) -> Mapping[ChannelKey, tuple[Channel, ...]]:
        """The channels with more than one source (or a person's order), by key: their sources."""
        return self._grouping.sources

    def name_for(self, key: ChannelKey) -> str | None:
        """The channel's name when a playlist names it (streams table, events, tooltip)."""
        channel = self.get(key)
        return channel.name or None if channel is not None else None

    @cached_property
    def logos(self) -> LogoIndex:
        """The logos these channels name that AceTray fetches, by id (built on first use)."""
        return LogoIndex.build(self.channels)

    def groups(self) -> tuple[str, ...]:
        """The groups in the order they first appear; channels without one are left out."""
        return tuple(self.group_sizes)

    @property
    def group_sizes(self) -> Mapping[str, int]:
        """Each group's number of channels, the groups in the order they first appear (none: left out).
        Counted with the merge, on the core's loop: the window only reads it."""
        return self._group_sizes

    def groups_like(self, name: str) -> frozenset[str]:
        """The groups that read as `name` when case, accents and spacing are ignored."""
        wanted = loosely(name)
        return frozenset(group for group in self.groups() if loosely(group) == wanted)

    def search(
        self,
        query: str = "",
        *,
        group: str | None = None,
        only: AbstractSet[ChannelKey] | None = None,
    ) -> tuple[Channel, ...]:
        """Channels whose name or group holds every word of `query`, ignoring case and accents.

        `group` keeps one group (exact); `only` keeps the channels whose keys it
        holds (favourites). Meant to run on every keystroke: one substring test
        per word per channel on strings folded once, when the catalog was built.
        """
        words = fold(query).split()
        pairs: Iterable[tuple[Channel, str]] = zip(self.channels, self._haystacks, strict=True)
        if group is not None:
            pairs = [(c, h) for c, h in pairs if c.group == group]
        if only is not None:
            pairs = [(c, h) for c, h in pairs if c.key in only]
        # One pass per word, each over what the words before it left: a list
        # comprehension per word is several times faster than all() per channel.
        for word in words:
            pairs = [(c, h) for c, h in pairs if word in h]
        return tuple(c for c, _ in pairs)


EMPTY_CATALOG = Catalog()
