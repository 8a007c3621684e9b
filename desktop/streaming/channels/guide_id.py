"""The id a channel has in AceTray's guide and as `tvg-id` in the device playlist: one for both."""

from __future__ import annotations

from desktop.streaming.channels.model import ChannelKey


def xmltv_id(key: ChannelKey) -> str:
    """`<40 hex>.<kind>.acetray`: RFC 2838's host-name form that `tv_validate_file` asks of
    channel ids, made from the channel's key alone — a person may rename or renumber a
    channel, and TV apps keep its guide only while the id stays."""
    kind, content_id = key
    return f"{content_id.lower()}.{kind}.acetray"
