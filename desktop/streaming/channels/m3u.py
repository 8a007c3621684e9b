"""Reading the M3U playlists people already have into named AceStream channels.

Real playlists are untidy: a BOM or not, CRLF or LF, blank lines anywhere,
titles with commas, quotes and any script, `#EXTVLCOPT` and other tags mixed
in, plain HTTP streams beside AceStream links. The parser keeps what AceTray
can play, counts what it cannot, and never raises on content.

It works line by line with compiled regexes and str methods (no loop over
characters): 10,000 channels parse in about a tenth of a second.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from desktop.streaming.channels.links import is_plain_stream, parse_link
from desktop.streaming.channels.model import Channel, ChannelKey, PlainStream
from desktop.streaming.channels.numbering import normalize_number

# key="value" or key=value; names are case-insensitive in practice. The
# look-behind lets a name start only where a word starts: without it findall
# tries every position of a long run of letters, each scanning to its end,
# and one 200,000-character junk line took minutes (quadratic).
_ATTRIBUTE = re.compile(r'(?<![A-Za-z0-9_.:-])([A-Za-z0-9_.:-]+)\s*=\s*(?:"([^"]*)"|([^\s",]+))')
# The attribute part of an #EXTINF line: everything up to the first comma that
# is outside double quotes. A run of safe characters or one quoted string per
# step keeps the regex linear and free of backtracking.
_BEFORE_TITLE = re.compile(r'(?:[^",]+|"[^"]*")*')
# Header attributes that name an EPG (XMLTV) address; each may list several, comma-separated.
EPG_ATTRIBUTES = ("url-tvg", "x-tvg-url", "tvg-url")
# Bounds on what one playlist may cost: no one browses more channels than this, and a
# name longer than this is junk (a 20 MB list of 176,820 channels cost ~150 MB before).
MAX_CHANNELS = 50_000
MAX_NAME = 200  # characters
MAX_SHIFT_HOURS = 24.0


@dataclass(frozen=True)
class ParsedPlaylist:
    """What one playlist holds that AceTray can use, and what it left out."""

    channels: tuple[Channel, ...]
    header: tuple[tuple[str, str], ...] = ()  # #EXTM3U attributes, names lower-cased, first wins
    epg_urls: tuple[str, ...] = ()  # from url-tvg / x-tvg-url, in order, without repeats
    skipped: int = 0  # entries AceTray cannot use: AceStream links with an invalid id, unknown kinds
    duplicates: int = 0  # entries whose (kind, id) an earlier entry already had
    over_limit: int = 0  # AceStream entries past the first MAX_CHANNELS channels, left out
    shortened: int = 0  # names cut to MAX_NAME characters
    streams: tuple[PlainStream, ...] = ()  # http, https, rtmp, rtp, udp streams: passed on, not played

    @property
    def entries(self) -> int:
        """Every entry line the playlist had, kept or not."""
        return len(self.channels) + len(self.streams) + self.skipped + self.duplicates + self.over_limit


# What an entry has when no #EXTINF came before it; read, never written.
_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})


def decode(data: bytes | str) -> str:
    """Playlists are UTF-8 with or without a BOM; a stray bad byte must not lose the rest."""
    if isinstance(data, bytes):
        return data.decode("utf-8-sig", errors="replace")
    return data.removeprefix("\ufeff")


def parse(
    data: bytes | str, *, playlist: str = "", max_channels: int = MAX_CHANNELS, max_name: int = MAX_NAME
) -> ParsedPlaylist:
    """Parse a whole playlist; anything unreadable is skipped, never raised.

    `playlist` (the source) is stamped on every channel. The first
    `max_channels` channels are kept, the rest counted; names are cut to `max_name`.
    """
    channels: list[Channel] = []
    streams: list[PlainStream] = []
    seen: set[ChannelKey] = set()
    header: dict[str, str] = {}
    skipped = duplicates = over_limit = shortened = 0
    # What #EXTINF and #EXTGRP said about the next entry, and its tag lines as written
    # (a plain stream is passed on with them: #EXTVLCOPT, #KODIPROP… matter to its player).
    title, attributes, extgrp = "", _NO_ATTRIBUTES, ""
    tags: list[str] = []
    for raw in _lines(decode(data)):
        line = raw.strip()
        if not line:
            continue
        if line[0] == "#":
            tag = line[:8].upper()
            if tag.startswith("#EXTM3U"):
                for name, quoted, unquoted in _ATTRIBUTE.findall(line[7:]):
                    header.setdefault(name.lower(), (quoted or unquoted).strip())
                continue
            if tag == "#EXTINF:":
                if len(channels) < max_channels:  # past the limit only links are counted
                    title, attributes = _extinf(line[8:])
            elif tag == "#EXTGRP:":
                extgrp = line[8:].strip()
            tags.append(line)
            continue
        key = parse_link(line)
        if key is None:
            if is_plain_stream(line) and len(streams) < max_channels:
                streams.append(PlainStream((*tags, line), attributes.get("group-title") or extgrp))
            else:
                skipped += 1  # not a link AceTray knows, or a plain stream past the limit
        elif key in seen:
            duplicates += 1
        elif len(channels) >= max_channels:
            over_limit += 1
        else:
            seen.add(key)
            channel = _channel(key, title, attributes, extgrp, playlist, header.get("tvg-shift"))
            if len(channel.name) > max_name:
                channel = dataclasses.replace(channel, name=channel.name[:max_name].rstrip())
                shortened += 1
            channels.append(channel)
        # #EXTINF and #EXTGRP describe only the entry that follows them.
        title, attributes, extgrp = "", _NO_ATTRIBUTES, ""
        tags = []
    return ParsedPlaylist(
        channels=tuple(channels),
        header=tuple(header.items()),
        epg_urls=_epg_urls(header),
        skipped=skipped,
        duplicates=duplicates,
        over_limit=over_limit,
        shortened=shortened,
        streams=tuple(streams),
    )


def _channel(
    key: ChannelKey, title: str, attributes: Mapping[str, str], extgrp: str, playlist: str, header_shift: str | None
) -> Channel:
    get = attributes.get
    number = get("tvg-chno") or get("channel-number") or ""
    return Channel(
        name=title or get("tvg-name", ""),
        group=get("group-title") or extgrp,
        logo=get("tvg-logo") or get("logo", ""),
        tvg_id=get("tvg-id", ""),
        kind=key[0],
        id=key[1],
        playlist=playlist,
        tvg_shift=tvg_shift(get("tvg-shift") or header_shift),
        tvg_name=get("tvg-name", ""),
        chno=(normalize_number(number) or "") if number else "",
        radio=get("radio", "").lower() == "true",
    )


def tvg_shift(value: str | None) -> float:
    """Hours from a `tvg-shift` ("2", "-1.5", "+3"); 0 for anything else or beyond a day."""
    try:
        hours = float(value.strip()) if value else 0.0
    except ValueError:
        return 0.0
    return hours if -MAX_SHIFT_HOURS <= hours <= MAX_SHIFT_HOURS else 0.0


def _lines(text: str) -> Iterator[str]:
    # Not str.splitlines(): it also breaks at U+2028, form feeds and other
    # characters a title may hold. One line at a time rather than split("\n"):
    # a 20 MB playlist's list of lines alone cost ~40 MB at once.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start, find = 0, text.find
    while (end := find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _attributes(text: str) -> dict[str, str]:
    """key="value" pairs, names lower-cased; a repeated name keeps its first value."""
    # Built from the end so that the first of a repeated name is written last
    # (the order of an #EXTINF's attributes does not matter; the header's does).
    return {name.lower(): (quoted or unquoted).strip() for name, quoted, unquoted in reversed(_ATTRIBUTE.findall(text))}


def _extinf(body: str) -> tuple[str, dict[str, str]]:
    """`<duration> key="value" …,Title` — the title may hold commas and quotes."""
    end = _BEFORE_TITLE.match(body).end()  # type: ignore[union-attr]  # `*` always matches
    if end < len(body) and body[end] == ",":
        attributes, title = body[:end], body[end + 1 :]
    else:
        # An unbalanced quote: fall back to the first comma of all.
        comma = body.find(",")
        attributes, title = (body, "") if comma < 0 else (body[:comma], body[comma + 1 :])
    return title.strip(), _attributes(attributes)


def _epg_urls(header: dict[str, str]) -> tuple[str, ...]:
    urls: dict[str, None] = {}
    for name in EPG_ATTRIBUTES:
        for url in header.get(name, "").split(","):
            if url.strip():
                urls.setdefault(url.strip(), None)
    return tuple(urls)
