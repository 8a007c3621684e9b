"""Guessing the access token is slowed per address, on an injected clock: the rule, the wait, the memory."""

from __future__ import annotations

import secrets

import pytest

from desktop.streaming.http.token_guesses import FORGET_AFTER, MAX_WAIT, TokenGuesses

GUESSER = "192.168.1.66"
NEIGHBOUR = "192.168.1.20"
TOKEN = "the-right-token-24-chars"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wrong() -> str:
    return secrets.token_urlsafe(18)


def guess(guesses: TokenGuesses, address: str = GUESSER, token: str | None = None) -> float:
    """One wrong token sent: the wait before it could be judged (0: judged now, and counted)."""
    token = token or wrong()
    wait = guesses.wait(address, token)
    if wait == 0:
        guesses.judged(address, token, right=False)
    return wait


def guess_at_every_chance(guesses: TokenGuesses, clock: Clock, seconds: float) -> list[float]:
    """A patient guesser: each guess the moment it may be judged. The waits it met, in order."""
    waits = []
    end = clock.now + seconds
    while clock.now < end:
        wait = guesses.wait(GUESSER, "probe")
        if wait:
            waits.append(wait)
            clock.now += wait
        guess(guesses)
    return waits


def test_ten_wrong_tokens_in_a_minute_are_judged_at_once_then_one_a_second() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock)
    assert [guess(guesses) for _ in range(10)] == [0.0] * 10  # a person mistyping is not slowed
    assert guess(guesses) == pytest.approx(1.0)  # the 11th waits, however it comes
    assert guess(guesses) == pytest.approx(1.0)  # and nothing sent meanwhile is judged
    clock.now += 1.0
    assert guess(guesses) == 0.0  # judged once the second is up
    assert guess(guesses) == pytest.approx(1.0)


def test_ten_wrong_tokens_spread_over_more_than_a_minute_are_never_slowed() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock)
    for _ in range(100):
        assert guess(guesses) == 0.0
        clock.now += 6.7  # the first and the tenth 60.3 s apart: never ten within a minute


def test_the_wait_doubles_for_each_further_minute_of_guessing_up_to_five_minutes() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock)
    for _ in range(10):
        guess(guesses)
    waits = guess_at_every_chance(guesses, clock, 20 * 60)
    distinct = sorted({round(w) for w in waits})
    assert distinct == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert max(waits) == MAX_WAIT
    # Each wait holds for about a minute before it doubles (the long ones: one guess each).
    assert 55 <= waits.count(pytest.approx(1.0)) <= 61
    assert 28 <= waits.count(pytest.approx(2.0)) <= 31
    judged = len(waits) + 10
    assert judged < 140  # twenty minutes of guessing: ~130 tries, not 2.4 million


def test_the_right_token_from_another_address_is_never_slowed() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock)
    for _ in range(50):
        guess(guesses)
    assert guesses.wait(GUESSER, TOKEN) > 0  # the guesser's own try is not judged yet, right or wrong
    assert guesses.wait(NEIGHBOUR, TOKEN) == 0.0
    assert guess(guesses, NEIGHBOUR) == 0.0  # nor are a neighbour's own few mistakes


def test_the_right_token_clears_the_address() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock)
    for _ in range(10):
        guess(guesses)
    clock.now += 1.0
    assert guesses.wait(GUESSER, TOKEN) == 0.0
    guesses.judged(GUESSER, TOKEN, right=True)
    assert len(guesses) == 0
    assert guess(guesses) == 0.0


def test_a_device_repeating_its_old_wrong_token_is_not_guessing() -> None:
    """A TV with a link from before "New token" retries it for ever: never slowed, so the new link works at once."""
    clock = Clock()
    guesses = TokenGuesses(clock)
    old = wrong()
    for _ in range(1000):
        assert guess(guesses, token=old) == 0.0
        clock.now += 0.05
    assert guesses.wait(GUESSER, TOKEN) == 0.0
    # While slowed, a repeat is answered at once too (401: it was judged before, nothing is learnt).
    for _ in range(10):
        guess(guesses)
    repeat = wrong()
    clock.now += 1.0
    assert guess(guesses, token=repeat) == 0.0
    assert guesses.wait(GUESSER, repeat) == 0.0
    assert guesses.wait(GUESSER, wrong()) > 0


def test_an_address_that_stops_guessing_is_forgotten_after_a_quiet_hour() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock)
    for _ in range(10):
        guess(guesses)
    guess_at_every_chance(guesses, clock, 10 * 60)
    clock.now += FORGET_AFTER - 1
    assert guess(guesses) == 0.0  # its wait is long over: judged
    assert guess(guesses) > 0  # but still slowed: remembered within the hour
    clock.now += FORGET_AFTER + 1
    assert [guess(guesses) for _ in range(10)] == [0.0] * 10  # afresh


def test_a_flood_of_addresses_cannot_grow_the_memory_or_wash_out_a_slowed_guesser() -> None:
    clock = Clock()
    guesses = TokenGuesses(clock, max_addresses=256)
    for _ in range(10):
        guess(guesses)
    assert guess(guesses) > 0
    for n in range(100_000):  # one wrong token each from a hundred thousand addresses (IPv6 has plenty)
        guess(guesses, f"fd00::{n:x}")
        assert len(guesses) <= 256
    assert guesses.wait(GUESSER, wrong()) > 0  # still slowed: the fresh ones went first


def test_the_window_is_told_once_when_an_address_starts_guessing_not_for_every_address() -> None:
    clock = Clock()
    told: list[str] = []
    guesses = TokenGuesses(clock, on_slowed=told.append)
    for address in (GUESSER, NEIGHBOUR, "192.168.1.67"):
        for _ in range(11):
            guess(guesses, address)
    assert told == [GUESSER]
    clock.now += 61
    for _ in range(11):
        guess(guesses, "192.168.1.68")
    assert told == [GUESSER, "192.168.1.68"]
