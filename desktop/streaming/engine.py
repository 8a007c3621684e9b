"""Client for the AceStream engine's HTTP API (the facts it relies on: docs/engine-api.md).

Every failure becomes an `EngineError` whose text a user can read; the engine's
own quirks (two error shapes, garbage bodies, wrong hosts in returned URLs,
fewer keys than documented) are absorbed here so the rest of the core never
sees them.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import aiohttp

from desktop.streaming.engine_params import FORWARDED

# The engine may hold a session start for several seconds; "500 start timeout"
# arrives after about 7 s. Beyond this it is not coming.
START_TIMEOUT = 30.0
CONTROL_TIMEOUT = 5.0  # stat, stop, version: cheap calls that answer at once
_MAX_ERROR_TEXT = 200


class EngineError(Exception):
    """The engine failed; `str()` is a sentence for a user. `status` is for the player."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class EngineUnreachable(EngineError):
    """Nothing answers at the engine URL."""


@dataclass(frozen=True)
class EngineSession:
    """One engine playback session (one pid) for one channel."""

    playback_url: str
    stat_url: str | None
    command_url: str | None
    infohash: str | None
    is_live: bool


@dataclass(frozen=True)
class EngineStats:
    status: str | None
    peers: int | None
    speed_down_kbps: int | None
    speed_up_kbps: int | None
    downloaded: int | None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
        parts = urlsplit(urljoin(self.base_url + "/", url))
        return urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, ""))

    def _unreachable(self) -> EngineUnreachable:
        return EngineUnreachable(f"AceStream engine not reachable at {self.base_url}")

    async def _get_json(self, url: str, params: Mapping[str, str] | None, timeout: float) -> Any:
        """GET and decode JSON; every transport or format fault becomes EngineError."""
        try:
            async with self._http.get(
                url, params=params, timeout=aiohttp.ClientTimeout(total=timeout), allow_redirects=False
            ) as resp:
                body = await resp.read()
                status = resp.status
        except aiohttp.ClientConnectorError as exc:
            raise self._unreachable() from exc
        except asyncio.TimeoutError as exc:
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

    # --- API -----------------------------------------------------------------------------
    async def start(self, kind: str, content_id: str, extra: Mapping[str, str]) -> EngineSession:
        """Start a session with a fresh pid: the engine serves one reader per pid."""
        # The allow-list again, here where the engine is called: whatever a route passes,
        # only harmless preferences reach the engine (docs/engine-api.md).
        params = {name: value for name, value in extra.items() if name in FORWARDED}
        params.update({kind: content_id, "format": "json", "pid": uuid.uuid4().hex})
        data = await self._get_json(f"{self.base_url}/ace/getstream", params, START_TIMEOUT)
        if not isinstance(data, dict):
            raise EngineError("AceStream engine answered an unexpected JSON value")
        if data.get("error"):
            raise EngineError(f"AceStream engine error: {str(data['error'])[:_MAX_ERROR_TEXT]}")
        response = data.get("response")
        if not isinstance(response, dict) or not response.get("playback_url"):
            raise EngineError("AceStream engine answered without a playback URL")
        playback = self.rewrite(str(response["playback_url"]))
        assert playback is not None
        return EngineSession(
            playback_url=playback,
            stat_url=self.rewrite(response.get("stat_url")),
            command_url=self.rewrite(response.get("command_url")),
            infohash=response.get("infohash"),
            is_live=bool(response.get("is_live", 1)),
        )

    async def stats(self, stat_url: str) -> EngineStats:
        data = await self._get_json(stat_url, None, CONTROL_TIMEOUT)
        response = data.get("response") if isinstance(data, dict) else None
        if not isinstance(response, dict):
            error = data.get("error") if isinstance(data, dict) else None
            raise EngineError(f"AceStream engine stat error: {error or 'no response'}")
        return EngineStats(
            status=str(response["status"]) if response.get("status") is not None else None,
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
        if error and "unknown playback session" not in str(error):
            raise EngineError(f"AceStream engine could not stop the session: {error}")

    async def version(self, timeout: float = CONTROL_TIMEOUT) -> str:
        data = await self._get_json(
            f"{self.base_url}/webui/api/service", {"method": "get_version"}, timeout
        )
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, dict) or not result.get("version"):
            error = data.get("error") if isinstance(data, dict) else None
            raise EngineError(f"AceStream engine did not report a version ({error or 'unexpected answer'})")
        return str(result["version"])
