"""A channel's number as the guide shows it: the one place the guide asks for numbers.

Numbering itself (`tvg-chno`, numbers kept across restarts, a person's own) belongs to
the channels; until it lands this answers with the channel's place in the merged
list, counted from 1. Point `channel_numbers` at the channels' numbering then.
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.model import ChannelKey


def channel_numbers(catalog: Catalog) -> Mapping[ChannelKey, str]:
    """Every channel's number, as text ("7", or "5.1" once sub-numbers exist)."""
    return {channel.key: str(n) for n, channel in enumerate(catalog.channels, start=1)}
