"""The event loop the core runs on, chosen once: uvloop when installed, else asyncio's own."""

from __future__ import annotations

import asyncio


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # optional: the `fast` extra
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
