"""An aiohttp app served on 127.0.0.1, at a port the kernel picks, for the length of an `async with`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web


@asynccontextmanager
async def local_site(app: web.Application, **runner_options: Any) -> AsyncIterator[str]:
    """Serve `app` while the block runs; yields its base URL, `http://127.0.0.1:<port>`."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
