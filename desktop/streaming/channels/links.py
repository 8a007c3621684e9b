"""Recognising an AceStream link in one playlist entry line.

Regexes only (no urlsplit per line): a 10,000-line playlist is read in one
go, and this runs once per entry.
"""

from __future__ import annotations

import re

from desktop.streaming.channels.model import ChannelKey, Kind

_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
# acestream://<id>, ace://<id>, infohash://<hash>; anything after the id
# (a slash, a query, a fragment) is ignored, as the engine's own links allow.
_SCHEME_LINK = re.compile(r"(acestream|ace|infohash)://([^/?#\s]*)", re.IGNORECASE)
# The engine's HTTP API on any host and port; the query is read below.
_ENGINE_URL = re.compile(r"https?://[^/?#\s]+/ace/(?:getstream|manifest\.m3u8)/?\?([^#\s]*)", re.IGNORECASE)
_QUERY_PARAM = re.compile(r"(?:^|&)(id|content_id|infohash)=([^&]*)", re.IGNORECASE)
# Query keys in the order they are trusted; the first two name a content id.
_QUERY_KINDS: tuple[tuple[str, Kind], ...] = (
    ("id", "id"),
    ("content_id", "id"),
    ("infohash", "infohash"),
)


# Streams of other kinds a playlist may hold beside AceStream links: passed on, never played by AceTray.
_PLAIN_STREAM = re.compile(r"(?:https?|rtmp|rtp|udp)://[^\s]+\Z", re.IGNORECASE)
_ENGINE_API = re.compile(r"https?://[^/?#\s]+/ace/", re.IGNORECASE)  # any of the engine's paths


def is_plain_stream(line: str) -> bool:
    """A plain stream URL (http, https, rtmp, rtp, udp) that is not the engine's API.

    An engine URL without a valid id is a broken AceStream link, not a plain
    stream: it would point other devices at the engine itself.
    """
    text = line.strip()
    return _PLAIN_STREAM.match(text) is not None and _ENGINE_API.match(text) is None


def is_hex40(value: str) -> bool:
    return len(value) == 40 and _HEX40.fullmatch(value) is not None


def parse_link(line: str) -> ChannelKey | None:
    """The (kind, id) an entry line points at, or None when AceTray cannot play it.

    Accepted: `acestream://<id>`, `ace://<id>`, `infohash://<hash>`, a bare
    40-hex id, and engine URLs on any host and port — `/ace/getstream` or
    `/ace/manifest.m3u8` with `id=`, `content_id=` or `infohash=`. The id comes
    back in lower case. Plain streams and invalid ids give None.
    """
    text = line.strip()
    if is_hex40(text):
        return ChannelKey("id", text.lower())
    found = _SCHEME_LINK.match(text)
    if found is not None:
        value = found.group(2)
        if not is_hex40(value):
            return None
        kind: Kind = "infohash" if found.group(1).lower() == "infohash" else "id"
        return ChannelKey(kind, value.lower())
    engine = _ENGINE_URL.match(text)
    if engine is not None:
        return _from_query(engine.group(1))
    return None


def _from_query(query: str) -> ChannelKey | None:
    params: dict[str, str] = {}
    for key, value in _QUERY_PARAM.findall(query):
        params.setdefault(key.lower(), value)  # the first occurrence counts
    for key, kind in _QUERY_KINDS:
        value = params.get(key)
        if value is not None:
            return ChannelKey(kind, value.lower()) if is_hex40(value) else None
    return None
