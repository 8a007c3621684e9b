"""Client for the AceStream engine's HTTP API (the facts it relies on: docs/engine-api.md).

Every failure becomes an `EngineError` whose text a user can read; the engine's
own quirks (two error shapes, garbage bodies, wrong hosts in returned URLs,
fewer keys than documented) are absorbed here so the rest of the core never
sees them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import aiohttp

from desktop.streaming.engine.params import FORWARDED
from desktop.streaming.snapshot import EngineStats

__all__ = ["EngineClient", "EngineError", "EngineSession", "EngineStats"]

# The engine may hold a session start for several seconds; "500 start timeout"
# arrives after about 7 s. Beyond this it is not coming.
START_TIMEOUT = 30.0
CONTROL_TIMEOUT = 5.0  # stat, stop, version: cheap calls that answer at once
_MAX_ERROR_TEXT = 200
# The engine's JSON answers are a few hundred bytes. A larger one is a broken
# (or hostile) engine: it is refused, never read whole into memory.
MAX_ANSWER_BYTES = 1024 * 1024
_MAX_ERROR_BYTES = 4096  # of an error body, only the start is shown to anyone


class EngineError(Exception):
    """The engine failed; `str()` is a sentence for a user. `status` is for the player."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class EngineUnreachable(EngineError):
    """Nothing answers at the engine URL."""


class EngineRefused(EngineError):
    """The engine answered, with an error of its own about this content or session ("failed to load content")."""


def _too_large() -> EngineError:
    return EngineError(
        f"AceStream engine answered more than {MAX_ANSWER_BYTES // 1024} KB where a short answer belongs"
    )


@dataclass(frozen=True)
class EngineSession:
    """One engine playback session (one pid) for one channel."""

    playback_url: str
    stat_url: str | None
    command_url: str | None
    infohash: str | None
    is_live: bool


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # None, "fast", a list; Infinity
        return None


def _text(value: Any) -> str:
    """An engine-supplied value for a message: a string or a number as it is, anything else described."""
    if isinstance(value, (str, int, float)):
        return str(value)[:_MAX_ERROR_TEXT]
    return f"an unexpected {_shape(value)}"


def _shape(value: Any) -> str:
    return {dict: "object", list: "list", bool: "true/false", int: "number", float: "number"}.get(type(value), "value")


def _optional_str(response: dict[str, Any], key: str) -> str | None:
    """A key that must be a string when present; any other type is a broken answer, said plainly."""
    value = response.get(key)
    if value is None or isinstance(value, str):
        return value
    raise EngineError(f"AceStream engine answered something unexpected: {key} is a {_shape(value)}, not text")


