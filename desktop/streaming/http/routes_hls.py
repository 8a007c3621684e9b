"""HLS for players: `/ace/manifest.m3u8` (the engine's own URL shape) and its segments.

The playlist request takes the same query as getstream (`id=`, `content_id=`
or `infohash=`, plus the parameters forwarded to the engine) and gets or
starts the same channel, so TS and HLS players share one engine session.
Segment URIs are relative — `hls/<kind>/<content id>/<sequence>.ts`, which
resolves to `/ace/hls/...` beside the playlist — so they hold whatever host
and port the player used; a query a later feature adds (a token) goes on the
end of each URI.

A new channel's first playlist is answered once a strict client may start on
it (`HlsSegmenter.startable`: three target durations listed, RFC 8216 §6.3.3),
so AVPlayer starts rather than waiting for a playlist it likes.

Every failure is an HTTP status with a one-line reason: 504 when the channel
gives no segments within the start timeout, 404 for a segment that left the
window or is not cut yet (players reload the playlist and go on).
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from desktop.streaming.hls import CONTENT_TYPE, SEGMENT_CONTENT_TYPE, Missing
from desktop.streaming.hls.viewers import TooManyViewers
from desktop.streaming.http.route_context import route_context
from desktop.streaming.http.routes_stream import open_channel, parse_stream_request
from desktop.streaming.ids import ChannelKey, normalize, parse_kind
from desktop.streaming.live.stream import LiveStream

MANIFEST_PATH = "/ace/manifest.m3u8"
SEGMENT_ROUTE = r"/ace/hls/{kind:id|infohash}/{content_id:[0-9a-fA-F]{40}}/{seq:\d{1,15}}.ts"
PLAYLIST_HEADERS = {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-cache"}
# A segment's URL names its channel and a sequence number that is never reused (see
# stream_hls), so its bytes never change: players and browsers may keep it. Private: with
# LAN sharing its URL carries the device's token.
SEGMENT_HEADERS = {"Content-Type": SEGMENT_CONTENT_TYPE, "Cache-Control": "private, max-age=31536000, immutable"}
# A refusal is not the segment: asked again, it may be there (or gone) by then.
REFUSAL_HEADERS = {"Cache-Control": "no-store"}
_MISSING = {
    Missing.GONE: "Segment {seq} has left the playlist; reload the playlist",
    Missing.AHEAD: "Segment {seq} is not in the playlist yet; reload the playlist",
    Missing.TIMEOUT: "Segment {seq} was not ready in time",
    Missing.CLOSED: "The channel has ended",
}


def segment_uri(key: ChannelKey, seq: int, token: str | None = None) -> str:
    """A segment's URI relative to the playlist's (`/ace/manifest.m3u8` → `/ace/hls/...`).

    With LAN sharing on the player fetches every segment with the token its
    playlist request carried: players cannot add it themselves.
    """
    uri = f"hls/{key.kind}/{key.content_id}/{seq}.ts"
    return f"{uri}?token={quote(token, safe='')}" if token else uri


def _viewer_of(request: web.Request) -> tuple[str, str]:
    """(address, user agent): an HLS player's requests come on many connections, so no port."""
    return request.remote or "?", request.headers.get("User-Agent", "")[:200]


async def manifest(request: web.Request) -> web.Response:
    wanted = parse_stream_request(request.query)
    if request.method == "HEAD":
        # Probes (IPTV apps, Kodi) must not start a session.
        return web.Response(headers=PLAYLIST_HEADERS)
    context = route_context(request)
    stream = open_channel(request, wanted)  # the cap, the client's quota: 503 / 429
    try:
        with stream.hls.visit(*_viewer_of(request)):
            segmenter = stream.hls.open()
            timeout = context.config().start_timeout
            if not await segmenter.wait_until_startable(timeout):
                return _not_ready(stream, timeout)
            token = request.query.get("token")
            text = segmenter.playlist(lambda seq: segment_uri(stream.key, seq, token))  # the channel's own key
    except TooManyViewers as exc:
        raise web.HTTPServiceUnavailable(text=f"{exc}\n") from None
    return web.Response(body=text.encode(), headers=PLAYLIST_HEADERS)


def _not_ready(stream: LiveStream, timeout: float) -> web.Response:
    reason = stream.end_reason
    if reason is not None:
        return web.Response(status=reason.status, text=f"{reason}\n")
    if stream.state == "starting":
        # The stream's own start timeout fires a moment later with this same reason.
        return web.Response(status=504, text=f"No data from the AceStream engine within {timeout:g} s\n")
    return web.Response(status=504, text=f"No HLS segments from this channel within {timeout:g} s\n")


async def segment(request: web.Request) -> web.StreamResponse:
    match = request.match_info
    kind = parse_kind(match["kind"])
    if kind is None:
        raise web.HTTPNotFound(text="No such segment\n")
    key = ChannelKey(kind, normalize(match["content_id"]))
    seq = int(match["seq"])
    stream = route_context(request).registry.get(key)
    segmenter = stream.hls.segmenter if stream is not None else None
    if stream is None or segmenter is None:
        return web.Response(
            status=404, text="This channel is not playing over HLS; reload the playlist\n", headers=REFUSAL_HEADERS
        )
    if request.method == "HEAD":
        found = segmenter.segment(seq)  # a probe: no waiting, and no viewer
        if isinstance(found, Missing):
            return web.Response(status=404, text=_MISSING[found].format(seq=seq) + "\n", headers=REFUSAL_HEADERS)
        return web.Response(headers={**SEGMENT_HEADERS, "Content-Length": str(len(found.data))})
    response: web.StreamResponse | None = None
    try:
        with stream.hls.visit(*_viewer_of(request)) as viewer:
            found = await segmenter.wait_for_segment(seq, stream.hls.segment_wait)
            if isinstance(found, Missing):
                return web.Response(status=404, text=_MISSING[found].format(seq=seq) + "\n", headers=REFUSAL_HEADERS)
            # Headers first, then the segment as its own write: the one shared
            # `bytes` goes to the socket as it is. (A body given to web.Response
            # is joined with the headers into a new object on Python < 3.12.9:
            # a copy of the whole segment for every request.)
            response = web.StreamResponse(headers=SEGMENT_HEADERS)
            response.content_length = len(found.data)
            await response.prepare(request)
            await response.write(found.data)
            viewer.segment_sent(len(found.data), stream.clock())
            await response.write_eof()
    except TooManyViewers as exc:
        raise web.HTTPServiceUnavailable(text=f"{exc}\n") from None
    except (ConnectionError, RuntimeError):
        if response is None:
            raise
        # The player went away mid-segment (aiohttp raises ClientConnectionResetError / RuntimeError).
    assert response is not None
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(MANIFEST_PATH, manifest)  # also answers HEAD
    app.router.add_get(SEGMENT_ROUTE, segment)
