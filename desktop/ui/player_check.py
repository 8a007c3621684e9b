"""After *Open in player*: did the player reach AceTray, and did it get the channel?

A player that cannot open a link stays running and shows an error of its own
("Your input can't be opened" for a 401), so "VLC is running" says nothing of
whether anyone watches. The proxy notes each channel's requests (the core's
`RequestRecord`, asked through `CoreHost.recent_requests`); this asks it a few
times a second until the player's request has an answer, and says what happened
in a sentence: "VLC is playing “Sport 1”.", "VLC was refused: …", "VLC did not
connect…". The player's request is one for the channel from this computer that
arrived after the player was started; its user agent names the player when it
can ("VLC" even when the command was a wrapper script).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from desktop.streaming.live.requests import SeenRequest
from desktop.ui.player_apps import player_app

log = logging.getLogger(__name__)

CONNECT_WITHIN = 10.0  # s for a player to start and ask (a cold VLC under a busy desktop takes a few)
FIRST_BYTES_WITHIN = 75.0  # s: the engine's first byte may take 10–60 s, and the proxy waits that long too
POLL = 0.25  # s between looks at the record
ARRIVAL_SLACK = 1.0  # s: a request that arrived just before `since` is still the player's (clock steps)

Ask = Callable[[], Awaitable[Sequence[SeenRequest]]]


@dataclass(frozen=True)
class PlayerOutcome:
    level: str  # "info" | "warning" | "error"
    title: str
    message: str


@dataclass(frozen=True)
class WatchedPlayer:
    """The player just started, as the check knows it."""

    name: str  # the program's name ("VLC"): used until its request names it
    channel: str  # the channel as a person knows it: “Sport 1”, or channel 0123abcd…
    since: float  # unix time the player was started


async def check_player(
    ask: Ask,
    player: WatchedPlayer,
    *,
    exited: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    connect_within: float | None = None,
    bytes_within: float | None = None,
) -> PlayerOutcome | None:
    """What happened to the player's request; None when there is nothing to add (the player exited at
    once and that was told, or the record could not be asked: AceTray is quitting). The waits default
    to CONNECT_WITHIN and FIRST_BYTES_WITHIN."""
    connect_within = CONNECT_WITHIN if connect_within is None else connect_within
    bytes_within = FIRST_BYTES_WITHIN if bytes_within is None else bytes_within
    started = clock()
    while True:
        try:
            requests = await ask()
        except Exception as exc:  # the core stopped meanwhile: nobody waits for this answer
            log.debug("could not ask for %s's requests: %s", player.name, exc)
            return None
        seen = _the_players(requests, player)
        if seen is not None:
            outcome = _outcome(seen, player)
            if outcome is not None:
                return outcome
        waited = clock() - started
        if seen is None and waited >= connect_within:
            if exited():
                return None  # it exited at once, and PlayerProcess said how
            return PlayerOutcome(
                "warning",
                "The player did not connect",
                f"{player.name} did not connect to AceTray within {connect_within:g} s; "
                "it may be showing an error of its own.",
            )
        if waited >= bytes_within:
            name = _name(seen, player) if seen is not None else player.name
            return PlayerOutcome(
                "warning",
                "Still waiting",
                _sentence(f"{name} is connected, but the engine has sent nothing of {player.channel} yet"),
            )
        await sleep(POLL)


def _the_players(requests: Sequence[SeenRequest], player: WatchedPlayer) -> SeenRequest | None:
    """The request that tells most about the player: one that got bytes, else the newest answered, else the newest."""
    ours = [r for r in requests if r.at >= player.since - ARRIVAL_SLACK and _is_this_computer(r.address)]
    named = [r for r in ours if player_app(r.user_agent).name == player.name]
    ours = named or ours  # the player's own user agent first, when another program asked too
    return (
        next((r for r in ours if r.bytes_sent and (r.status or 200) < 400), None)
        or next((r for r in ours if r.status is not None), None)
        or next(iter(ours), None)
    )


def _outcome(seen: SeenRequest, player: WatchedPlayer) -> PlayerOutcome | None:
    name = _name(seen, player)
    status = seen.status
    if seen.bytes_sent and (status is None or status < 400):
        return PlayerOutcome("info", "Playing", _sentence(f"{name} is playing {player.channel}"))
    reason = f": {seen.message}" if seen.message else f" (HTTP {status})"
    if status is not None and status in (400, 401, 403, 429):
        return PlayerOutcome("error", "The player was refused", f"{name} was refused{reason}")
    if status is not None and status >= 400 and status != 499:
        answer = f"AceTray answered{reason}"
        return PlayerOutcome("error", "The channel did not start", f"{name} asked for {player.channel}; {answer}")
    if not seen.open:
        return PlayerOutcome("warning", "The player gave up", f"{name} closed its connection before the first bytes.")
    return None  # connected, waiting for the channel's first bytes


def _name(seen: SeenRequest, player: WatchedPlayer) -> str:
    return player_app(seen.user_agent).name or player.name


def _sentence(text: str) -> str:
    return text if text.endswith(("…", ".")) else f"{text}."  # "channel 0123abcd…" ends one already


def _is_this_computer(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
