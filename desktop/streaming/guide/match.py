"""Which guide channel is which AceTray channel: the person's pick, then tvg-id, then the name.

In this order, the first that answers wins:

1. a pick the person made in the Channels tab (a guide channel, or "no guide");
2. the channel's `tvg-id` against the guides' channel ids (case aside);
3. its name against the guides' display names, both through `normalize_name`:
   equal names first, then the most similar name scoring at least
   `SIMILARITY_THRESHOLD` (rapidfuzz's `ratio`, 0–100) among the names that carry
   the same numbers — "Sport 2" is never compared with "Sport 1", nor "BBC One +1"
   with "BBC One". tests/guide/test_match_table.py holds the table of real-world
   name pairs the threshold was chosen with.

Guides are tried in their order (the playlists' own first), so when two guides
know a channel the first one gives it. Pure functions over plain values: the
host runs them off the loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from desktop.streaming.channels.model import Channel, ChannelKey
from desktop.streaming.channels.names import normalize_name, number_words

# Between the table's closest near miss and its furthest spelling variant: "National
# Geographic Wild" / "National Geographic" scores 88.4 and must not match; "Fox Sport" /
# "Fox Sports" scores 94.7 and must ("Tele Deporte" / "Teledeporte" and "Euro Sport 1" /
# "Eurosport 1" 95.7). Short names are held to equality (`SHORT_NAME`): one letter is a
# big share of six, and "Cinema" / "Cinemax" scores 92.3.
SIMILARITY_THRESHOLD = 90.0
SHORT_NAME = 8  # characters; shorter normalised names match only when equal


@dataclass(frozen=True)
class GuideRef:
    """One channel of one guide: the guide's source and the channel's id in it."""

    source: str
    channel_id: str


@dataclass(frozen=True)
class GuideChannel:
    """A guide's `<channel>`: its id, display names and icon, and the guide it comes from."""

    source: str
    id: str
    names: tuple[str, ...]
    icon: str = ""

    @property
    def ref(self) -> GuideRef:
        return GuideRef(self.source, self.id)

    @property
    def title(self) -> str:
        return self.names[0] if self.names else self.id


@dataclass(frozen=True)
class Match:
    """Where a channel's programmes come from and why; `ref` None: the person chose no guide."""

    ref: GuideRef | None
    how: str  # "picked", "tvg-id", "name", "similar name"


NO_GUIDE = Match(None, "picked")


class NameIndex:
    """The guides' channels, looked up by id, by normalised name, and by similar name."""

    def __init__(self, guide_channels: Iterable[GuideChannel]) -> None:
        self.by_ref: dict[GuideRef, GuideChannel] = {}
        self._by_id: dict[str, GuideRef] = {}
        self._by_name: dict[str, GuideRef] = {}
        # Normalised names by the numbers they hold: a fuzzy search looks only among names
        # with the same numbers, which also makes it a fraction of a search over all.
        self._similar: dict[frozenset[str], tuple[list[str], list[GuideRef]]] = {}
        for channel in guide_channels:
            ref = channel.ref
            self.by_ref.setdefault(ref, channel)
            self._by_id.setdefault(channel.id.casefold(), ref)
            for name in channel.names:
                normal = normalize_name(name)
                if normal and normal not in self._by_name:
                    self._by_name[normal] = ref
                    names, refs = self._similar.setdefault(number_words(normal), ([], []))
                    names.append(normal)
                    refs.append(ref)

    def by_tvg_id(self, tvg_id: str) -> GuideRef | None:
        return self._by_id.get(tvg_id.strip().casefold()) if tvg_id.strip() else None

    def by_name(self, name: str) -> Match | None:
        normal = normalize_name(name)
        if not normal:
            return None
        exact = self._by_name.get(normal)
        if exact is not None:
            return Match(exact, "name")
        if len(normal) < SHORT_NAME:
            return None
        group = self._similar.get(number_words(normal))
        if group is None:
            return None
        names, refs = group
        best = process.extractOne(normal, names, scorer=fuzz.ratio, score_cutoff=SIMILARITY_THRESHOLD)
        if best is None:
            return None
        _name, _score, position = best
        if len(names[position]) < SHORT_NAME:
            return None
        return Match(refs[position], "similar name")


def match_channels(
    channels: Sequence[Channel],
    index: NameIndex,
    picks: Mapping[ChannelKey, GuideRef | None] | None = None,
) -> dict[ChannelKey, Match]:
    """Each channel's match; a channel no guide knows is left out (it gets placeholders)."""
    picks = picks or {}
    matches: dict[ChannelKey, Match] = {}
    for channel in channels:
        key = channel.key
        if key in picks:
            picked = picks[key]
            if picked is None:
                matches[key] = NO_GUIDE
                continue
            found = _picked(index, picked)
            if found is not None:
                matches[key] = Match(found, "picked")
                continue
            # The picked guide channel is in no guide now (a guide removed or not yet
            # fetched): the channel matches as if unpicked, and the pick stays stored.
        ref = index.by_tvg_id(channel.tvg_id)
        if ref is not None:
            matches[key] = Match(ref, "tvg-id")
            continue
        by_name = index.by_name(channel.name)
        if by_name is not None:
            matches[key] = by_name
    return matches


def match_all(
    channels: Sequence[Channel], guide_channels: Sequence[GuideChannel], picks: Mapping[ChannelKey, GuideRef | None]
) -> dict[ChannelKey, Match]:
    """`match_channels` against the guides' channels (first guide first), in one call for a thread."""
    return match_channels(channels, NameIndex(guide_channels), picks)


def _picked(index: NameIndex, picked: GuideRef) -> GuideRef | None:
    if picked in index.by_ref:
        return picked
    # The same channel id from another guide (its source moved or was renamed).
    return index.by_tvg_id(picked.channel_id)
