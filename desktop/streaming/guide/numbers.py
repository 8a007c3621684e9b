"""Numbers for a guide that was given none: each channel's place in the merged list, from 1.

The running core hands the guide the channels' own numbers (`channels/numbering.py`:
`tvg-chno`, kept across restarts, a person's own) with every catalog, so `/epg.xml`,
`/playlist.m3u` and the tuner's lineup agree; this is the fallback for a guide used
on its own (its tests).
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.model import ChannelKey


def channel_numbers(catalog: Catalog) -> Mapping[ChannelKey, str]:
    """Every channel's number, as text ("7", or "5.1" once sub-numbers exist)."""
    return {channel.key: str(n) for n, channel in enumerate(catalog.channels, start=1)}
