"""A live stream's HLS side: its segmenter, made on the first HLS request, and its HLS viewers.

Kept apart from `stream.py` so the stream only calls in. The segmenter is
made lazily (most channels never have an HLS player, and it holds up to a
window of segments in memory), from the proxy's settings at that moment,
and seeded with the fan-out's join backlog so the first segment closes
sooner. The stream feeds it every chunk it publishes.

HLS viewers hold no connection and no queue: they count as players while
they keep asking (see `hls.viewers`), and while any is present the reader
never pauses for backed-up TS players (`Fanout.queueless_players`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from desktop.streaming.config import ProxyConfig
from desktop.streaming.hls.config import HlsConfig
from desktop.streaming.hls.segmenter import HlsSegmenter
from desktop.streaming.hls.viewers import HlsViewer, HlsViewers
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.fanout import Fanout

# A player reloads the playlist about once a target duration; three missed
# reloads in a row mean it has gone.
SILENT_TARGETS = 3.0
# How long a request for the segment being cut waits for it, in target durations.
SEGMENT_WAIT_TARGETS = 1.5


def hls_config(config: ProxyConfig) -> HlsConfig:
    target = config.hls_target_duration
    return HlsConfig(
        target_duration=target,
        window=config.hls_window,
        keyframe_patience=max(HlsConfig.keyframe_patience, target),
    )


def first_sequence_number() -> int:
    """Media sequence numbers start at the wall clock's seconds, not 0.

    A channel that stops and starts again (a failure, a player back after the
    linger) gets a new segmenter; a player still holding the old playlist must
    see the sequence go on rising (RFC 8216 forbids it to go down), and an old
    segment URL must never name a new, different segment. Segments last about
    a second at least, so the old numbering never runs ahead of the clock.
    """
    return int(time.time())


class StreamHls:
    """One stream's segmenter (None until asked for) and HLS viewers; on the core's loop."""

    def __init__(
        self,
        context: CoreContext,
        fanout: Fanout,
        clock: Callable[[], float],
        on_arrival: Callable[[], None],
    ) -> None:
        self._context = context
        self._fanout = fanout
        self._clock = clock
        self._on_arrival = on_arrival  # a viewer came: the stream stops lingering
        self.segmenter: HlsSegmenter | None = None
        self.viewers = HlsViewers(context.counters.next_client_id, self._viewers_changed)
        self._closed = False

    def open(self) -> HlsSegmenter:
        """The channel's segmenter, made (and fed the join backlog) by the first HLS request."""
        if self.segmenter is None:
            segmenter = HlsSegmenter(hls_config(self._context.config), first_seq=first_sequence_number())
            for chunk in self._fanout.backlog():
                segmenter.feed(chunk)
            if self._closed:
                segmenter.close()
            self.segmenter = segmenter
        return self.segmenter

    @contextmanager
    def visit(self, address: str, user_agent: str) -> Iterator[HlsViewer]:
        """One HLS request: its viewer counts as a player from now until a while after its last."""
        with self.viewers.visit(address, user_agent, time.time(), self._clock) as viewer:
            yield viewer

    def _viewers_changed(self) -> None:
        count = len(self.viewers)
        self._fanout.queueless_players = count
        self._fanout.room.set()  # a reader parked for backed-up TS players reads on for HLS viewers
        if count:
            self._on_arrival()

    def unread_for(self, now: float) -> float:
        """How long no viewer has fetched a segment: a viewer reads while it fetches segments, not playlists."""
        every = self.target_duration
        return min((viewer.unread_for(now, every) for viewer in self.viewers), default=0.0)

    def expire(self, now: float) -> list[HlsViewer]:
        """Sample rates and forget viewers silent for a few target durations; the ones forgotten."""
        for viewer in self.viewers:
            viewer.sample_rate(now)
        return self.viewers.expire(now, SILENT_TARGETS * self.target_duration)

    @property
    def target_duration(self) -> float:
        """The target the playlist announces (it follows the longest segment: long GOPs, slow reloads)."""
        segmenter = self.segmenter
        if segmenter is None:
            return self._context.config.hls_target_duration
        return max(segmenter.config.target_duration, segmenter.stats().longest)

    @property
    def segment_wait(self) -> float:
        """How long a request for the segment being cut may wait for it."""
        return SEGMENT_WAIT_TARGETS * self.target_duration

    def close(self) -> None:
        """The stream ended: waiting HLS requests are answered now."""
        self._closed = True
        if self.segmenter is not None:
            self.segmenter.close()
        self.viewers.clear()
        self._fanout.queueless_players = 0
