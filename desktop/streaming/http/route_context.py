"""RouteContext: the little the HTTP routes may use — never the service.

A route module reads it with `route_context(request)`. It is built once per
run of the proxy (with that run's registry), so a route never meets a
missing registry; feature routes (HLS, channels, playlist, page) add the
fields they need here rather than reaching for the service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from desktop.streaming.channels.model import ChannelKey
from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.config import ProxyConfig
from desktop.streaming.guide.output import GuideOutput
from desktop.streaming.http.access import AccessPolicy
from desktop.streaming.http.token_guesses import TokenGuesses
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.logos import Logo
from desktop.streaming.probes import SourcesHost
from desktop.streaming.snapshot import ProxySnapshot
from desktop.streaming.tuner.host import TunerHost


@dataclass(frozen=True)
class RouteContext:
    registry: StreamRegistry  # this run's channels
    snapshot: Callable[[], ProxySnapshot]  # the whole proxy's picture, for the status API
    config: Callable[[], ProxyConfig]  # the settings in force now (they change while running)
    access: Callable[[], AccessPolicy] = AccessPolicy  # the access rules' current policy, read per request
    channels: Callable[[], ChannelsState] = ChannelsState  # the playlists' channels and favourites
    set_favourite: Callable[[ChannelKey, bool], Awaitable[None]] | None = None  # the page's star
    logo: Callable[[str], Awaitable[Logo]] | None = None  # a logo a playlist names, by id (LogoError if none)
    sources: SourcesHost | None = None  # the sources' health and the link check
    token_guesses: TokenGuesses = field(default_factory=TokenGuesses)  # wrong access tokens per address
    guide: Callable[[], Awaitable[GuideOutput]] | None = None  # the current /epg.xml, written when due
    tuner: TunerHost | None = None  # the network tuner (its routes answer while config.tuner is on)


ROUTE_CONTEXT: web.AppKey[RouteContext] = web.AppKey("route_context", RouteContext)


def route_context(request: web.Request) -> RouteContext:
    return request.app[ROUTE_CONTEXT]
