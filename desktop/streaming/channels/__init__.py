"""Named channels from M3U playlists: parse, fetch, store, favourites, search (Qt-free).

m3u        parse(bytes | str) -> ParsedPlaylist
links      parse_link(line) -> (kind, id)
sources    normalize_source(text) -> str   (http, https or a local file)
fetch      fetch_playlist / refresh_playlist on the core's loop (aiohttp)
state      PlaylistState, ChannelsState: immutable values, safe across threads
grouping   group(): playlist entries into channels, each entry a source; name_keys() off the loop
source_choices  SourceChoices: a person's order, detached and attached sources (channel_sources.json)
catalog    Catalog: the merged list, lookups by (kind, id), search
store      ChannelStore: playlists.json and favourites.json in the config folder
library    ChannelLibrary: the owner on the core's loop
scheduler  RefreshScheduler: every N hours, or now
host       ChannelsHost: library + schedule inside a running core; ChannelsView for the window
"""

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.fetch import (
    FetchError,
    FetchLimits,
    fetch_playlist,
    refresh_playlist,
)
from desktop.streaming.channels.host import ChannelsHost, ChannelsView
from desktop.streaming.channels.library import ChannelLibrary, UnknownPlaylist
from desktop.streaming.channels.m3u import ParsedPlaylist, parse
from desktop.streaming.channels.model import Channel, ChannelKey, Kind, elide_id
from desktop.streaming.channels.scheduler import RefreshScheduler
from desktop.streaming.channels.sources import (
    InvalidSource,
    normalize_source,
    source_label,
)
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.channels.store import ChannelStore, StoreLoad

__all__ = [
    "Catalog",
    "Channel",
    "ChannelKey",
    "ChannelLibrary",
    "ChannelStore",
    "ChannelsHost",
    "ChannelsState",
    "ChannelsView",
    "FetchError",
    "FetchLimits",
    "InvalidSource",
    "Kind",
    "ParsedPlaylist",
    "PlaylistState",
    "RefreshScheduler",
    "StoreLoad",
    "UnknownPlaylist",
    "elide_id",
    "fetch_playlist",
    "normalize_source",
    "parse",
    "refresh_playlist",
    "source_label",
]
