"""Channel keys and content ids: what a valid one is, and finding one inside user input."""

from __future__ import annotations

import re
from typing import Literal, NamedTuple
from urllib.parse import parse_qs, urlsplit

# The engine treats a content id and an infohash as different things even when
# the hex happens to match, so a channel is keyed by both the kind and the id.
Kind = Literal["id", "infohash"]
KINDS: tuple[Kind, ...] = ("id", "infohash")


def parse_kind(value: str) -> Kind | None:
    """`value` as a channel kind ("id" or "infohash"), or None when it is neither."""
    for kind in KINDS:
        if value == kind:
            return kind
    return None


class ChannelKey(NamedTuple):
    """One channel as the engine knows it: the engine parameter that selects it and 40 lower-case hex.

    A tuple, so playlists, favourites and live streams key their maps by the same value.
    """

    kind: Kind
    content_id: str


_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_EXACT_HEX40 = re.compile(r"\A[0-9a-fA-F]{40}\Z")


def is_content_id(value: str) -> bool:
    """A content id or infohash is exactly 40 hexadecimal characters."""
    return bool(_EXACT_HEX40.match(value))


def normalize(value: str) -> str:
    """Lower-case form used as the key of a channel (one session per id)."""
    return value.lower()


def find_content_id(text: str) -> str | None:
    """The content id in an `acestream://` link, a bare id, or an engine/proxy URL.

    Returns the id in lower case, or None when the text holds no unambiguous id.
    """
    text = text.strip()
    if not text:
        return None
    if is_content_id(text):
        return normalize(text)
    if text.lower().startswith("acestream://"):
        rest = text[len("acestream://") :].split("?", 1)[0].split("#", 1)[0].strip("/")
        return normalize(rest) if is_content_id(rest) else None
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        query = parse_qs(parts.query)
        for key in ("id", "content_id", "infohash"):
            for value in query.get(key, []):
                if is_content_id(value):
                    return normalize(value)
        found = _HEX40.findall(parts.path)
        if len(found) == 1:
            return normalize(found[0])
    return None
