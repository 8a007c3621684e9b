"""The engine's own output: copied to a size-bounded file, and its last lines kept for messages.

The output is pumped through us rather than handed to the child as a file: that
keeps the bound exact on every OS (a child writing to a file we truncate behaves
differently on Windows) and lets a failure message quote what the engine said.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2_000_000  # per file; one older file is kept beside it
_TAIL_BYTES = 4096


class EngineOutputLog:
    """Appends to `path`, moving it to `<path>.1` when it would pass `max_bytes`."""

    def __init__(self, path: Path | None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max(1024, max_bytes)
        self._file: BinaryIO | None = None
        self._size = 0
        self._tail = bytearray()
        self._broken = path is None  # a read-only folder must not stop the engine

    def begin(self, header: str) -> None:
        """A new run: forget the last run's tail, mark the file so runs can be told apart."""
        self._tail.clear()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._write_file(f"\n--- {stamp} {header} ---\n".encode("utf-8", "replace"))

    def write(self, chunk: bytes) -> None:
        self._tail += chunk
        del self._tail[:-_TAIL_BYTES]
        self._write_file(chunk)

    def tail_lines(self, count: int = 3, width: int = 300) -> list[str]:
        """The run's last non-empty lines, for a readable failure message."""
        text = self._tail.decode("utf-8", "replace")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        return [line[:width] for line in lines if line][-count:]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write_file(self, data: bytes) -> None:
        if self._broken or self.path is None:
            return
        try:
            if self._file is None:
                self._open()
            if self._size + len(data) > self.max_bytes and self._size > 0:
                self._rotate()
            assert self._file is not None
            self._file.write(data[: self.max_bytes])
            self._file.flush()  # the file is for reading while the engine runs
            self._size += min(len(data), self.max_bytes)
        except OSError as exc:
            log.warning("Engine output is not saved to %s: %s", self.path, exc)
            self._broken = True
            self.close()

    def _open(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")  # noqa: SIM115 - kept open across writes
        self._size = self._file.tell()

    def _rotate(self) -> None:
        assert self.path is not None
        self.close()
        os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        self._open()


async def pump(stream: asyncio.StreamReader, out: EngineOutputLog) -> None:
    """Copy a child's output until it closes."""
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        out.write(chunk)
