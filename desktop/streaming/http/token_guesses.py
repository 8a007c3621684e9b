"""Wrong access tokens, slowed per address: guessing the LAN token takes years, not minutes.

Without this, one address could try ~2,000 tokens a second (tests/bench/bench_token_guess.py).
Only a wrong token is a guess: a request without one is a plain 401, and a
device repeating the same wrong token (a TV with a link from before "New token")
learns nothing new, so it never counts twice and never locks its address out
once it is given the new link.

The rule, per address:

- the first `FREE_GUESSES` wrong tokens in `WINDOW` are judged at once (a person mistyping);
- after that its guesses are judged at most one per `FIRST_WAIT`, however many
  connections it opens; a request that comes sooner is not judged at all (429 with
  Retry-After), the right token included — judging it would answer the guess;
- the wait doubles for each further minute of guessing, up to `MAX_WAIT`;
- the right token clears the address; an address that stops guessing for
  `FORGET_AFTER` starts afresh.

Other addresses are never slowed by it. Memory is bounded: at most `MAX_ADDRESSES`
addresses are remembered, each with a few floats and `KNOWN_WRONG` short digests
(never a token itself); when full, the oldest address that is not yet slowed goes
first, so a flood of fresh addresses cannot wash out the ones being slowed.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable

FREE_GUESSES = 10  # wrong tokens an address may send within WINDOW before it is slowed
WINDOW = 60.0  # s
FIRST_WAIT = 1.0  # s between judged guesses once slowed
DOUBLING = 60.0  # s of guessing after which the wait doubles
MAX_WAIT = 300.0  # s
FORGET_AFTER = 3600.0  # s without a new guess: the address starts afresh
MAX_ADDRESSES = 4096
KNOWN_WRONG = 4  # an address's latest wrong tokens, as digests: sending one again is not a new guess


class _Guesser:
    """One address's recent guesses (mutable, owned by TokenGuesses alone)."""

    __slots__ = ("known", "last", "minute_began", "minutes", "next_judgement", "recent", "slowed")

    def __init__(self) -> None:
        self.recent: deque[float] = deque(maxlen=FREE_GUESSES)  # when its latest guesses came
        self.known: deque[bytes] = deque(maxlen=KNOWN_WRONG)
        self.slowed = False
        self.minutes = 0  # minutes of guessing since it was slowed: the wait is FIRST_WAIT * 2**minutes
        self.minute_began = 0.0
        self.next_judgement = 0.0
        self.last = 0.0


def slowed_sentence(address: str) -> str:
    """What the window's events say when an address starts being slowed."""
    return (
        f"The device at {address} sent many wrong access tokens: its tries are slowed. "
        "If it is yours, give it a link from Share with devices."
    )


class TokenGuesses:
    """Which addresses are guessing the access token, and how long each must wait for its next judgement."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_addresses: int = MAX_ADDRESSES,
        on_slowed: Callable[[str], None] | None = None,
    ) -> None:
        self._clock = clock
        self._max = max_addresses
        self._on_slowed = on_slowed  # told when an address starts being slowed (the window's events)
        self._told_at: float | None = None  # a flood of addresses is told once a WINDOW, not once each
        self._key = secrets.token_bytes(16)  # digests of wrong tokens mean nothing outside this run
        # Oldest guess first in each; slowed addresses are kept apart so eviction spares them.
        self._watched: OrderedDict[str, _Guesser] = OrderedDict()
        self._slowed: OrderedDict[str, _Guesser] = OrderedDict()

    def __len__(self) -> int:
        return len(self._watched) + len(self._slowed)

    def wait(self, address: str, token: str) -> float:
        """Seconds before `token` from `address` may be judged; 0.0: judge it now."""
        guesser = self._find(address)
        if guesser is None or not guesser.slowed or self._digest(token) in guesser.known:
            return 0.0
        return max(0.0, guesser.next_judgement - self._clock())

    def judged(self, address: str, token: str, right: bool) -> None:
        """After judging `token` from `address`: a new wrong one is a guess; the right one clears the address."""
        if right:
            self._watched.pop(address, None)
            self._slowed.pop(address, None)
            return
        digest = self._digest(token)
        guesser = self._find(address)
        if guesser is not None and digest in guesser.known:
            return  # the same wrong token again: nothing new was tried
        if guesser is None:
            guesser = self._add(address)
        now = self._clock()
        guesser.known.append(digest)
        guesser.recent.append(now)
        guesser.last = now
        if guesser.slowed:
            if now - guesser.minute_began >= DOUBLING:
                guesser.minutes += 1
                guesser.minute_began = now
            guesser.next_judgement = now + min(FIRST_WAIT * 2**guesser.minutes, MAX_WAIT)
            self._slowed.move_to_end(address)
        elif len(guesser.recent) == FREE_GUESSES and now - guesser.recent[0] <= WINDOW:
            guesser.slowed = True
            guesser.minute_began = now
            guesser.next_judgement = now + FIRST_WAIT
            del self._watched[address]
            self._slowed[address] = guesser
            if self._on_slowed is not None and (self._told_at is None or now - self._told_at >= WINDOW):
                self._told_at = now
                self._on_slowed(address)
        else:
            self._watched.move_to_end(address)

    # -- bookkeeping -------------------------------------------------------------------
    def _digest(self, token: str) -> bytes:
        return hashlib.blake2b(token.encode("utf-8", "replace"), digest_size=8, key=self._key).digest()

    def _find(self, address: str) -> _Guesser | None:
        self._forget_old()
        return self._slowed.get(address) or self._watched.get(address)

    def _forget_old(self) -> None:
        now = self._clock()
        # A watched address whose guesses are all older than the window has nothing left to count.
        while self._watched and now - next(iter(self._watched.values())).last > WINDOW:
            self._watched.popitem(last=False)
        while self._slowed and now - next(iter(self._slowed.values())).last > FORGET_AFTER:
            self._slowed.popitem(last=False)

    def _add(self, address: str) -> _Guesser:
        if len(self) >= self._max:
            (self._watched if self._watched else self._slowed).popitem(last=False)
        guesser = self._watched[address] = _Guesser()
        return guesser
