"""Which channels a device list offers: with "hide dead channels" on, none whose sources are all dead."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.model import Channel
from desktop.streaming.ids import ChannelKey
from desktop.streaming.sources.health import HealthMap


def sources_of(catalog: Catalog, channel: Channel) -> tuple[ChannelKey, ...]:
    """The sources a channel can play from: each entry the playlists group into it."""
    return tuple(source.key for source in catalog.sources_of(channel.key)) or (channel.key,)


def without_dead(channels: Iterable[Channel], health: HealthMap, catalog: Catalog) -> list[Channel]:
    """The channels with at least one source not known dead, in their order."""
    return [channel for channel in channels if not health.all_dead(sources_of(catalog, channel))]
