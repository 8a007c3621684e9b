"""Share with devices → TV apps → Test: fetch what a TV app fetches, the way it does, and say what came back.

Four ways apps use AceTray:

- `TUNER` (Plex, Jellyfin, Emby, Channels DVR): `discover.json` at the tuner's
  address, then the `LineupURL` it names, then the XMLTV guide URL;
- `DISCOVERY` (Kodi's HDHomeRun add-on): a discover request on UDP port 65001
  (to the tuner's address, never broadcast), then `lineup.json` at the base URL
  the reply names;
- `PLAYLIST` (Kodi's IPTV Simple, TiviMate): the M3U playlist and the guide;
- `PLAYLIST_ONLY` (VLC): the playlist.

The answer is one line for the dialog ("42 channels, guide for 37, placeholders
for 5": a channel whose only programmes are AceTray's placeholders has no guide
yet, though apps list it); a failure is
an `AppCheckFailed` whose text says what went wrong. Runs on the core's loop
(the UI asks through `CoreHost`), so the window never waits. Bodies are read as
they come, counted and dropped: a large guide costs no memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

import aiohttp

from desktop.streaming.guide.render import PLACEHOLDER_DESC
from desktop.streaming.tuner import packets

MAX_JSON = 32 * 1024 * 1024  # a lineup of 100,000 channels fits
CHUNK = 64 * 1024


class How(enum.Enum):
    TUNER = "tuner"
    DISCOVERY = "discovery"
    PLAYLIST = "playlist"
    PLAYLIST_ONLY = "playlist-only"


@dataclass(frozen=True)
class TvLinks:
    """What the TV apps panel shows: the tuner's address, the playlist and the guide (with the token)."""

    tuner: str  # http://192.168.1.20:6880
    playlist: str
    guide: str


class AppCheckFailed(Exception):
    """The app would not get its channels; str() says why, as a sentence."""


async def check(how: How, links: TvLinks, *, timeout: float = 10.0, discovery_port: int = packets.DISCOVER_PORT) -> str:
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        try:
            if how is How.TUNER:
                return await _tuner(http, links)
            if how is How.DISCOVERY:
                return await _discovery(http, links, discovery_port, timeout)
            channels = await _playlist_entries(http, links.playlist)
            if how is How.PLAYLIST_ONLY:
                return _channels(channels)
            return f"{_channels(channels)}, {await _guide(http, links.guide)}"
        except aiohttp.ClientResponseError as exc:
            raise AppCheckFailed(f"{exc.request_info.url.path} answered {exc.status} {exc.message}.") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise AppCheckFailed(f"AceTray could not be reached there ({exc or type(exc).__name__}).") from None
        except TimeoutError:
            raise AppCheckFailed(f"No answer within {timeout:g} seconds.") from None


async def _tuner(http: aiohttp.ClientSession, links: TvLinks) -> str:
    found = await _json(http, f"{links.tuner}/discover.json")
    if not isinstance(found, dict) or not isinstance(found.get("LineupURL"), str):
        raise AppCheckFailed("discover.json does not name a lineup.")
    channels = await _lineup(http, _at(links.tuner, found["LineupURL"]))
    return f"{_channels(channels)}, {await _guide(http, links.guide)}"


async def _discovery(http: aiohttp.ClientSession, links: TvLinks, port: int, timeout: float) -> str:
    host = urlsplit(links.tuner).hostname or "127.0.0.1"
    reply = await asyncio.wait_for(_ask(host, port), min(timeout, 3.0))
    base = reply.tags.get(packets.TAG_BASE_URL, b"").decode("ascii", "replace")
    lineup_url = reply.tags.get(packets.TAG_LINEUP_URL, b"").decode("ascii", "replace") or f"{base}/lineup.json"
    channels = await _lineup(http, _at(links.tuner, lineup_url))
    device = reply.u32(packets.TAG_DEVICE_ID) or 0
    return f"Found tuner {device:08X} at {base}: {_channels(channels)} (the add-on takes its guide from SiliconDust)"


