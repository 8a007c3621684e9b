"""Recognising an AceStream link in one playlist entry line."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from desktop.streaming.channels.model import ChannelKey, Kind

_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
# acestream://<id>, ace://<id>, infohash://<hash>; anything after the id
# (a slash, a query, a fragment) is ignored, as the engine's own links allow.
_SCHEME_LINK = re.compile(r"(acestream|ace|infohash)://([^/?#\s]*)", re.IGNORECASE)
_ENGINE_PATHS = ("/ace/getstream", "/ace/manifest.m3u8")
# Query keys in the order they are trusted; the first two name a content id.
_QUERY_KINDS: tuple[tuple[str, Kind], ...] = (
    ("id", "id"),
    ("content_id", "id"),
    ("infohash", "infohash"),
)


class NotAceStream(ValueError):
    """The line is an entry, but not one AceTray can play (plain stream, bad id)."""


def is_hex40(value: str) -> bool:
    return len(value) == 40 and _HEX40.fullmatch(value) is not None


def parse_link(line: str) -> ChannelKey:
    """The (kind, id) an entry line points at, or NotAceStream saying why not.

    Accepted: `acestream://<id>`, `ace://<id>`, `infohash://<hash>`, a bare
    40-hex id, and engine URLs on any host and port — `/ace/getstream` or
    `/ace/manifest.m3u8` with `id=`, `content_id=` or `infohash=`.
    """
    text = line.strip()
    if is_hex40(text):
        return ("id", text.lower())
    found = _SCHEME_LINK.match(text)
    if found is not None:
        scheme, value = found.group(1).lower(), found.group(2)
        if not is_hex40(value):
            raise NotAceStream(f"{scheme}:// link without a valid 40-hex id")
        return ("infohash" if scheme == "infohash" else "id", value.lower())
    lowered = text[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return _engine_url(text)
    raise NotAceStream("not an AceStream link")


def _engine_url(text: str) -> ChannelKey:
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an invalid IPv6 host
        raise NotAceStream(f"unreadable URL ({exc})") from None
    if parts.path.rstrip("/").lower() not in _ENGINE_PATHS:
        raise NotAceStream("an HTTP stream, not an AceStream engine link")
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query):
        query.setdefault(key.lower(), value)  # the first occurrence counts
    for key, kind in _QUERY_KINDS:
        value = query.get(key)
        if value is not None:
            if not is_hex40(value):
                raise NotAceStream(f"engine link with an invalid {key}")
            return (kind, value.lower())
    raise NotAceStream("engine link without id, content_id or infohash")
