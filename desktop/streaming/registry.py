"""The channel registry: one LiveStream per channel, created single-flight.

`get_or_create` never awaits between looking a channel up and inserting it,
so any number of simultaneous first requests share one engine session without
a lock. Engine stop commands run in the background and are tracked, so a
shutdown can wait for them (bounded).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Callable, Mapping

import aiohttp

from desktop.streaming.config import ProxyConfig
from desktop.streaming.engine import EngineClient, EngineError, EngineSession
from desktop.streaming.fanout import StreamEnded
from desktop.streaming.snapshot import ProxyEvent, StreamSnapshot
from desktop.streaming.stream import ChannelKey, LiveStream

log = logging.getLogger(__name__)

EventSink = Callable[[ProxyEvent], None]

# Each channel is an engine session and a P2P swarm: a household watches a few.
# The cap keeps a misbehaving client (or a LAN neighbour) from opening hundreds.
MAX_CHANNELS = 16


class TooManyChannels(Exception):
    """A new channel was asked for while MAX_CHANNELS are open; str() is for the player."""


class StreamRegistry:
    def __init__(
        self, config: ProxyConfig, engine: EngineClient, http: aiohttp.ClientSession, on_event: EventSink
    ) -> None:
        self.config = config  # replaced as a whole by ProxyService.apply
        self.engine = engine  # new sessions use the current engine
        self.http = http
        self._on_event = on_event
        self._streams: dict[ChannelKey, LiveStream] = {}
        self._cleanup: set[asyncio.Task[None]] = set()
        self._client_ids = itertools.count(1)
        self.stale_evictions = 0
        self.sessions_started = 0

    def get_or_create(self, key: ChannelKey, extra: Mapping[str, str]) -> LiveStream:
        stream = self._streams.get(key)
        if stream is None:
            if len(self._streams) >= MAX_CHANNELS:
                raise TooManyChannels(f"AceTray already has {MAX_CHANNELS} channels open; close one first")
            stream = LiveStream(key, extra, self)
            self._streams[key] = stream
            self.sessions_started += 1
            self.emit("info", "Starting channel", key.content_id)
            stream.start()
        return stream

    def get(self, key: ChannelKey) -> LiveStream | None:
        return self._streams.get(key)

    def find(self, content_id: str) -> LiveStream | None:
        for key, stream in self._streams.items():
            if key.content_id == content_id:
                return stream
        return None

    def __len__(self) -> int:
        return len(self._streams)

    # --- called by streams ---------------------------------------------------------------
    def next_client_id(self) -> int:
        return next(self._client_ids)

    def emit(self, level: str, message: str, content_id: str | None = None) -> None:
        log.log(logging.WARNING if level == "warning" else logging.ERROR if level == "error" else logging.INFO,
                "%s%s", f"[{content_id[:8]}] " if content_id else "", message)
        self._on_event(ProxyEvent(time=time.time(), level=level, message=message, content_id=content_id))

    def count_stale(self) -> None:
        self.stale_evictions += 1

    def stream_closed(self, stream: LiveStream) -> None:
        if self._streams.get(stream.key) is stream:
            del self._streams[stream.key]

    def stop_session_later(self, engine: EngineClient, session: EngineSession) -> None:
        if not session.command_url:
            return
        task = asyncio.get_running_loop().create_task(self._stop_session(engine, session.command_url))
        self._cleanup.add(task)
        task.add_done_callback(self._cleanup.discard)

    async def _stop_session(self, engine: EngineClient, command_url: str) -> None:
        try:
            await engine.stop(command_url)
        except EngineError as exc:
            log.warning("could not stop engine session: %s", exc)

    # --- whole-registry operations -------------------------------------------------------
    async def close_all(self, reason: str, timeout: float = 1.5) -> None:
        """Stop every stream and wait (bounded) for the engine stop commands."""
        for stream in list(self._streams.values()):
            stream.close(StreamEnded(reason, 503))
        if self._cleanup:
            await asyncio.wait(set(self._cleanup), timeout=timeout)

    def snapshot(self) -> tuple[StreamSnapshot, ...]:
        return tuple(stream.snapshot() for stream in self._streams.values())
