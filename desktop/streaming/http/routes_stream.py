"""`/ace/getstream`: MPEG-TS for players, engine-compatible.

Response headers are sent only once the first chunk is there, so anything
that fails before it is still a proper HTTP error with a readable message.
The per-chunk loop is the proxy's hot path (measured by
tests/bench/bench_proxy.py): one write, one counter update, one take.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.base_protocol import BaseProtocol

from desktop.streaming.engine.params import engine_params
from desktop.streaming.http.request_record import peer_address
from desktop.streaming.http.route_context import route_context
from desktop.streaming.http.unsent import unsent_bytes
from desktop.streaming.ids import ChannelKey, Kind, is_content_id, normalize
from desktop.streaming.live.fanout import Subscriber
from desktop.streaming.live.player import ClientInfo, StreamEnded
from desktop.streaming.live.registry import RegistryClosed, TooManyChannels, TooManyNewChannels
from desktop.streaming.live.stream import LiveStream

SELECTORS = ("id", "content_id", "infohash")

log = logging.getLogger(__name__)


class TsResponse(web.StreamResponse):
    """An endless body without chunked framing, ended by closing the connection.

    aiohttp frames a body of unknown length with chunked encoding, and on
    Python < 3.12.9 that joins header + chunk + CRLF into a new bytes object
    for every write: a copy of every chunk for every player. Disabling the
    length check (as aiohttp's own WebSocketResponse does) and closing the
    connection at the end writes the shared chunk object as it is.
    """

    _length_check = False


@dataclass(frozen=True)
class StreamRequest:
    key: ChannelKey
    extra: dict[str, str]


def parse_stream_request(query: Mapping[str, str]) -> StreamRequest:
    """Validate a getstream query; raises HTTPBadRequest with a readable reason."""
    given = [name for name in SELECTORS if name in query]
    if not given:
        raise web.HTTPBadRequest(text="Missing content id: use ?id=<40 hex characters>\n")
    if len(given) > 1:
        raise web.HTTPBadRequest(text=f"Give exactly one of {', '.join(SELECTORS)}, not {', '.join(given)}\n")
    name = given[0]
    values = query.getall(name) if hasattr(query, "getall") else [query[name]]
    if len(values) != 1 or not is_content_id(values[0]):
        raise web.HTTPBadRequest(text=f"Invalid {name}: expected 40 hexadecimal characters\n")
    params = engine_params(query.items(), SELECTORS)
    if params.dropped:
        # Debug only: IPTV apps add parameters of their own; the engine never sees them.
        log.debug("not forwarded to the engine: %s", ", ".join(repr(name) for name in params.dropped))
    kind: Kind = "infohash" if name == "infohash" else "id"
    return StreamRequest(ChannelKey(kind, normalize(values[0])), params.forwarded)


def open_channel(request: web.Request, wanted: StreamRequest) -> LiveStream:
    """The channel's stream, started if need be for this client; its refusals as HTTP errors."""
    try:
        return route_context(request).registry.get_or_create(wanted.key, wanted.extra, client=request.remote or "?")
    except TooManyNewChannels as exc:
        retry = str(max(1, math.ceil(exc.retry_after)))
        raise web.HTTPTooManyRequests(text=f"{exc}\n", headers={"Retry-After": retry}) from None
    except (TooManyChannels, RegistryClosed) as exc:
        raise web.HTTPServiceUnavailable(text=f"{exc}\n") from None


async def getstream(request: web.Request) -> web.StreamResponse:
    return await stream_channel(request, parse_stream_request(request.query))


async def stream_channel(request: web.Request, wanted: StreamRequest) -> web.StreamResponse:
    """The channel `wanted` names as MPEG-TS for this player (`/ace/getstream`, the tuner's `/auto/v<n>`)."""
    if request.method == "HEAD":
        # Kodi and IPTV apps probe first; answering must not start a session.
        return web.Response(status=200, headers={"Content-Type": "video/mp2t"})
    stream = open_channel(request, wanted)
    subscriber = stream.subscribe(
        ClientInfo(peer_address(request), request.headers.get("User-Agent", "")[:200], time.time())
    )
    stream_requests = route_context(request).registry.requests
    stream_requests.follow(id(request), subscriber)  # "did VLC get bytes?" (live/requests.py)
    clock = stream.clock
    response: TsResponse | None = None
    try:
        try:
            chunk = await subscriber.take(clock)
        except StreamEnded as ended:
            return web.Response(status=ended.status, text=f"{ended}\n")
        response = TsResponse(
            status=200,
            headers={"Content-Type": "video/mp2t", "Cache-Control": "no-cache, no-store"},
        )
        response.force_close()
        await response.prepare(request)
        await response.write(chunk)  # the headers go out with the first chunk, through aiohttp
        subscriber.bytes_sent += len(chunk)
        transport = request.transport
        if transport is None:
            return response
        subscriber.on_evict = transport.abort  # close() would wait for a stuck player's buffer
        subscriber.enable_direct_writes(transport, request.protocol, clock)
        unsent = unsent_bytes(transport)
        if unsent is not None:
            subscriber.measure_takes(unsent)  # what the player took, not what the kernel accepted
        await _pump(subscriber, transport, request.protocol, request.writer, clock)
    except StreamEnded:
        pass  # the stream ended or this player was dropped; closing the connection says so
    except (ConnectionError, RuntimeError):
        pass  # the player went away (aiohttp raises ClientConnectionResetError / RuntimeError)
    finally:
        stream.unsubscribe(subscriber)
    # None only when the player went away before its first chunk: nobody reads this answer.
    return response if response is not None else web.Response(status=499)


async def _pump(
    subscriber: Subscriber,
    transport: asyncio.Transport,
    protocol: BaseProtocol,
    writer: AbstractStreamWriter,
    clock: Callable[[], float],
) -> None:
    """Copy what queues for the player to its socket until the stream ends or the player leaves.

    A player that keeps up is written to by the reader itself (see
    `Subscriber.offer`); this task drains what queued while the player's
    socket was full (or before the headers were out). The body is raw MPEG-TS
    (no framing), so each chunk goes straight to the transport, with aiohttp's
    own flow control (wait while the player's socket is full). Measured with
    tests/bench/bench_proxy.py: ~10 % less CPU per GB than `response.write`;
    writing two chunks per call saved nothing more and doubled the join
    latency, so it is one chunk per turn.
    """
    write = transport.write
    while True:
        if protocol.writing_paused:
            await writer.drain()  # the player's socket is full: wait until it takes
        elif subscriber.queued:
            # More is waiting and nothing had to wait: yield, so that one busy
            # player cannot hold the loop while others (and status requests) queue up.
            await asyncio.sleep(0)
        chunk = await subscriber.take(clock)
        if transport.is_closing():
            return
        write(chunk)
        subscriber.bytes_sent += len(chunk)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ace/getstream", getstream)  # also answers HEAD
