"""Reading a file a person, a playlist or an older AceTray may have put anything in its place of.

Opening a FIFO for reading waits for a writer forever, `/dev/zero` never ends,
`/dev/ptmx` or a tty can become the process's terminal. So a file AceTray reads
is opened without blocking (O_NONBLOCK), without becoming a terminal
(O_NOCTTY), and its type is checked on the open descriptor — a rename between
a check and the open cannot swap it — before a single byte is read, and the
read stops past a size cap. One place, so every reader of settings, playlists,
guides, logos and saved state gets the same promise.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFDIR: "a folder",
    stat.S_IFSOCK: "a socket",
}


class NotARegularFile(OSError):
    """The path names a folder, a FIFO, a device or a socket: `kind` says which, in words."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.kind = kind


class FileTooLarge(OSError):
    """The file holds more than the reader's cap."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        super().__init__(f"{path} is larger than {max_bytes:,} bytes")
        self.max_bytes = max_bytes


def open_regular_file(path: Path) -> BinaryIO:
    """`path` opened for reading in binary; NotARegularFile without ever waiting on what is there.

    FileNotFoundError, PermissionError and other OSErrors come through as they are.
    """
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(path, _KINDS.get(stat.S_IFMT(mode), "not a file"))
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """All of `path`'s bytes, if it is a regular file of at most `max_bytes`; see `open_regular_file`."""
    with open_regular_file(path) as file:
        if os.fstat(file.fileno()).st_size > max_bytes:
            raise FileTooLarge(path, max_bytes)
        data = file.read(max_bytes + 1)  # it may have grown since fstat
    if len(data) > max_bytes:
        raise FileTooLarge(path, max_bytes)
    return data
