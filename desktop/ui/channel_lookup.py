"""What a person typed into *Copy stream link…* / *Open in player…*: a channel's name, or a link or id.

Names are looked up in the imported channels the way the Channels tab searches
them (every word anywhere, accents and case aside: `Catalog.search`), so "tele 5"
finds "Télé 5". A name that fits one channel is that channel; one that fits many
asks the person to pick from the completions, which list the names that start
with what was typed first, in natural order ("Sport 2" before "Sport 10").
"""

from __future__ import annotations

import enum
import heapq
from dataclasses import dataclass

from desktop.streaming.channels import Catalog, Channel, ChannelKey
from desktop.streaming.channels.names import fold, natural_key
from desktop.ui.links import LinkRequest

MAX_COMPLETIONS = 50
# Of the channels a short text fits (one letter fits most of 50,000), the first this many in playlist
# order are ranked: it keeps a keystroke in a huge list at a few milliseconds, and typing on narrows it.
RANKED_AT_MOST = 1000


class Verdict(enum.Enum):
    FOUND = "found"  # `key` is the channel
    HINT = "hint"  # nothing yet, or several fit: pick one (not wrong, just not done)
    WRONG = "wrong"  # no channel and no link: the message says what would do


@dataclass(frozen=True)
class Lookup:
    verdict: Verdict
    message: str
    key: ChannelKey | None = None


def lookup(text: str, catalog: Catalog, picked: Channel | None = None) -> Lookup:
    """The channel `text` names. `picked` is the completion the person chose, when `text` is still its name."""
    typed = text.strip()
    if not typed:
        return Lookup(Verdict.HINT, _ASK if len(catalog) else _ASK_FOR_LINK)
    request = LinkRequest.parse(typed)
    if request.content_id is not None:
        key = ChannelKey("id", request.content_id)
        channel = catalog.get(key) or catalog.get(ChannelKey("infohash", request.content_id))
        named = f"{channel.name} ({request.content_id})" if channel is not None and channel.name else request.content_id
        return Lookup(Verdict.FOUND, f"Channel {named}", key)
    if picked is not None and fold(picked.name) == fold(typed):
        return _found(picked)
    if not len(catalog):
        return Lookup(Verdict.WRONG, request.problem or _ASK_FOR_LINK)
    matches = [c for c in catalog.search(typed) if c.name]
    exact = [c for c in matches if fold(c.name) == fold(typed)]
    if len(exact) == 1 or (exact and len({c.key for c in exact}) == 1):
        return _found(exact[0])
    if len(exact) > 1:
        return Lookup(Verdict.HINT, f"{len(exact)} channels are called “{typed}”: pick one from the list.")
    if len(matches) == 1:
        return _found(matches[0])
    if matches:
        return Lookup(Verdict.HINT, f"“{typed}” fits {len(matches):,} channels: pick one from the list.")
    return Lookup(
        Verdict.WRONG,
        f"No channel is called “{typed}”. Type part of a name, or paste an acestream:// link or a content id.",
    )


def completions(text: str, catalog: Catalog, limit: int = MAX_COMPLETIONS) -> list[Channel]:
    """The named channels `text` fits, those whose name starts with it first, then natural order."""
    typed = text.strip()
    if not typed or LinkRequest.parse(typed).content_id is not None:
        return []
    start = fold(typed)
    first_word = start.split()[0]

    def rank(channel: Channel) -> tuple[int, list[str | int]]:
        name = fold(channel.name)
        place = 0 if name.startswith(start) else 1 if any(w.startswith(first_word) for w in name.split()) else 2
        return place, natural_key(channel.name)

    fitting = [c for c in catalog.search(typed) if c.name][:RANKED_AT_MOST]
    return heapq.nsmallest(limit, fitting, key=rank)


def describe(channel: Channel) -> str:
    """A completion as listed: the name, and the group that tells two of the same name apart."""
    return f"{channel.name}  ·  {channel.group}" if channel.group else channel.name


def _found(channel: Channel) -> Lookup:
    return Lookup(Verdict.FOUND, f"Channel {describe(channel)}", channel.key)


_ASK = "Type a channel's name, or paste an acestream:// link or a 40-character content id."
_ASK_FOR_LINK = "Paste an acestream:// link or a 40-character content id."
