"""The engines the service switches between in `apply`: the built-in demo engine it starts, and a switch's value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.streaming.engine.client import EngineClient
from desktop.streaming.service_errors import demo_problem

if TYPE_CHECKING:
    from desktop.streaming.demo.engine import DemoEngine


@dataclass(frozen=True)
class EngineSwitch:
    """A settings change moved the proxy to another engine (`apply`'s "engine" step)."""

    engine: EngineClient
    url: str
    demo: DemoEngine | None
    retired_demo: DemoEngine | None  # stopped once the channels have left it


async def start_demo() -> DemoEngine:
    """The built-in demo engine, listening; ProxyStartError with a sentence when it cannot."""
    from desktop.streaming.demo.engine import DemoEngine, load_demo_clip  # demo mode only

    demo = DemoEngine(load_demo_clip())
    try:
        await demo.start()
    except OSError as exc:
        raise demo_problem(exc) from exc
    return demo
