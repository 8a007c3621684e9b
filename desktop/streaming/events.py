"""Proxy events: one sink everyone emits through, and the one level → log level mapping.

Every event a person may read in the window is also a log line, and the two
must agree on how serious it is (an error in the window is an ERROR in the
log, not a warning). So the mapping is written once (`logs.log_level`): the core emits
through `EventSink`, and the UI asks `log_level` when it logs events itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from desktop.streaming.logs import LEVELS, log_level
from desktop.streaming.snapshot import ProxyEvent

__all__ = ["LEVELS", "ChannelNamer", "EventHandler", "EventSink", "log_level"]

EventHandler = Callable[[ProxyEvent], None]
ChannelNamer = Callable[[str], "str | None"]  # content id → the channel's name, when known

_log = logging.getLogger(__name__)


def _ignore(event: ProxyEvent) -> None:
    pass


class EventSink:
    """Logs an event and hands it, as a frozen `ProxyEvent`, to whoever shows events (the window)."""

    def __init__(
        self,
        handler: EventHandler | None = None,
        logger: logging.Logger | None = None,
        namer: ChannelNamer | None = None,
    ) -> None:
        self._handler = handler or _ignore
        self._log = logger or _log
        self._namer = namer

    def emit(self, level: str, message: str, content_id: str | None = None, *, detail: str | None = None) -> None:
        """`message` is a sentence for a person; `detail` (an exception's text) goes to the log and a tooltip."""
        name = self._namer(content_id) if content_id and self._namer is not None else None
        # The log line names the channel (first 8 hex, and its name when a playlist
        # gives one) so a log read alone still says which one.
        prefix = f"[{content_id[:8]}{f' {name}' if name else ''}] " if content_id else ""
        suffix = f" ({detail})" if detail else ""
        self._log.log(log_level(level), "%s%s%s", prefix, message, suffix, stacklevel=2)  # the emitter's line
        extra = {"detail": detail} if detail else {}
        self._handler(
            ProxyEvent(time=time.time(), level=level, message=message, content_id=content_id, extra=extra, channel=name)
        )