async def _read_at_most(resp: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the body and whether there was more; never reads further."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await resp.content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:limit], True


class EngineClient:
    """Talks to one engine at `base_url` through a shared aiohttp session."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self._base = urlsplit(self.base_url)
        self._http = http

    # --- helpers -------------------------------------------------------------------------
    def rewrite(self, url: str | None) -> str | None:
        """Point a URL returned by the engine at the configured engine address.

        The engine reports its own idea of its host (127.0.0.1, a container
        address); only the path and query are trusted, so a response can never
        make the proxy connect to another host.
        """
        if not url:
            return None
        try:
            parts = urlsplit(urljoin(self.base_url + "/", url))
        except ValueError as exc:  # "http://[::1", a port out of range
            raise EngineError(f"AceStream engine answered a URL that is not one: {url[:60]!r}") from exc
        return urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, ""))

    def _unreachable(self) -> EngineUnreachable:
        return EngineUnreachable(f"AceStream engine not reachable at {self.base_url}")

    async def _get_json(self, url: str, params: Mapping[str, str] | None, timeout: float) -> Any:
        """GET and decode JSON; every transport or format fault becomes EngineError."""
        try:
            async with self._http.get(
                url, params=params, timeout=aiohttp.ClientTimeout(total=timeout), allow_redirects=False
            ) as resp:
                status = resp.status
                if status >= 400:
                    body, _more = await _read_at_most(resp, _MAX_ERROR_BYTES)  # the rest is never read
                elif (resp.content_length or 0) > MAX_ANSWER_BYTES:
                    raise _too_large()
                else:
                    body, more = await _read_at_most(resp, MAX_ANSWER_BYTES)
                    if more:
                        raise _too_large()
        except aiohttp.ClientConnectorError as exc:
            raise self._unreachable() from exc
        except TimeoutError as exc:
            raise EngineError(f"AceStream engine did not answer within {timeout:g} s", 504) from exc
        except aiohttp.ClientError as exc:
            raise EngineError(f"AceStream engine connection failed: {exc}") from exc
        text = body.decode("utf-8", "replace").strip()
        if status >= 400:
            detail = text[:_MAX_ERROR_TEXT] or f"HTTP {status}"
            raise EngineError(f"AceStream engine error: {detail}", 504 if "timeout" in detail.lower() else 502)
        try:
            return json.loads(text)
        except ValueError as exc:
            snippet = " ".join(text[:60].split())
            raise EngineError(f"AceStream engine answered something that is not JSON: {snippet!r}") from exc
        except RecursionError as exc:  # "[[[[...": valid JSON nested deeper than Python recurses
            raise EngineError("AceStream engine answered JSON nested too deeply to read") from exc

    # --- API -----------------------------------------------------------------------------
    async def until_ready(self) -> None:
        """Return once the engine can take a session start: at once for an engine the user runs."""

    async def start(
        self, kind: str, content_id: str, extra: Mapping[str, str], timeout: float = START_TIMEOUT
    ) -> EngineSession:
        """Start a session with a fresh pid: the engine serves one reader per pid.

        `timeout`: how long to wait for the engine's answer (a caller that gives
        up sooner may still wait for it in the background: see SessionStopper).
        """
        # The allow-list again, here where the engine is called: whatever a route passes,
        # only harmless preferences reach the engine (docs/engine-api.md).
        params = {name: value for name, value in extra.items() if name in FORWARDED}
        params.update({kind: content_id, "format": "json", "pid": uuid.uuid4().hex})
        data = await self._get_json(f"{self.base_url}/ace/getstream", params, timeout)
        if not isinstance(data, dict):
            raise EngineError("AceStream engine answered an unexpected JSON value")
        if data.get("error"):
            raise EngineRefused(f"AceStream engine error: {_text(data['error'])}")
        response = data.get("response")
        if not isinstance(response, dict) or not response.get("playback_url"):
            raise EngineError("AceStream engine answered without a playback URL")
        # Every field is checked before use: a number where a URL belongs is the engine's fault (502),
        # not a crash in the proxy (500).
        playback = self.rewrite(_optional_str(response, "playback_url"))
        assert playback is not None
        return EngineSession(
            playback_url=playback,
            stat_url=self.rewrite(_optional_str(response, "stat_url")),
            command_url=self.rewrite(_optional_str(response, "command_url")),
            infohash=_optional_str(response, "infohash"),
            is_live=bool(response.get("is_live", 1)),
        )

    async def stats(self, stat_url: str) -> EngineStats:
        data = await self._get_json(stat_url, None, CONTROL_TIMEOUT)
        response = data.get("response") if isinstance(data, dict) else None
        if not isinstance(response, dict):
            error = data.get("error") if isinstance(data, dict) else None
            if error:
                raise EngineRefused(f"AceStream engine stat error: {_text(error)}")
            raise EngineError("AceStream engine stat error: no response")
        status = response.get("status")
        return EngineStats(
            status=status[:20] if isinstance(status, str) else None,
            peers=_int_or_none(response.get("peers")),
            speed_down_kbps=_int_or_none(response.get("speed_down")),
            speed_up_kbps=_int_or_none(response.get("speed_up")),
            downloaded=_int_or_none(response.get("downloaded")),
        )

    async def stop(self, command_url: str, timeout: float = CONTROL_TIMEOUT) -> None:
        """`method=stop`, keeping the command URL's own query. Idempotent."""
        parts = urlsplit(command_url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "method"] + [("method", "stop")]
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
        data = await self._get_json(url, None, timeout)
        error = data.get("error") if isinstance(data, dict) else "unexpected answer"
        if error and "unknown playback session" not in _text(error):
            raise EngineError(f"AceStream engine could not stop the session: {_text(error)}")

    async def version(self, timeout: float = CONTROL_TIMEOUT) -> str:
        data = await self._get_json(f"{self.base_url}/webui/api/service", {"method": "get_version"}, timeout)
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("version"), (str, int, float)):
            error = data.get("error") if isinstance(data, dict) else None
            raise EngineError(
                f"AceStream engine did not report a version ({_text(error) if error else 'unexpected answer'})"
            )
        return _text(result["version"])
