"""ProxyService: the one object the UI and the CLI drive. (API skeleton; body in progress.)"""

from __future__ import annotations

from typing import Callable

from desktop.streaming.config import ProxyConfig
from desktop.streaming.snapshot import ProxyEvent, ProxySnapshot


class ProxyStartError(Exception):
    """The proxy could not start; str() is a sentence for the user (e.g. port in use)."""


class EngineCheckError(Exception):
    """The engine did not answer get_version properly; str() is for the user."""


class ProxyService:
    """Owns the HTTP listener, the channel registry and (optionally) the demo engine.

    All methods must be called on the loop the service runs on. `on_event` is
    called on that loop too, with events the user may want to read.
    """

    def __init__(self, config: ProxyConfig, *, on_event: Callable[[ProxyEvent], None] | None = None) -> None:
        raise NotImplementedError

    @property
    def config(self) -> ProxyConfig: ...

    @property
    def running(self) -> bool: ...

    async def start(self) -> None:
        """Bind and serve. Raises ProxyStartError with a readable reason."""

    async def stop(self) -> None:
        """Stop every stream (engine `method=stop`), close the listener. Idempotent."""

    async def apply(self, config: ProxyConfig) -> None:
        """Switch to new settings: restart the listener only if host/port/engine changed;
        queue size and timeouts apply at once (queue size to new players)."""

    def snapshot(self) -> ProxySnapshot:
        """Cheap; a picture of every stream and client."""
        raise NotImplementedError

    async def check_engine(self, engine_url: str | None = None) -> str:
        """The engine's version string, or EngineCheckError with the reason."""
        raise NotImplementedError

    def stream_url(self, content_id: str, host: str | None = None) -> str:
        """http://<host>:<port>/ace/getstream?id=<id>."""
        raise NotImplementedError
