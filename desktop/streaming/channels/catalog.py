"""The merged, searchable channel list: an immutable snapshot that can cross threads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from desktop.streaming.channels.logo_index import LogoIndex
from desktop.streaming.channels.model import Channel, ChannelKey
from desktop.streaming.channels.names import fold, loosely

# Name and group are searched as one folded string per channel (no accents, case
# folded: names.py); the separator keeps a word from matching across the two.
_FIELD_BREAK = "\x00"


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every channel from every playlist, in playlist order; the first playlist wins a duplicate."""

    channels: tuple[Channel, ...] = ()
    epg_urls: tuple[str, ...] = ()  # every playlist's EPG addresses, in order, without repeats
    _by_key: Mapping[ChannelKey, Channel] = field(default_factory=dict, repr=False)
    _haystacks: tuple[str, ...] = field(default=(), repr=False)
    _group_sizes: Mapping[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def merge(cls, channel_lists: Iterable[Iterable[Channel]], epg_lists: Iterable[Iterable[str]] = ()) -> Catalog:
        by_key: dict[ChannelKey, Channel] = {}
        for channels in channel_lists:
            for channel in channels:
                by_key.setdefault(channel.key, channel)
        merged = tuple(by_key.values())  # dicts keep insertion order: playlist order
        epg: dict[str, None] = {}
        for urls in epg_lists:
            epg.update(dict.fromkeys(urls))
        haystacks = tuple(fold(f"{c.name}{_FIELD_BREAK}{c.group}") for c in merged)
        sizes = MappingProxyType(Counter(c.group for c in merged if c.group))
        return cls(merged, tuple(epg), MappingProxyType(by_key), haystacks, sizes)

    def __len__(self) -> int:
        return len(self.channels)

    @property
    def by_key(self) -> Mapping[ChannelKey, Channel]:
        return self._by_key

    def get(self, key: ChannelKey) -> Channel | None:
        return self._by_key.get(key)

    def name_for(self, key: ChannelKey) -> str | None:
        """The channel's name when a playlist names it (streams table, events, tooltip)."""
        channel = self._by_key.get(key)
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
