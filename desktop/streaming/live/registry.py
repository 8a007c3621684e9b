"""The channel registry: one LiveStream per channel, created single-flight.

`get_or_create` never awaits between looking a channel up and inserting it,
so any number of simultaneous first requests share one engine session without
a lock. A channel of several sources is one stream, found by any of its
sources' keys (old playlists name a backup's id): the context's `lineup` says
which channel a key belongs to when it opens. Streams get the shared
`CoreContext` and a callback that forgets them when they close; they never
see the registry itself. The warm keeper opens favourites through
`open_if_room`, which never takes a place a person needs: at the cap, a
channel kept ready is the first to make room.
"""

from __future__ import annotations

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
from desktop.streaming.sources.lineup import ChannelSources

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
        self._streams: dict[ChannelKey, LiveStream] = {}  # by the channel's own key
        self._by_source: dict[ChannelKey, LiveStream] = {}  # by each of its sources' keys (its own among them)
        self._closed = False
        self.quota = NewChannelQuota(clock=context.clock)
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
        stream, lineup = self._find(key)
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
            stream = self._open(lineup, extra, "Starting channel")
        return stream

    def open_if_room(self, key: ChannelKey) -> LiveStream | None:
        """The channel's stream, opened when the cap has room; None when it has none (or the proxy is stopping).

        The warm keeper's way in: it never closes another channel, and no client's quota pays for it.
        """
        stream, lineup = self._find(key)
        if stream is None and not self._closed and len(self._streams) < MAX_CHANNELS:
            stream = self._open(lineup, {}, "Opening a favourite to keep it ready")
        return stream

    def _find(self, key: ChannelKey) -> tuple[LiveStream | None, ChannelSources]:
        """The open channel `key` is a source of (if any), and the channel the playlists make of it now."""
        stream = self._by_source.get(key)
        if stream is not None:
            return stream, stream.lineup
        lineup = self._context.lineup(key)
        return self._streams.get(lineup.key), lineup

    def _open(self, lineup: ChannelSources, extra: Mapping[str, str], said: str) -> LiveStream:
        stream = LiveStream(lineup, extra, self._context, on_closed=self._forget)
        self._streams[lineup.key] = stream
        for source in lineup.sources:
            self._by_source.setdefault(source, stream)  # one open before a refresh keeps what it holds
        self._context.counters.sessions_started += 1
        self._context.events.emit("info", said, lineup.key.content_id)
        self._tell(lineup.key, opened=True)  # a link check gives way now, before the engine is asked
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
        """A channel nobody watches goes first. Favourites kept ready before all (the last of them
        first): they never count against a person's channel, and the keeper opens them again once
        there is room. Then the one lingering longest: lingering keeps a channel warm for zapping
        back, but it must never keep a player out (hit-and-run requests would otherwise fill the
        cap for the linger time, again and again)."""
        idle = [s for s in streams if s.player_count == 0]
        if not idle:
            return False

        def first_to_go(stream: LiveStream) -> tuple[int, float]:
            if stream.ready_rank is not None:
                return 0, -stream.ready_rank
            return 1, now if stream.lingering_since is None else stream.lingering_since

        chosen = min(idle, key=first_to_go)
        if chosen.kept_ready:
            said = f"No longer kept ready: a new channel needed its place ({MAX_CHANNELS} open)"
        else:
            said = f"Channel closed to make room for a new one ({MAX_CHANNELS} open)"
        self._context.events.emit("info", said, chosen.key.content_id)
        chosen.close(StreamEnded("closed to make room for another channel", 503))
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
        """The open channel `key` is a source of (its own key included)."""
        return self._by_source.get(key)

    def reading(self, key: ChannelKey) -> LiveStream | None:
        """The open channel whose engine session is on this source now (not merely one of its sources)."""
        stream = self._by_source.get(key)
        return stream if stream is not None and stream.source_key == key else None

    def find(self, content_id: str) -> LiveStream | None:
        for key, stream in self._by_source.items():
            if key.content_id == content_id:
                return stream
        return None

    def __len__(self) -> int:
        return len(self._streams)

    def _forget(self, stream: LiveStream) -> None:
        # Only the registered one: a stream closing late must never drop a newer one under its key.
        for source in stream.lineup.sources:
            if self._by_source.get(source) is stream:
                del self._by_source[source]
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
