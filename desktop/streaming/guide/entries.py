"""From AceTray's channels and their matches to the guide's entries, in the channels' order."""

from __future__ import annotations

from collections.abc import Mapping

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.guide_id import xmltv_id
from desktop.streaming.channels.model import ChannelKey, elide_id
from desktop.streaming.guide.match import Match
from desktop.streaming.guide.render import GuideEntry


def entries_for(
    catalog: Catalog, matches: Mapping[ChannelKey, Match], numbers: Mapping[ChannelKey, str]
) -> list[GuideEntry]:
    """One entry per channel: its guide id, number, name, logo, shift in seconds and match."""
    entries = []
    for channel in catalog.channels:
        key = channel.key
        match = matches.get(key)
        entries.append(
            GuideEntry(
                xmltv_id=xmltv_id(key),
                number=numbers.get(key),
                name=channel.name or elide_id(channel.id),
                logo=channel.logo,
                shift=round(channel.tvg_shift * 3600),
                ref=match.ref if match is not None else None,
            )
        )
    return entries
