"""The channel registry: one LiveStream per channel, created single-flight.

`get_or_create` never awaits between looking a channel up and inserting it,
so any number of simultaneous first requests share one engine session without
a lock. Streams get the shared `CoreContext` and a callback that forgets them
when they close; they never see the registry itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop.streaming.context import CoreContext
from desktop.streaming.fanout import StreamEnded
from desktop.streaming.snapshot import StreamSnapshot
from desktop.streaming.stream import ChannelKey, LiveStream

# Each channel is an engine session and a P2P swarm: a household watches a few.
# The cap keeps a misbehaving client (or a LAN neighbour) from opening hundreds.
MAX_CHANNELS = 16


class TooManyChannels(Exception):
    """A new channel was asked for while MAX_CHANNELS are open; str() is for the player."""


class RegistryClosed(Exception):
    """The proxy is stopping: no new channel may start (its session would outlive the proxy)."""


class StreamRegistry:
    def __init__(self, context: CoreContext) -> None:
        self._context = context
        self._streams: dict[ChannelKey, LiveStream] = {}
        self._closed = False

    def get_or_create(self, key: ChannelKey, extra: Mapping[str, str]) -> LiveStream:
        stream = self._streams.get(key)
        if stream is None:
            if self._closed:
                raise RegistryClosed("AceTray is stopping")
            if len(self._streams) >= MAX_CHANNELS:
                raise TooManyChannels(f"AceTray already has {MAX_CHANNELS} channels open; close one first")
            stream = LiveStream(key, extra, self._context, on_closed=self._forget)
            self._streams[key] = stream
            self._context.counters.sessions_started += 1
            self._context.events.emit("info", "Starting channel", key.content_id)
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

    def _forget(self, stream: LiveStream) -> None:
        # Only the registered one: a stream closing late must never drop a newer one under its key.
        if self._streams.get(stream.key) is stream:
            del self._streams[stream.key]

    def close_all(self, reason: str) -> None:
        """Stop every stream and refuse new ones; the engine stops run on in the context's stopper."""
        self._closed = True
        for stream in list(self._streams.values()):
            stream.close(StreamEnded(reason, 503))

    def switch_engine(self) -> None:
        """The engine changed: every channel reconnects on the new one; players stay."""
        for stream in list(self._streams.values()):
            stream.switch_engine()

    def snapshot(self) -> tuple[StreamSnapshot, ...]:
        return tuple(stream.snapshot() for stream in self._streams.values())