def _at(tuner: str, url: str) -> str:
    """`url` when it is on the tuner's own host and port: an answer never sends the check elsewhere."""
    asked, named = urlsplit(tuner), urlsplit(url)
    if named.scheme != "http" or (named.hostname, named.port) != (asked.hostname, asked.port):
        raise AppCheckFailed(f"The tuner at {asked.netloc} names a lineup elsewhere ({named.netloc or url[:40]}).")
    return url


async def _ask(host: str, port: int) -> packets.Packet:
    """One discover request to `host` (unicast), and its reply."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.connect((host, port))
        await loop.sock_sendall(sock, packets.discover_request())
        try:
            data = await loop.sock_recv(sock, packets.MAX_PACKET)
        except ConnectionRefusedError:
            raise AppCheckFailed(f"Nothing answers tuner discovery at {host} (is the tuner on?).") from None
    try:
        return packets.parse(data)
    except packets.MalformedPacket as exc:
        raise AppCheckFailed(f"The discovery reply was unreadable ({exc}).") from None


async def _json(http: aiohttp.ClientSession, url: str) -> object:
    async with http.get(url) as response:
        if response.status == 404:
            raise AppCheckFailed("The network tuner is off: turn it on above.")
        response.raise_for_status()
        body = await response.content.read(MAX_JSON + 1)
    if len(body) > MAX_JSON:
        raise AppCheckFailed(f"{urlsplit(url).path} is too large to be a tuner's.")
    try:
        return json.loads(body)
    except ValueError:
        raise AppCheckFailed(f"{urlsplit(url).path} is not JSON.") from None


async def _lineup(http: aiohttp.ClientSession, url: str) -> int:
    lineup = await _json(http, url)
    if not isinstance(lineup, list):
        raise AppCheckFailed("The lineup is not a list of channels.")
    return sum(1 for entry in lineup if isinstance(entry, dict) and entry.get("URL"))


async def _playlist_entries(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(url) as response:
        response.raise_for_status()
        entries, tail = 0, b""
        async for chunk in response.content.iter_chunked(CHUNK):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            entries += sum(1 for line in lines if line.lstrip().upper().startswith(b"#EXTINF"))
        return entries + (1 if tail.lstrip().upper().startswith(b"#EXTINF") else 0)


async def _guide(http: aiohttp.ClientSession, url: str) -> str:
    """ "guide for N": the guide's channels that have programmes of their own (", placeholders for M": those
    with AceTray's placeholders alone); "no guide yet" while there is none."""
    async with http.get(url) as response:
        if response.status == 404:
            return "no guide yet"
        response.raise_for_status()
        parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
        channels: set[str] = set()
        with_programmes: set[str] = set()
        with_placeholders: set[str] = set()
        root: Element | None = None
        try:
            async for chunk in response.content.iter_chunked(CHUNK):
                parser.feed(chunk)
                for event_and_element in parser.read_events():
                    event, element = event_and_element[0], event_and_element[-1]
                    if not isinstance(element, Element):
                        continue
                    if root is None:
                        root = element  # <tv>: emptied as it goes, so only the ids are kept
                    if event != "end" or element.tag not in ("channel", "programme"):
                        continue
                    if element.tag == "channel":
                        channels.add(element.get("id", ""))
                    elif element.findtext("desc") == PLACEHOLDER_DESC:
                        with_placeholders.add(element.get("channel", ""))
                    else:
                        with_programmes.add(element.get("channel", ""))
                    root.clear()
            with contextlib.suppress(ParseError):
                parser.close()
        except ParseError as exc:
            raise AppCheckFailed(f"The guide is not readable XMLTV ({exc}).") from None
    guided = channels & with_programmes
    placeheld = (channels & with_placeholders) - guided
    return f"guide for {len(guided)}" + (f", placeholders for {len(placeheld)}" if placeheld else "")


def _channels(count: int) -> str:
    return f"{count:,} channel" if count == 1 else f"{count:,} channels"
