"""aiohttp's server logger, made quiet about malformed requests.

aiohttp logs every request it cannot parse as an ERROR with a traceback
("Error handling request", about a dozen lines). Anyone on the network can
send thousands of those, and a few thousand roll the log files over, wiping
the history a user would need. A malformed request is the sender's problem,
not AceTray's: it becomes one rate-limited warning line without a traceback.
A handler that crashes is AceTray's problem: its traceback stays, but at most
one per interval.

Passed to the AppRunner as `logger=` (aiohttp hands it to each connection's
request handler), so only the proxy's own listener is affected.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError

from desktop.streaming.logs import RateLimitedLog

LOG_EVERY = 10.0  # s: one line per kind of trouble per interval


def describe(exc: HttpProcessingError) -> str:
    """The parser's reason in a few printable words (never the request's own bytes: log injection)."""
    first = str(exc.message or exc.__class__.__name__).split("\n", 1)[0].strip().rstrip(":")
    return "".join(ch if ch.isprintable() else "?" for ch in first)[:80] or exc.__class__.__name__


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1] if isinstance(exc_info[1], BaseException) else None
    if exc_info:
        return sys.exc_info()[1]
    return None


class ServerLog(logging.LoggerAdapter[logging.Logger]):
    """A logger for aiohttp's request handlers: bad requests become rate-limited one-liners."""

    def __init__(self, logger: logging.Logger | None = None, every: float = LOG_EVERY) -> None:
        logger = logger or logging.getLogger("aiohttp.server")
        super().__init__(logger, {})
        self._limited = RateLimitedLog(logger, every)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        self._quietly(logging.ERROR, msg, args, exc_info, kwargs)

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(logging.DEBUG):
            return
        self._quietly(logging.DEBUG, msg, args, kwargs.pop("exc_info", None), kwargs)

    def _quietly(
        self, level: int, msg: object, args: tuple[object, ...], exc_info: Any, kwargs: Mapping[str, Any]
    ) -> None:
        exc = _exception_of(exc_info)
        if isinstance(exc, HttpProcessingError):
            # "Error handling request from %s" carries the peer as its one argument.
            peer = args[0] if args else "?"
            quiet = logging.DEBUG if level == logging.DEBUG else logging.WARNING
            self._limited.log(quiet, "bad-request", "refused a malformed request from %s: %s", peer, describe(exc))
        elif exc is None or level == logging.DEBUG:
            self.logger.log(level, msg, *args, exc_info=exc, **kwargs)
        else:
            # A crash in a handler: the traceback is what a fix needs; once per interval is enough.
            self._limited.log(logging.ERROR, "crash", str(msg), *args, exc_info=exc)
