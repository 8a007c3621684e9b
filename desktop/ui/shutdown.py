"""Stopping the core when AceTray quits: every step bounded, so Quit ends even if the engine hangs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from desktop.app import CoreHost

log = logging.getLogger(__name__)

# Quit must finish within 2 s even if the engine hangs: this much for the
# engine stop commands, a little for the core thread, the rest is slack.
QUIT_STOP_BUDGET = 1.0
# The engine AceTray runs is asked to stop, then ended by force after the supervisor's
# grace (5 s); past this budget the engine's guard ends it as AceTray exits.
ENGINE_QUIT_BUDGET = 8.0
CORE_JOIN_BUDGET = 0.3


async def stop_core(core: CoreHost) -> None:
    """Stop every stream (engine stop commands), then the engine AceTray runs, then the core's thread."""
    await _quit_step(
        core.stop_proxy(),
        QUIT_STOP_BUDGET,
        "the proxy",
        "the engine did not confirm the stop commands within %.1f s; quitting anyway",
    )
    # The engine AceTray runs (if any; the proxy's stop may have done it): politely, then by force.
    await _quit_step(
        core.stop_engine(),
        ENGINE_QUIT_BUDGET,
        "the engine",
        "the engine did not stop within %.1f s; its guard ends it as AceTray exits",
    )
    core.shutdown(CORE_JOIN_BUDGET)


async def _quit_step(step: Awaitable[object], budget: float, what: str, late: str) -> None:
    """One step of quitting, within its time budget; quitting goes on whatever it does."""
    try:
        await asyncio.wait_for(step, budget)
    except TimeoutError:
        log.warning(late, budget)
    except Exception:
        log.exception("stopping %s failed while quitting", what)
