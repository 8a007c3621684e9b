"""Which of a player's query parameters may reach the engine: an allow-list of harmless preferences.

The engine's getstream takes parameters that change what it fetches or who
it thinks is asking (`direct_url` plays any URL, `sid`, `product_key`,
`provider`, `debug_options`, `force_session_restart`, ...). A player (or a
web page, or a neighbour) must never reach those through the proxy, so only
the names below pass, each with a value of the expected shape; everything
else is dropped. They are used only when a channel's session starts, so a
later player's parameters never change a running session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_SWITCH = frozenset({"0", "1"})
# ISO 639 codes ("en", "eng", "rus"), optionally with a region ("pt-BR").
_LANGUAGE = re.compile(r"\A[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?\Z")


def _is_switch(value: str) -> bool:
    return value in _SWITCH


def _is_language(value: str) -> bool:
    return bool(_LANGUAGE.match(value))


FORWARDED: dict[str, Callable[[str], bool]] = {
    "transcode_audio": _is_switch,
    "transcode_mp3": _is_switch,
    "transcode_ac3": _is_switch,
    "preferred_audio_language": _is_language,
}
# Accepted from players and ignored without a word: the proxy sets them itself
# (`pid`: IPTV apps and playlists add one; the engine gets the proxy's own).
IGNORED = frozenset({"pid", "format"})


@dataclass(frozen=True)
class EngineParams:
    forwarded: dict[str, str]  # what the engine gets at session start
    dropped: tuple[str, ...]  # names refused (for a debug line; shortened, at most a few)


def engine_params(pairs: Iterable[tuple[str, str]], selectors: Iterable[str]) -> EngineParams:
    """Split a query's (name, value) pairs into what the engine may see and what is dropped."""
    skip = IGNORED | frozenset(selectors)
    forwarded: dict[str, str] = {}
    dropped: list[str] = []
    seen: set[str] = set()
    for name, value in pairs:
        if name in skip:
            continue
        check = FORWARDED.get(name)
        if check is None or name in seen or not check(value):
            # Unknown, repeated (which one would the engine take?) or of the wrong shape.
            forwarded.pop(name, None)
            if len(dropped) < 8:
                dropped.append(name[:40])
        else:
            forwarded[name] = value
        seen.add(name)
    return EngineParams(forwarded, tuple(dropped))
