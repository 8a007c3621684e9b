"""What a person decided about a channel's sources, kept across refreshes and restarts.

Grouping is automatic (`grouping.py`); these are the person's corrections, made in
the Channels tab: the order a channel tries its sources in, a source detached into
a channel of its own, a source attached to another channel. Each names sources and
channels by key (a channel by its first entry's), so a refresh that keeps those
entries keeps the choice; a choice naming entries that left the playlists is kept
too (they may come back), up to `MAX_CHOICES` of each kind, the newest kept.
Stored as `channel_sources.json` beside the playlists (`channels/store.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from desktop.streaming.ids import ChannelKey, is_content_id, parse_kind

MAX_CHOICES = 10_000  # of each kind: far more than anyone makes by hand
MAX_SOURCES = 50  # listed in one channel's order
FORMAT = 1


def _frozen(pairs: Iterable[tuple[Any, Any]]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(pairs))


@dataclass(frozen=True)
class SourceChoices:
    """Immutable: every change makes a new value (safe to hand to the window's thread)."""

    # A channel (its first entry's key) → its sources in the person's order; sources not listed follow.
    order: Mapping[ChannelKey, tuple[ChannelKey, ...]] = field(default_factory=lambda: _frozen(()))
    # Entries never grouped automatically: each is a channel of its own (unless attached somewhere).
    detached: frozenset[ChannelKey] = frozenset()
    # An entry → the channel (any of its sources' keys) it joins, last among its sources.
    attached: Mapping[ChannelKey, ChannelKey] = field(default_factory=lambda: _frozen(()))

    def __bool__(self) -> bool:
        return bool(self.order or self.detached or self.attached)

    def reordered(self, channel: ChannelKey, sources: Iterable[ChannelKey]) -> SourceChoices:
        """`channel` tries its sources in this order from now on."""
        listed = tuple(dict.fromkeys(sources))[:MAX_SOURCES]
        order = {k: v for k, v in self.order.items() if k != channel}
        order[channel] = listed  # the newest last: the oldest go first past the bound
        return SourceChoices(_bounded(order), self.detached, self.attached)

    def detach(self, source: ChannelKey) -> SourceChoices:
        """`source` becomes a channel of its own (and joins no other automatically)."""
        attached = {k: v for k, v in self.attached.items() if k != source}
        detached = _bounded_set([k for k in self.detached if k != source] + [source])
        return SourceChoices(self.order, detached, _frozen(attached.items()))

    def attach(self, source: ChannelKey, channel: ChannelKey) -> SourceChoices:
        """`source` joins `channel` (a key of any of its sources), after its other sources."""
        attached = {k: v for k, v in self.attached.items() if k != source}
        attached[source] = channel
        detached = frozenset(k for k in self.detached if k != source)
        return SourceChoices(self.order, detached, _bounded(attached))


NO_CHOICES = SourceChoices()


def _bounded(mapping: dict[ChannelKey, Any]) -> Mapping[ChannelKey, Any]:
    items = list(mapping.items())[-MAX_CHOICES:]
    return _frozen(items)


def _bounded_set(keys: list[ChannelKey]) -> frozenset[ChannelKey]:
    return frozenset(keys[-MAX_CHOICES:])


# -- the file ---------------------------------------------------------------------------------


def encode(choices: SourceChoices) -> dict[str, Any]:
    """Rows of [kind, id]: the file is small and read at every start."""

    def row(key: ChannelKey) -> list[str]:
        return [key.kind, key.content_id]

    return {
        "format": FORMAT,
        "order": [[row(channel), [row(s) for s in sources]] for channel, sources in choices.order.items()],
        "detached": [row(key) for key in sorted(choices.detached)],
        "attached": [[row(source), row(channel)] for source, channel in choices.attached.items()],
    }


def decode(raw: Any) -> SourceChoices:
    """The stored choices; ValueError with the reason when the file is not what AceTray writes."""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError("not a channel sources file AceTray knows")
    order_rows, detached_rows, attached_rows = (_list(raw.get(n, []), n) for n in ("order", "detached", "attached"))
    order: dict[ChannelKey, tuple[ChannelKey, ...]] = {}
    for row in order_rows:
        if not (isinstance(row, list) and len(row) == 2):
            raise ValueError("an order is not a channel and its sources")
        order[_key(row[0])] = tuple(_key(s) for s in _list(row[1], "an order's sources"))[:MAX_SOURCES]
    detached = [_key(row) for row in detached_rows]
    attached: dict[ChannelKey, ChannelKey] = {}
    for row in attached_rows:
        if not (isinstance(row, list) and len(row) == 2):
            raise ValueError("an attached source is not a source and its channel")
        attached[_key(row[0])] = _key(row[1])
    return SourceChoices(_bounded(order), _bounded_set(detached), _bounded(attached))


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


def _key(row: Any) -> ChannelKey:
    if not (isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row)):
        raise ValueError(f"{row!r} is not a [kind, id] pair")
    kind = parse_kind(row[0])
    if kind is None or not is_content_id(row[1]):
        raise ValueError(f"{row!r} is not a source")
    return ChannelKey(kind, row[1].lower())
