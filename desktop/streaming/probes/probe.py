"""One probe: does this source play? Asked of the engine, as a player would, and always cleaned up.

A probe starts an engine session for the source, waits (up to a timeout) for
the first bytes of its stream, reads the engine's stat for peers and speed,
and stops the session. Whatever happens — an answer, an error, the timeout,
or the probe being cancelled to give way to a person's channel — the probe
ends only once its session is stopped (a session the engine is still
creating is waited for, then stopped): the link check must never leave
sessions behind, nor hold more at once than it is allowed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp

from desktop.streaming.engine.client import EngineClient, EngineError, EngineSession, EngineUnreachable
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.session_stopper import SessionStopper
from desktop.streaming.sources.health import State
from desktop.streaming.ts.packets import PACKET_SIZE

log = logging.getLogger(__name__)

READ_SIZE = PACKET_SIZE * 64  # what one read may bring; the bytes themselves are thrown away


@dataclass(frozen=True)
class Verdict:
    """What a probe found: alive (with the engine's figures when it gave them) or dead, with why."""

    state: State
    reason: str | None = None
    peers: int | None = None
    speed_kbps: int | None = None


class EngineGone(Exception):
    """The engine itself does not answer: that says nothing of the source (the check stops)."""


async def probe(
    engine: EngineClient,
    http: aiohttp.ClientSession,
    sessions: SessionStopper,
    key: ChannelKey,
    timeout: float,
) -> Verdict:
    """The source's verdict; EngineGone when the engine is not there to ask."""
    try:
        await engine.until_ready()  # an engine AceTray starts on the first play starts for a check too
    except EngineError as exc:
        raise EngineGone(str(exc)) from exc
    start = asyncio.get_running_loop().create_task(engine.start(key.kind, key.content_id, {}))
    try:
        async with asyncio.timeout(timeout):
            session = await asyncio.shield(start)  # on a timeout or cancel the start goes on: `_finish` stops it
            return await _watch(engine, http, session)
    except TimeoutError:
        return Verdict("dead", f"No data within {timeout:g} s")
    except EngineUnreachable as exc:
        raise EngineGone(str(exc)) from exc
    except EngineError as exc:
        return Verdict("dead", str(exc))
    except (aiohttp.ClientError, OSError) as exc:
        return Verdict("dead", f"The stream could not be read: {exc or type(exc).__name__}")
    finally:
        await asyncio.shield(_finish(start, engine, sessions))


async def _watch(engine: EngineClient, http: aiohttp.ClientSession, session: EngineSession) -> Verdict:
    """Alive at the stream's first bytes; EngineError when the engine ends it without any.

    The stat is read while the stream is still being read: the engine reports
    its download speed for a session somebody reads."""
    async with http.get(
        session.playback_url, timeout=aiohttp.ClientTimeout(total=None, sock_connect=10), allow_redirects=False
    ) as resp:
        if resp.status == 404:
            raise EngineError("The engine dropped the session before sending data")
        if resp.status != 200:
            raise EngineError(f"The engine answered HTTP {resp.status} for the stream")
        if not await resp.content.read(READ_SIZE):
            raise EngineError("The engine closed the stream before sending data")
        return await _alive(engine, session)


async def _alive(engine: EngineClient, session: EngineSession) -> Verdict:
    """Alive; with peers and speed when the engine's stat gives them (a failed stat changes nothing)."""
    if not session.stat_url:
        return Verdict("alive")
    try:
        stats = await engine.stats(session.stat_url)
    except EngineError as exc:
        log.debug("stat of a probed session failed: %s", exc)
        return Verdict("alive")
    return Verdict("alive", peers=stats.peers, speed_kbps=stats.speed_down_kbps)


async def _finish(start: asyncio.Task[EngineSession], engine: EngineClient, sessions: SessionStopper) -> None:
    """Stop the probe's session, once the engine has made it; a failed stop is retried in the background."""
    try:
        session = await start  # bounded by the engine client's own start timeout
    except Exception:  # the start failed: there is no session to stop (the verdict says why)
        return
    if not session.command_url:
        return  # the engine gave no way to stop it: it ends the session itself once nobody reads
    try:
        await engine.stop(session.command_url)
    except EngineError as exc:
        log.info("could not stop a probe's engine session (%s); trying again in the background", exc)
        sessions.stop_later(engine, session)
