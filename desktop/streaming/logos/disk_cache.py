"""Channel logos kept on disk, bounded in size: the least recently used go first.

Plain files named by the logo's id (a hash of its address), in the cache
folder; only logos fetched from the web are kept (a local file is already on
disk). Reading touches a file's time, so the logos people look at stay and the
ones nobody asked for longest are removed when the folder grows past its bound.
Every problem (a full disk, a read-only folder) only means the logo is fetched
again. The methods block on the disk: the store calls them off the event loop.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_SUFFIX = ".logo"


class LogoDiskCache:
    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._total: int | None = None  # bytes in the folder, counted once, then kept up to date

    def path_for(self, logo_id: str) -> Path:
        return self.folder / (logo_id + _SUFFIX)

    def read(self, logo_id: str) -> bytes | None:
        path = self.path_for(logo_id)
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used: kept when the folder is trimmed
        except OSError:
            return None
        return data

    def write(self, logo_id: str, data: bytes) -> None:
        path = self.path_for(logo_id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            total = self.total()
            old = path.stat().st_size if path.exists() else 0
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except OSError:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.debug("logo %s not cached: %s", logo_id, exc)
            return
        self._total = total - old + len(data)
        if self._total > self.max_bytes:
            self.trim()

    def total(self) -> int:
        if self._total is None:
            self._total = sum(size for _path, size, _time in self._entries())
        return self._total

    def trim(self) -> None:
        """Remove the least recently used logos until the folder holds at most 3/4 of its bound."""
        entries = sorted(self._entries(), key=lambda entry: entry[2])
        total = sum(size for _path, size, _time in entries)
        target = self.max_bytes * 3 // 4
        for path, size, _time in entries:
            if total <= target:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
        self._total = total

    def _entries(self) -> list[tuple[Path, int, float]]:
        try:
            found = list(os.scandir(self.folder))
        except OSError:
            return []
        entries = []
        for entry in found:
            if not entry.name.endswith(_SUFFIX):
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            entries.append((Path(entry.path), info.st_size, info.st_mtime))
        return entries
