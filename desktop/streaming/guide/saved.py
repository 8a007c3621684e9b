"""What the person chose about the guide, kept in the config folder: `guide.json`.

The guides they added (URLs or files) and the matches they picked or cleared in
the Channels tab. Written atomically like the playlists; a broken file is put
aside and both start empty, with a sentence saying so.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.regular_files import read_regular_file
from desktop.streaming.channels.links import is_hex40
from desktop.streaming.channels.model import ChannelKey
from desktop.streaming.channels.store import write_json_atomically
from desktop.streaming.guide.match import GuideRef
from desktop.streaming.ids import parse_kind

log = logging.getLogger(__name__)

GUIDE_FILE = "guide.json"
MAX_FILE_BYTES = 16 * 1024 * 1024  # sources and picks: a few hundred bytes a channel
FORMAT = 1


@dataclass(frozen=True)
class SavedGuide:
    sources: tuple[str, ...] = ()  # added by the person, in order
    picks: dict[ChannelKey, GuideRef | None] = field(default_factory=dict)  # None: "no guide"


def load(path: Path) -> tuple[SavedGuide, str | None]:
    """What was saved, and a sentence when the file had to be put aside."""
    try:
        raw = json.loads(read_regular_file(path, MAX_FILE_BYTES).decode("utf-8"))
        return _decode(raw), None
    except FileNotFoundError:
        return SavedGuide(), None
    except OSError as exc:
        log.warning("could not read %s: %s", path, exc)
        return SavedGuide(), f"Could not read the guide settings ({exc.strerror or exc}). They start empty."
    except (ValueError, TypeError, KeyError) as exc:
        aside = path.with_name(f"{path.stem}.broken-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
        try:
            path.replace(aside)
        except OSError:
            pass
        log.warning("guide file %s is broken (%s)", path, exc)
        return SavedGuide(), f"The guide settings file was broken and was kept as {aside.name}. It starts empty."


def save(path: Path, saved: SavedGuide) -> None:
    picks = [
        [kind, content_id, ref.source if ref else None, ref.channel_id if ref else None]
        for (kind, content_id), ref in saved.picks.items()
    ]
    write_json_atomically(path, {"format": FORMAT, "sources": list(saved.sources), "picks": picks})


def _decode(raw: Any) -> SavedGuide:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError("not a guide settings file of this version")
    sources = raw.get("sources", [])
    if not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
        raise ValueError("sources is not a list of strings")
    picks: dict[ChannelKey, GuideRef | None] = {}
    for row in raw.get("picks", []):
        if not (isinstance(row, list) and len(row) == 4):
            raise ValueError("a pick is not [kind, id, source, channel]")
        kind, content_id, source, channel_id = row
        parsed_kind = parse_kind(kind) if isinstance(kind, str) else None
        if parsed_kind is None or not isinstance(content_id, str) or not is_hex40(content_id):
            raise ValueError(f"{row!r} does not name a channel")
        key = ChannelKey(parsed_kind, content_id.lower())
        if source is None and channel_id is None:
            picks[key] = None
        elif isinstance(source, str) and isinstance(channel_id, str) and channel_id:
            picks[key] = GuideRef(source, channel_id)
        else:
            raise ValueError(f"{row!r} does not name a guide channel")
    return SavedGuide(tuple(dict.fromkeys(sources)), picks)
