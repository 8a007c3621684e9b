"""The device playlist: the imported channels as an `#EXTM3U` file for TV apps.

Names, groups, logos and tvg-ids are kept and the sources' EPG addresses passed
on (`url-tvg`), so TiviMate or Kodi show the same guide as before; each entry's
URL changes to this proxy, and so does its logo's (`logo_for`), so a logo only
this computer can reach shows on the TV too. Attribute values are cleaned of what would
break the line format (quotes, line breaks): a playlist is data from the
internet, and a name must never become a second line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from desktop.streaming.channels.model import Channel

UrlFor = Callable[[Channel], str]
LogoFor = Callable[[Channel], str]  # the logo's address for the device; "" for none


def _attr(value: str) -> str:
    return " ".join(value.replace('"', "'").split())


def _title(value: str) -> str:
    return " ".join(value.split())  # no line breaks: the title ends the #EXTINF line


def render(
    channels: Iterable[Channel], url_for: UrlFor, epg_urls: Iterable[str] = (), logo_for: LogoFor | None = None
) -> str:
    """The playlist text; `url_for(channel)` gives each entry's URL (host, kind, id, token), `logo_for`
    its logo's (the playlist's own when None)."""
    epg = ",".join(_attr(url) for url in epg_urls if url)
    lines = [f'#EXTM3U url-tvg="{epg}" x-tvg-url="{epg}"' if epg else "#EXTM3U"]
    for channel in channels:
        attributes = [
            ("tvg-id", channel.tvg_id),
            ("tvg-name", channel.name),
            ("tvg-logo", logo_for(channel) if logo_for is not None else channel.logo),
            ("group-title", channel.group),
        ]
        shown = " ".join(f'{key}="{_attr(value)}"' for key, value in attributes if value)
        lines.append(f"#EXTINF:-1 {shown},{_title(channel.name)}" if shown else f"#EXTINF:-1,{_title(channel.name)}")
        lines.append(url_for(channel))
    return "\n".join(lines) + "\n"


def etag(text: str) -> str:
    """A strong validator for the rendered playlist (TV apps refresh it often; most times nothing changed)."""
    return '"' + hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest() + '"'
