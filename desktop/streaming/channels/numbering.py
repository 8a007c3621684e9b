"""Channel numbers: one per channel, unique, and the same across restarts and refreshes.

TV apps list channels by number (the tuner's GuideNumber, `tvg-chno` in the
device playlist, Plex's guide mapping), so a number must not move once given:

1. a number already stored for a channel wins (a person's choice included);
2. else the playlist's own `tvg-chno` / `channel-number`, when it is a number
   (5, or 5.1 for a sub-channel) that no channel before it holds;
3. else the next free whole number, in playlist order.

A channel that leaves the playlists keeps its number in reserve, so it gets it
back when it returns (up to `MAX_RESERVED` of them, the longest gone first).
The numbers are stored in the config folder beside the playlists
(`channel_numbers.json`, written by `ChannelStore`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from desktop.streaming.channels.model import Channel, ChannelKey, elide_id
from desktop.streaming.ids import ChannelKey as Key
from desktop.streaming.ids import is_content_id, parse_kind

MAX_RESERVED = 10_000  # numbers kept for channels no playlist lists any more
FORMAT = 1
_NUMBER = re.compile(r"\A0*([1-9][0-9]{0,5})(?:\.0*([1-9][0-9]{0,5}))?\Z")


def normalize_number(text: str) -> str | None:
    """ "7", "007" → "7"; "5.1", "05.01" → "5.1"; None for anything else (0, -1, 5.0, 4a, 1.2.3)."""
    found = _NUMBER.match(text.strip())
    if found is None:
        return None
    major, minor = found.groups()
    return f"{major}.{minor}" if minor else major


def sort_key(number: str) -> tuple[int, int]:
    """Numbers in the order a remote control counts them: 2 < 5 < 5.1 < 5.2 < 10."""
    major, _, minor = number.partition(".")
    return int(major), int(minor or 0)


class NumberRefused(ValueError):
    """A number a person chose cannot be used; str() is a sentence for them."""


@dataclass(frozen=True, eq=False)
class ChannelNumbers:
    """Number by channel key: the channels listed now (playlist order) first, then the reserved ones."""

    by_key: Mapping[ChannelKey, str] = field(default_factory=lambda: MappingProxyType({}))
    _by_number: Mapping[str, ChannelKey] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    @classmethod
    def of(cls, pairs: Iterable[tuple[ChannelKey, str]]) -> ChannelNumbers:
        """From (key, number) pairs; a repeated key or number keeps its first."""
        by_key: dict[ChannelKey, str] = {}
        by_number: dict[str, ChannelKey] = {}
        for key, number in pairs:
            if key not in by_key and number not in by_number:
                by_key[key] = number
                by_number[number] = key
        return cls(MappingProxyType(by_key), MappingProxyType(by_number))

    def __len__(self) -> int:
        return len(self.by_key)

    def __eq__(self, other: object) -> bool:
        """The same numbers kept in the same order (listed channels first, then the longest gone last)."""
        if not isinstance(other, ChannelNumbers) or self.by_key != other.by_key:
            return False
        return list(self.by_key) == list(other.by_key)

    def __hash__(self) -> int:
        return hash(frozenset(self.by_key.items()))

    def number_of(self, key: ChannelKey) -> str | None:
        return self.by_key.get(key)

    def key_of(self, number: str) -> ChannelKey | None:
        """The channel holding `number` (normalised first); None when none does."""
        normal = normalize_number(number)
        return self._by_number.get(normal) if normal is not None else None

    def assigned(self, channels: Sequence[Channel]) -> ChannelNumbers:
        """The numbers for `channels` (the catalog, in playlist order), keeping every stored one.

        Runs on the core's loop at every change of the channels: each key is made once,
        and the rest is dict and set work (10,000 channels: tests/bench/bench_channels.py).
        """
        listed = [(c.key, c.chno) for c in channels]
        stored_of = self.by_key.get
        numbers: dict[ChannelKey, str] = {}
        taken: set[str] = set()
        for key, _chno in listed:  # 1. stored numbers; on a clash (a hand-edited file) the first keeps it
            stored = stored_of(key)
            if stored is not None and stored not in taken:
                numbers[key] = stored
                taken.add(stored)
        keys = {key for key, _chno in listed}
        reserved = [(k, n) for k, n in self.by_key.items() if k not in keys and n not in taken][:MAX_RESERVED]
        taken.update(n for _k, n in reserved)
        for key, chno in listed:  # 2. the playlist's own numbers, the first of a repeat wins
            if chno and key not in numbers and chno not in taken:
                numbers[key] = chno
                taken.add(chno)
        # 5.1 holds 5 too: a new channel never lands between a channel's sub-numbers.
        used = {int(n.partition(".")[0]) for n in taken}
        free = 1
        for key, _chno in listed:  # 3. the next free whole number
            if key not in numbers:
                while free in used:
                    free += 1
                numbers[key] = str(free)
                used.add(free)
        return ChannelNumbers.of([(key, numbers[key]) for key, _chno in listed] + reserved)

    def with_number(self, key: ChannelKey, text: str, channels: Mapping[ChannelKey, Channel]) -> ChannelNumbers:
        """A person gives `key` the number `text`; NumberRefused (a sentence) when it cannot be.

        `channels` are the ones listed now: a number one of them holds is refused; a
        number only a channel gone from the playlists holds in reserve is taken from it.
        """
        number = normalize_number(text)
        if number is None:
            raise NumberRefused(f"“{text.strip()}” is not a channel number: use a whole number like 7, or 5.1.")
        holder = self._by_number.get(number)
        if holder is not None and holder != key and holder in channels:
            name = channels[holder].name or elide_id(holder.content_id)
            raise NumberRefused(f"Number {number} is already {name}'s. Choose another, or change that one first.")
        pairs = [(k, number if k == key else n) for k, n in self.by_key.items() if k == key or n != number]
        if key not in self.by_key:
            pairs.insert(0, (key, number))
        return ChannelNumbers.of(pairs)


EMPTY_NUMBERS = ChannelNumbers()


def encode(numbers: ChannelNumbers) -> dict[str, Any]:
    return {"format": FORMAT, "numbers": [[k.kind, k.content_id, n] for k, n in numbers.by_key.items()]}


def decode(raw: Any) -> ChannelNumbers:
    """The stored numbers; ValueError with the reason when the file is not what AceTray writes."""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("numbers"), list):
        raise ValueError("not a channel numbers file AceTray knows")
    pairs = []
    for row in raw["numbers"]:
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) for v in row)):
            raise ValueError("a channel number is not a [kind, id, number] row")
        kind, content_id, text = row
        parsed_kind, number = parse_kind(kind), normalize_number(text)
        if parsed_kind is None or not is_content_id(content_id) or number is None:
            raise ValueError(f"{row!r} is not a channel and its number")
        pairs.append((Key(parsed_kind, content_id.lower()), number))
    return ChannelNumbers.of(pairs)


def renumber(numbers: ChannelNumbers, channels: Sequence[Channel]) -> ChannelNumbers:
    """`numbers.assigned(channels)`, or `numbers` itself when nothing moved (so no write is needed)."""
    new = numbers.assigned(channels)
    return numbers if new == numbers else new
