"""Playlist entries into channels: the entries of one channel become its sources.

Playlists list the same channel several times (an HD and an SD link, a
"(backup)", the same match from two providers). Entries become one channel when

- they have the same `tvg-id` (compared without case), or
- they have the same name after `channels.names.normalize_name` (case, accents,
  punctuation, a country tag and quality words such as HD or backup do not
  count; a timeshift like "+1" does) and at most one of them has a `tvg-id`:
  an entry without one joins the first channel of its name; one with a
  `tvg-id` joins a channel of its name only while that channel has none.

`group-title` does not keep entries apart. A channel is one of its entries (its
name, group, logo, number and guide id): the first, unless another of them was
the channel before (`was`: the keys that held channel numbers, oldest first),
so a playlist that lists a channel's entries in a new order moves neither its
number nor its guide. Its sources are its entries, first seen first, unless
the person ordered them (`choices.py`), detached one into a channel of its own
or attached one to another channel.

This runs whenever a playlist changes, on the core's loop: dict work only.
The names are normalised beforehand, off the loop (`name_keys`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from desktop.streaming.channels.model import Channel
from desktop.streaming.channels.names import normalize_name
from desktop.streaming.channels.source_choices import NO_CHOICES, SourceChoices
from desktop.streaming.ids import ChannelKey


def name_keys(channels: Iterable[Channel]) -> tuple[str, ...]:
    """Each entry's name as grouping compares it (~5-20 µs each: run it off the core's loop)."""
    return tuple(normalize_name(c.name) for c in channels)


@dataclass(frozen=True, eq=False)
class Grouping:
    """The channels (each one of its entries, in playlist order) and, where there are several, their sources."""

    # Each channel by its own key, in playlist order.
    by_key: Mapping[ChannelKey, Channel] = field(default_factory=lambda: MappingProxyType({}))
    # A channel's key → its entries in the order they are tried; only channels with more
    # than one (or a person's order): any other channel's one source is itself.
    sources: Mapping[ChannelKey, tuple[Channel, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Every entry that is not its channel's own → that channel.
    channel_of: Mapping[ChannelKey, Channel] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(self.by_key.values())


def group(
    entries: Mapping[ChannelKey, tuple[Channel, str]],
    choices: SourceChoices = NO_CHOICES,
    was: Iterable[ChannelKey] = (),
) -> Grouping:
    """Group `entries` (every playlist's, in order, by key: the entry and its `name_keys` name).

    `was`: keys that were channels before, in the order they were (the channel numbers' keys).
    """
    groups: list[list[ChannelKey]] = []
    tvg_of_group: list[str] = []  # each group's tvg-id, "" while it has none
    group_of_tvg: dict[str, int] = {}
    group_of_name: dict[str, int] = {}  # a name → the first group of that name
    deferred: list[ChannelKey] = []  # attached by the person: placed once every group is known
    attached, detached = choices.attached, choices.detached
    for key, (entry, name) in entries.items():
        if attached and key in attached:
            deferred.append(key)
            continue
        tvg = entry.tvg_id
        if tvg:
            tvg = tvg.strip().casefold()
        if detached and key in detached:
            groups.append([key])
            tvg_of_group.append(tvg)
            continue
        index = group_of_tvg.get(tvg) if tvg else None
        if index is None and name:
            candidate = group_of_name.get(name)
            if candidate is not None and not (tvg and tvg_of_group[candidate]):
                index = candidate
                if tvg:  # the channel of this name takes the tvg-id of the first entry that has one
                    tvg_of_group[candidate] = tvg
                    group_of_tvg[tvg] = candidate
        if index is not None:
            groups[index].append(key)
            continue
        index = len(groups)
        groups.append([key])
        tvg_of_group.append(tvg)
        if tvg:
            group_of_tvg[tvg] = index
        if name:
            group_of_name.setdefault(name, index)
    if deferred:
        _attach(groups, deferred, attached)
    return _result(groups, entries, choices.order, was)


def _attach(
    groups: list[list[ChannelKey]], deferred: list[ChannelKey], attached: Mapping[ChannelKey, ChannelKey]
) -> None:
    """Each entry the person attached goes last into its channel; one whose channel is gone stands alone."""
    group_of_key = {key: index for index, members in enumerate(groups) for key in members}
    for key in deferred:
        index = group_of_key.get(attached[key])
        if index is None:
            index = len(groups)
            groups.append([key])
        else:
            groups[index].append(key)
        group_of_key[key] = index


def _result(
    groups: list[list[ChannelKey]],
    entries: Mapping[ChannelKey, tuple[Channel, str]],
    order: Mapping[ChannelKey, tuple[ChannelKey, ...]],
    was: Iterable[ChannelKey],
) -> Grouping:
    by_key: dict[ChannelKey, Channel] = {}
    sources: dict[ChannelKey, tuple[Channel, ...]] = {}
    channel_of: dict[ChannelKey, Channel] = {}
    rank: dict[ChannelKey, int] | None = None  # made at the first channel with several entries
    for members in groups:
        if len(members) == 1 and not (order and members[0] in order):
            key = members[0]
            by_key[key] = entries[key][0]
            continue
        if rank is None:
            rank = {key: n for n, key in enumerate(was)}
        own = min(members, key=lambda key: rank.get(key, len(rank)))  # the first of equals
        channel = entries[own][0]
        by_key[own] = channel
        for key in members:
            if key != own:
                channel_of[key] = channel
        wanted = next((order[key] for key in members if key in order), None) if order else None
        ordered = _ordered(members, wanted) if wanted else members
        sources[own] = tuple(entries[key][0] for key in ordered)
    return Grouping(MappingProxyType(by_key), MappingProxyType(sources), MappingProxyType(channel_of))


def _ordered(members: list[ChannelKey], wanted: tuple[ChannelKey, ...]) -> list[ChannelKey]:
    """The person's order first, then any source they did not list (it joined since), as found."""
    rank = {key: n for n, key in enumerate(wanted)}
    return sorted(members, key=lambda key: rank.get(key, len(rank)))
