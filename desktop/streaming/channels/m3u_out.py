"""The device playlist: the imported channels as an `#EXTM3U` file for TV apps.

What apps use is passed on: names, groups, logos, the playlist's own `tvg-name`
(Kodi's IPTV Simple matches a guide by it), the channel's number as `tvg-chno`,
and `radio="true"` (apps file those under radio); `tvg-shift` is not (the guide
applies it). `tvg-id` is the channel's id in AceTray's own guide (`xmltv_id`), and
the header's `url-tvg` points at that one guide (`/epg.xml`), which gathers the
sources' guides — Kodi's IPTV Simple follows only the first of several
comma-separated addresses. Each entry's URL points at this proxy, and so does its
logo's (`logo_for`), so a logo only this computer can reach shows on the TV too.
Plain streams of the playlists (http, rtmp, udp…) follow as they were written.
Attribute values are cleaned of what would break the line format (quotes, line
breaks): a playlist is data from the internet, and a name must never become a
second line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from desktop.streaming.channels.guide_id import xmltv_id
from desktop.streaming.channels.model import Channel, PlainStream

UrlFor = Callable[[Channel], str]
LogoFor = Callable[[Channel], str]  # the logo's address for the device; "" for none
NumberFor = Callable[[Channel], str]


def _attr(value: str) -> str:
    return " ".join(value.replace('"', "'").split())


def _title(value: str) -> str:
    return " ".join(value.split())  # no line breaks: the title ends the #EXTINF line


def render(
    channels: Iterable[Channel],
    url_for: UrlFor,
    guide_url: str = "",
    logo_for: LogoFor | None = None,
    *,
    number_for: NumberFor | None = None,
    streams: Iterable[PlainStream] = (),
) -> str:
    """The playlist text; `url_for(channel)` gives each entry's URL (host, kind, id, token),
    `guide_url` the guide's (with the token too), `logo_for` its logo's (the playlist's own when None),
    `number_for` its number; `streams` follow the channels unchanged."""
    epg = _attr(guide_url)
    lines = [f'#EXTM3U url-tvg="{epg}" x-tvg-url="{epg}"' if epg else "#EXTM3U"]
    for channel in channels:
        attributes = [
            ("tvg-id", xmltv_id(channel.key)),
            ("tvg-name", channel.tvg_name),
            ("tvg-chno", number_for(channel) if number_for is not None else channel.chno),
            ("tvg-logo", logo_for(channel) if logo_for is not None else channel.logo),
            ("group-title", channel.group),
            ("radio", "true" if channel.radio else ""),
        ]
        shown = " ".join(f'{key}="{_attr(value)}"' for key, value in attributes if value)
        lines.append(f"#EXTINF:-1 {shown},{_title(channel.name)}" if shown else f"#EXTINF:-1,{_title(channel.name)}")
        lines.append(url_for(channel))
    for stream in streams:
        lines.extend(stream.lines)
    return "\n".join(lines) + "\n"


def etag(text: str) -> str:
    """A strong validator for the rendered playlist (TV apps refresh it often; most times nothing changed)."""
    return '"' + hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest() + '"'
