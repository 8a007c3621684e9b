"""Why a stream broke, as a person reads it: a short clause for the window, the detail for the log.

An aiohttp exception's own text ("Response payload is not completed:
<TransferEncodingError…>") is no sentence for the events list; `describe`
turns any reading failure into one, keeping the exception's text as detail.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from desktop.streaming.engine.client import EngineError


class SessionGone(Exception):
    """The engine no longer knows the session (404 on playback)."""


@dataclass(frozen=True)
class Failure:
    """Why the stream broke: `text` for a person (a clause, no full stop), `detail` for the log and a tooltip."""

    text: str
    detail: str | None = None


def describe(exc: BaseException) -> Failure:
    if isinstance(exc, (EngineError, SessionGone)):
        return Failure(str(exc).rstrip("."))
    if isinstance(exc, aiohttp.ClientPayloadError):
        text = "the AceStream engine broke off the stream"
    elif isinstance(exc, (aiohttp.ClientConnectorError, ConnectionRefusedError)):
        text = "the AceStream engine is not reachable"
    else:
        text = "the connection to the AceStream engine broke"
    return Failure(text, f"{exc.__class__.__name__}: {exc}")
