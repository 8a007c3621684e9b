"""Is an engine answering on a port? One cheap `get_version` call, classified.

The supervisor needs three answers, not two: nothing listens (free to spawn),
an engine answers (ready, or someone else's), or something else holds the port
(spawning would fail, and that deserves its own message).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

import aiohttp

VERSION_PATH = "/webui/api/service"
_MAX_BODY = 64 * 1024  # a version answer is tiny; never read a huge body from a stranger


class PortStatus(str, enum.Enum):
    FREE = "free"  # connection refused: nothing listens
    ENGINE = "engine"  # answered get_version with a version
    OTHER = "other"  # listens, but not like an engine (yet)


@dataclass(frozen=True)
class Probe:
    status: PortStatus
    version: str | None = None
    detail: str = ""  # for OTHER: what it did instead, for a message


async def probe_engine(http: aiohttp.ClientSession, host: str, port: int, timeout: float) -> Probe:
    url = f"http://{host}:{port}{VERSION_PATH}"
    try:
        async with http.get(
            url,
            params={"method": "get_version"},
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
        ) as resp:
            status = resp.status
            body = await resp.content.read(_MAX_BODY)
    except aiohttp.ClientConnectorError:
        return Probe(PortStatus.FREE)
    except TimeoutError:
        return Probe(PortStatus.OTHER, detail=f"no answer within {timeout:g} s")
    except aiohttp.ClientError as exc:
        return Probe(PortStatus.OTHER, detail=f"connection failed: {type(exc).__name__}")
    if status != 200:
        return Probe(PortStatus.OTHER, detail=f"HTTP {status}")
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return Probe(PortStatus.OTHER, detail="an answer that is not JSON")
    result = data.get("result") if isinstance(data, dict) else None
    version = result.get("version") if isinstance(result, dict) else None
    if not isinstance(version, str) or not version.strip():
        return Probe(PortStatus.OTHER, detail="JSON without an engine version")
    return Probe(PortStatus.ENGINE, version=version.strip()[:40])
