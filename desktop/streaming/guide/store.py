"""Each guide's last good copy on disk, one SQLite file per source, read a channel at a time.

A guide is parsed once, when it is fetched, into `<folder>/<source hash>-<n>.sqlite`:
its channels (id, display names, icon) and its programmes (channel, start, stop,
and the kept XML ready to write back), indexed by channel. So the copy serves
offline and at the next start without parsing again, `/epg.xml` reads only the
channels AceTray lists, and a new match in the Channels tab needs no new download.

A new copy is written under a new name and the old one removed after (a reader
may still have it open; on Windows it goes at the next start instead), so a
reader never sees half a file and a failed fetch or parse leaves the last good
copy as it was. Everything here blocks: the host runs it on its own threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.streaming.guide.match import GuideChannel
from desktop.streaming.guide.parse import GuideReader

log = logging.getLogger(__name__)

FORMAT = 1  # bumped when the tables change; an older copy is then fetched again
KEEP_PAST = 24 * 3600  # programmes that ended longer ago than this before the fetch are not kept
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value);
CREATE TABLE channels (n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, names TEXT NOT NULL, icon TEXT NOT NULL,
                       listed INTEGER NOT NULL);
CREATE TABLE programmes (channel INTEGER NOT NULL, start INTEGER NOT NULL, stop INTEGER, body BLOB NOT NULL);
"""
_NAMES_SEPARATOR = "\n"  # display names are single lines (whitespace is collapsed when read)


@dataclass(frozen=True)
class StoredGuide:
    """What one good copy holds: its channels, and counts for the person."""

    source: str
    path: Path
    fetched_at: float
    channels: tuple[GuideChannel, ...]
    programmes: int
    skipped: int


