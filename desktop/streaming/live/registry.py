"""The channel registry: one LiveStream per channel, created single-flight.

`get_or_create` never awaits between looking a channel up and inserting it,
so any number of simultaneous first requests share one engine session without
a lock. Streams get the shared `CoreContext` and a callback that forgets them
when they close; they never see the registry itself.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping

from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.channel_quota import NewChannelQuota
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.fanout import NOT_READING_AFTER
from desktop.streaming.live.player import StreamEnded
from desktop.streaming.live.requests import RequestRecord
from desktop.streaming.live.stream import LiveStream
from desktop.streaming.snapshot import StreamSnapshot

# Each channel is an engine session and a P2P swarm: a household watches a few.
# The cap keeps a misbehaving client (or a LAN neighbour) from opening hundreds.
MAX_CHANNELS = 16


class TooManyChannels(Exception):
    """MAX_CHANNELS are open and every one has players who read; str() is for the player."""


class TooManyNewChannels(Exception):
    """This client address opened its share of new channels for now; str() is for the player."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RegistryClosed(Exception):
    """The proxy is stopping: no new channel may start (its session would outlive the proxy)."""


class StreamRegistry:
    def __init__(self, context: CoreContext) -> None:
        self._context = context
        self._streams: dict[ChannelKey, LiveStream] = {}
        self._closed = False
        self.quota = NewChannelQuota(clock=asyncio.get_running_loop().time)
        self._listeners: list[Callable[[ChannelKey, bool], None]] = []

    def listen(self, listener: Callable[[ChannelKey, bool], None]) -> None:
        """`listener(key, opened)` hears each channel opening (before its engine session starts) and closing."""
        self._listeners.append(listener)

    @property
    def free(self) -> int:
        """Channels that may still open before the cap: room a link check may use, never more."""
        return max(0, MAX_CHANNELS - len(self._streams))

    @property
    def requests(self) -> RequestRecord:
        """Where the proxy's front notes players' requests (the service's record, across runs)."""
        return self._context.requests

    def get_or_create(self, key: ChannelKey, extra: Mapping[str, str], client: str | None = None) -> LiveStream:
        """The channel's stream, started when it is not open; `client` (an address) is held to its quota.

        Raises RegistryClosed, TooManyNewChannels (the client's quota) or TooManyChannels (the cap).
        """
        stream = self._streams.get(key)
        if stream is None:
            if self._closed:
                raise RegistryClosed("AceTray is stopping")
            if client is not None and not self.quota.allows(client):
                wait = self.quota.retry_after(client)
                raise TooManyNewChannels(
                    f"Too many new channels from {client} (at most {self.quota.per_minute} a minute): "
                    f"wait {math.ceil(wait)} s, or watch a channel that is already open",
                    wait,
                )
            if len(self._streams) >= MAX_CHANNELS and not self._make_room():
                raise TooManyChannels(
                    f"AceTray already has {MAX_CHANNELS} channels open, each with players: "
                    f"stop watching one of them, then try again (a channel nobody reads "
                    f"for {NOT_READING_AFTER:g} s gives way)"
                )
            if client is not None:
                self.quota.spend(client)
            stream = LiveStream(key, extra, self._context, on_closed=self._forget)
            self._streams[key] = stream
            self._context.counters.sessions_started += 1
            self._context.events.emit("info", "Starting channel", key.content_id)
            self._tell(key, opened=True)  # a link check gives way now, before the engine is asked
            stream.start()
        return stream

    def _make_room(self) -> bool:
        """Close a channel nobody watches or reads, for a new one; False when every one has a reader.

        The cap itself stays: it is what a household's engine and bandwidth can carry.
        """
        now = self._context.clock()
        open_ = [s for s in self._streams.values() if not s.closed]
        return self._close_longest_lingering(open_, now) or self._close_longest_unread(open_, now)

    def _close_longest_lingering(self, streams: list[LiveStream], now: float) -> bool:
        """Lingering keeps a channel warm for zapping back; it must never keep a player out
        (hit-and-run requests would otherwise fill the cap for the linger time, again and again)."""
        idle = [s for s in streams if s.player_count == 0]
        if not idle:
            return False
        oldest = min(idle, key=lambda s: now if s.lingering_since is None else s.lingering_since)
        self._context.events.emit(
            "info", f"Channel closed to make room for a new one ({MAX_CHANNELS} open)", oldest.key.content_id
        )
        oldest.close(StreamEnded("closed to make room for another channel", 503))
        return True

    def _close_longest_unread(self, streams: list[LiveStream], now: float) -> bool:
        """Players that connect and never read (or one a person paused) must not hold the cap against
        a person who asks for a channel: the channel unread longest goes, once that is NOT_READING_AFTER s."""
        for stream in streams:
            stream.look_at_players(now)
        unread = {stream: stream.unread_for(now) for stream in streams}
        longest = max(unread, key=unread.__getitem__, default=None)
        if longest is None or unread[longest] < NOT_READING_AFTER:
            return False
        self._context.events.emit(
            "warning",
            f"Channel closed to make room for a new one: its players took nothing for {unread[longest]:.0f} s",
            longest.key.content_id,
        )
        longest.give_way(StreamEnded("closed to make room for another channel: nothing was read from it", 503))
        return True

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
            self._tell(stream.key, opened=False)

    def _tell(self, key: ChannelKey, *, opened: bool) -> None:
        for listener in self._listeners:
            listener(key, opened)

    def close_all(self, reason: str) -> None:
        """Stop every stream and refuse new ones; the engine stops run on in the context's stopper."""
        self._closed = True
        self.end_all(reason)

    def end_all(self, reason: str) -> None:
        """Stop every stream now (players are told `reason`); new ones may start later."""
        for stream in list(self._streams.values()):
            stream.close(StreamEnded(reason, 503))

    def switch_engine(self) -> None:
        """The engine changed: every channel reconnects on the new one; players stay.

        Each session on the old engine is told to stop once; a stop that fails there is
        not retried (the old engine is gone, or no longer AceTray's to tidy).
        """
        for stream in list(self._streams.values()):
            stream.switch_engine()
        self._context.sessions.abandon("the engine was changed in Settings", keep=self._context.engine)

    def snapshot(self) -> tuple[StreamSnapshot, ...]:
        return tuple(stream.snapshot() for stream in self._streams.values())
