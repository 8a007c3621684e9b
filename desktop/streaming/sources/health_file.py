"""`health.json` in the config folder: every source's last verdict, so dead links stay greyed after a restart.

Rows rather than objects (`[kind, id, state, checked_at, peers, speed_kbps,
reason]`), written atomically (a temporary file, flushed, then `os.replace`).
Verdicts are cheap to learn again, so a broken file costs only itself: a bad
row is skipped, a file that is not ours (too large, not JSON, not a regular
file) is logged and the store starts empty. The file is opened without
waiting, so a FIFO put in its place cannot hang the core.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.regular_files import read_regular_file
from desktop.streaming.channels.store import write_json_atomically
from desktop.streaming.ids import ChannelKey, is_content_id, parse_kind
from desktop.streaming.sources.health import MAX_REASON, MAX_SOURCES, STATES, SourceHealth

log = logging.getLogger(__name__)

HEALTH_FILE = "health.json"
FORMAT = 1
MAX_FILE_BYTES = MAX_SOURCES * (MAX_REASON + 160)  # the largest file the store can write

LAST_SECOND = 253_402_300_800  # 10000-01-01: later times cannot be written in ISO 8601
Entries = list[tuple[ChannelKey, SourceHealth]]


class HealthFile:
    """Where the verdicts are kept; `folder=None` means the config folder at call time."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def path(self) -> Path:
        return (self._folder if self._folder is not None else paths.config_dir()) / HEALTH_FILE

    def read(self) -> Entries:
        """The saved verdicts; none when there is no file or it is not one AceTray wrote."""
        try:
            raw = json.loads(read_regular_file(self.path, MAX_FILE_BYTES))
        except FileNotFoundError:
            return []
        except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError, JSONDecodeError are ValueErrors
            log.warning("the saved sources' health in %s is unusable (%s); starting without it", self.path, exc)
            return []
        rows = raw.get("sources") if isinstance(raw, dict) and raw.get("format") == FORMAT else None
        if not isinstance(rows, list):
            log.warning("the saved sources' health in %s is not in a known format; starting without it", self.path)
            return []
        entries = [entry for row in rows if (entry := _decode(row)) is not None]
        if len(entries) < len(rows):
            log.info("%d saved verdict(s) in %s could not be read; skipped", len(rows) - len(entries), self.path)
        return entries

    def write(self, entries: Entries) -> None:
        rows = [[k.kind, k.content_id, h.state, h.checked_at, h.peers, h.speed_kbps, h.reason] for k, h in entries]
        write_json_atomically(self.path, {"format": FORMAT, "sources": rows})  # as the channels' own files


def _decode(row: Any) -> tuple[ChannelKey, SourceHealth] | None:
    """One saved row, or None when any field is not what AceTray writes."""
    if not isinstance(row, list) or len(row) != 7:
        return None
    kind, content_id, state, checked_at, peers, speed, reason = row
    kind = parse_kind(kind) if isinstance(kind, str) else None
    if kind is None or not isinstance(content_id, str) or not is_content_id(content_id):
        return None
    if state not in STATES or state == "unknown" or not _number(checked_at):
        return None
    if not (_whole(peers) and _whole(speed) and (reason is None or isinstance(reason, str))):
        return None
    health = SourceHealth(state, float(checked_at), peers, speed, reason[:MAX_REASON] if reason else None)
    return ChannelKey(kind, content_id.lower()), health


def _number(value: Any) -> bool:
    """A time a verdict can have been given at (json reads Infinity and 1e999 too)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < LAST_SECOND


def _whole(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
