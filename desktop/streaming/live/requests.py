"""Each channel's last few player requests: who asked, what they were answered, what they got.

*Open in player* starts VLC and then wants to know, within a few seconds,
whether VLC's request arrived and got bytes: "VLC was refused: …" rather
than "VLC is running" while VLC shows "Your input can't be opened". The
proxy's front (`http/request_record.py`) notes each player's request for a
channel here, with the status it was answered with, the one-line reason of a
refusal, and the bytes it was sent — read from the player's own counter while
an endless TS answer lasts. Nothing else is kept (no query: it may hold the
token). The record lives in the `CoreContext`, for the service's life.

Bounded: `PER_CHANNEL` requests per channel and `CHANNELS` channels, the one
asked least recently forgotten first, so a client inventing ids churns the
record but cannot grow it.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from desktop.streaming.ids import ChannelKey

PER_CHANNEL = 8
CHANNELS = 64
MESSAGE_CHARS = 200  # of a refusal's text, the first line, at most this long


class SentCounter(Protocol):
    """What a player's answer has sent so far (a TS player's `Subscriber`)."""

    @property
    def bytes_sent(self) -> int: ...


@dataclass(frozen=True)
class SeenRequest:
    """One request as the record saw it; crosses threads as a value."""

    at: float  # unix time it arrived
    address: str  # "ip:port" of the player
    user_agent: str
    path: str
    status: int | None  # None: nothing answered yet (a channel still starting)
    message: str  # a refused or failed answer's reason, one line ("" otherwise)
    bytes_sent: int
    open: bool  # still being answered (an endless TS answer while the player watches)


class _Trace:
    __slots__ = ("address", "at", "bytes_sent", "counter", "message", "open", "path", "status", "user_agent")

    def __init__(self, at: float, address: str, user_agent: str, path: str) -> None:
        self.at = at
        self.address = address
        self.user_agent = user_agent
        self.path = path
        self.status: int | None = None
        self.message = ""
        self.bytes_sent = 0
        self.counter: SentCounter | None = None  # held only while the answer lasts
        self.open = True

    def seen(self) -> SeenRequest:
        sent = self.counter.bytes_sent if self.counter is not None else self.bytes_sent
        # A TS answer's headers go out with its first chunk: bytes sent means "200" was.
        status = self.status if self.status is not None or not sent else 200
        return SeenRequest(self.at, self.address, self.user_agent, self.path, status, self.message, sent, self.open)


class RequestRecord:
    """Lives on the core's loop; `of` is what the UI asks through CoreHost."""

    def __init__(
        self, clock: Callable[[], float] = time.time, per_channel: int = PER_CHANNEL, channels: int = CHANNELS
    ) -> None:
        self._clock = clock
        self._per_channel = per_channel
        self._channels = channels
        self._by_key: OrderedDict[ChannelKey, deque[_Trace]] = OrderedDict()
        self._open: dict[int, _Trace] = {}  # by id() of the request being answered

    def begin(self, request_id: int, key: ChannelKey, address: str, user_agent: str, path: str) -> None:
        traces = self._by_key.get(key)
        if traces is None:
            traces = self._by_key[key] = deque(maxlen=self._per_channel)
            while len(self._by_key) > self._channels:
                self._by_key.popitem(last=False)
        else:
            self._by_key.move_to_end(key)
        trace = _Trace(self._clock(), address, user_agent[:MESSAGE_CHARS], path)
        traces.append(trace)
        self._open[request_id] = trace

    def follow(self, request_id: int, counter: SentCounter) -> None:
        """The answer's bytes are `counter`'s from now on (it is read whenever the record is asked)."""
        trace = self._open.get(request_id)
        if trace is not None:
            trace.counter = counter

    def finish(self, request_id: int, status: int | None, message: str = "", bytes_sent: int = 0) -> None:
        trace = self._open.pop(request_id, None)
        if trace is None:
            return
        if trace.counter is not None:
            bytes_sent = max(bytes_sent, trace.counter.bytes_sent)
            trace.counter = None  # a finished answer keeps no player's queue alive
        trace.status, trace.message, trace.bytes_sent, trace.open = status, _one_line(message), bytes_sent, False

    def of(self, key: ChannelKey) -> tuple[SeenRequest, ...]:
        """The channel's recent requests, newest first."""
        return tuple(trace.seen() for trace in reversed(self._by_key.get(key, ())))


def _one_line(text: str | None) -> str:
    line = (text or "").strip().split("\n", 1)[0]
    return line[:MESSAGE_CHARS]
