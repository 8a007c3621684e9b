"""A channel as the live side opens it: its key, its name and its sources in the order they are tried."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.model import elide_id
from desktop.streaming.ids import ChannelKey


@dataclass(frozen=True)
class ChannelSources:
    """Frozen: a stream keeps the one it was opened with (a refresh meanwhile changes the next one)."""

    key: ChannelKey  # the channel's own key (its entry in the lists); streams are registered by it
    name: str  # "" when no playlist names it
    sources: tuple[ChannelKey, ...]  # never empty; (key,) for a channel of one source

    @classmethod
    def alone(cls, key: ChannelKey) -> ChannelSources:
        """A channel no playlist groups (or names): its one source is itself."""
        return cls(key, "", (key,))

    @property
    def title(self) -> str:
        """How events name the channel: its name, or its id elided."""
        return self.name or elide_id(self.key.content_id)

    @property
    def several(self) -> bool:
        return len(self.sources) > 1


def lineup_of(catalog: Catalog, key: ChannelKey) -> ChannelSources:
    """The channel `key` (any of its sources' keys) belongs to; a key no playlist has stands alone."""
    channel = catalog.get(key)
    if channel is None:
        return ChannelSources.alone(key)
    sources = tuple(source.key for source in catalog.sources_of(key))
    return ChannelSources(channel.key, channel.name, sources)