class GuideStore:
    """The folder of guide copies (the cache folder's `guide/`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def build(self, source: str, reader: GuideReader, *, now: float | None = None) -> StoredGuide:
        """Write a new copy of `source` from the guide `reader` reads and make it the current one.

        Raises what reading raises (GuideError) with the old copy untouched.
        """
        now = time.time() if now is None else now
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{_stem(source)}-{time.time_ns()}.sqlite"
        building = final.with_suffix(".building")
        try:
            programmes, skipped_count = _write(building, source, reader, now)
            os.replace(building, final)
        except BaseException:
            with contextlib.suppress(OSError):
                building.unlink()
            raise
        self._remove_older(source, keep=final)
        stored = self.load(source)
        assert stored is not None and stored.programmes == programmes
        log.info(
            "guide %s: %d channels, %d programmes kept, %d skipped",
            _stem(source),
            len(stored.channels),
            programmes,
            skipped_count,
        )
        return stored

    def load(self, source: str) -> StoredGuide | None:
        """The current copy of `source`; None when there is none (or it is unreadable: then it is removed)."""
        path = self._current(source)
        if path is None:
            return None
        try:
            with contextlib.closing(_connect(path, read_only=True)) as db:
                meta = dict(db.execute("SELECT key, value FROM meta"))
                if meta.get("format") != FORMAT or meta.get("source") != source:
                    raise sqlite3.DatabaseError(f"format {meta.get('format')!r}")
                rows = db.execute("SELECT id, names, icon FROM channels WHERE listed ORDER BY n").fetchall()
                channels = tuple(
                    GuideChannel(source, i, tuple(n.split(_NAMES_SEPARATOR)) if n else (), c) for i, n, c in rows
                )
                return StoredGuide(
                    source, path, float(meta["fetched_at"]), channels, int(meta["programmes"]), int(meta["skipped"])
                )
        except (sqlite3.Error, KeyError, ValueError, TypeError) as exc:
            log.warning("guide copy %s is unreadable (%s); it is removed", path.name, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def download_path(self, source: str) -> Path:
        """Where a download of `source` is written before it is read."""
        return self.folder / f"{_stem(source)}-{time.time_ns()}.download"

    def remove(self, source: str) -> None:
        self._remove_older(source, keep=None)

    def remove_leftovers(self, older_than: float = 3600.0) -> None:
        """Half-written copies and downloads of runs that ended: an hour old (another process
        sharing the folder, the tray and `acetray serve`, may be writing one now)."""
        now = time.time()
        for path in [*self.folder.glob("*.building"), *self.folder.glob("*.download")]:
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > older_than:
                    path.unlink()

    def tidy(self, sources: Iterable[str]) -> None:
        """Remove copies of guides no longer used, and older copies; never a fetch under way."""
        wanted = {_stem(s) for s in sources}
        for path in self.folder.glob("*.sqlite"):
            if path.name.split("-", 1)[0] not in wanted:
                with contextlib.suppress(OSError):
                    path.unlink()
        for source in sources:
            current = self._current(source)
            if current is not None:
                self._remove_older(source, keep=current)

    def _copies(self, source: str) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob(f"{_stem(source)}-*.sqlite"), key=_generation)

    def _current(self, source: str) -> Path | None:
        copies = self._copies(source)
        return copies[-1] if copies else None

    def _remove_older(self, source: str, keep: Path | None) -> None:
        for path in self._copies(source):
            if path != keep:
                with contextlib.suppress(OSError):  # Windows: a reader still has it open
                    path.unlink()


def read_programmes(db: sqlite3.Connection, channel_id: str, since: int) -> Iterator[tuple[int, int | None, bytes]]:
    """(start, stop, body) of one channel from `since` on, in time order."""
    return db.execute(
        "SELECT p.start, p.stop, p.body FROM programmes p JOIN channels c ON p.channel = c.n "
        "WHERE c.id = ? AND p.start >= ? ORDER BY p.start",
        (channel_id, since),
    )


def open_copy(path: Path) -> sqlite3.Connection:
    return _connect(path, read_only=True)


def _write(path: Path, source: str, reader: GuideReader, now: float) -> tuple[int, int]:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    db = _connect(path, read_only=False)
    try:
        # A file nobody reads until it is renamed: no journal, no waiting for the disk per
        # statement; one fsync at the end makes it whole before the rename publishes it.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        numbers: dict[str, int] = {}
        listed: list[tuple[int, str, str, str]] = []
        cutoff = int(now) - KEEP_PAST

        def number(channel_id: str) -> int:
            n = numbers.get(channel_id)
            if n is None:
                n = numbers[channel_id] = len(numbers) + 1
            return n

        def programmes() -> Iterator[tuple[int, int, int | None, bytes]]:
            for record in reader:
                if isinstance(record, GuideChannel):
                    listed.append((number(record.id), record.id, _NAMES_SEPARATOR.join(record.names), record.icon))
                elif (record.stop if record.stop is not None else record.start) >= cutoff:
                    yield number(record.channel), record.start, record.stop, record.body

        db.execute("BEGIN")
        count = db.executemany("INSERT INTO programmes VALUES (?, ?, ?, ?)", programmes()).rowcount
        seen: set[str] = set()
        rows = []
        for n, channel_id, names, icon in listed:
            if channel_id not in seen:  # a repeated <channel> keeps its first entry
                seen.add(channel_id)
                rows.append((n, channel_id, names, icon, 1))
        rows.extend((n, i, "", "", 0) for i, n in numbers.items() if i not in seen)  # programmes' ids only
        db.executemany("INSERT INTO channels VALUES (?, ?, ?, ?, ?)", rows)
        db.execute("CREATE INDEX programmes_by_channel ON programmes (channel, start)")
        skipped_count = reader.skipped
        meta = {"format": FORMAT, "source": source, "fetched_at": now, "programmes": count, "skipped": skipped_count}
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.commit()
    finally:
        db.close()
    with open(path, "rb") as written:
        os.fsync(written.fileno())
    return count, skipped_count


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    return sqlite3.connect(path, isolation_level=None)


def _stem(source: str) -> str:
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


def _generation(path: Path) -> int:
    try:
        return int(path.stem.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return -1
