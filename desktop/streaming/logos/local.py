"""A local playlist's logo files: read only when they are regular files, never more than the cap.

A playlist can name any path as a logo: `/dev/ptmx`, a FIFO, `/dev/stdin`, a
tty, a folder. Opening or reading such a thing can block forever or never end,
so the path is looked at first (stat opens nothing) and only a regular file is
opened — without blocking (O_NONBLOCK: a FIFO put there meanwhile opens at
once), without becoming a controlling terminal (O_NOCTTY) — and looked at
again through the open descriptor, which no rename can change. These calls
block on the disk: the store runs them on a thread of their own.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from desktop.streaming.logos.model import LogoError

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_logo_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; LogoError (a sentence) for anything but a readable regular file within the cap."""
    try:
        _check(os.stat(path).st_mode, path)
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise LogoError(f"The logo file {path} does not exist.") from None
    except OSError as exc:
        raise LogoError(f"The logo file {path} cannot be read ({exc.strerror or exc}).") from None
    try:
        info = os.fstat(fd)
        _check(info.st_mode, path)  # the path may have been swapped between stat and open
        if info.st_size > max_bytes:
            raise LogoError(_too_large(path, max_bytes))
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise LogoError(f"The logo file {path} cannot be read ({exc.strerror or exc}).") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise LogoError(_too_large(path, max_bytes))
    return data


def _check(mode: int, path: Path) -> None:
    if stat.S_ISDIR(mode):
        raise LogoError(f"The logo {path} is a folder, not a picture.")
    if not stat.S_ISREG(mode):
        raise LogoError(f"The logo {path} is not a regular file (a device, a pipe or a socket); it is not read.")


def _too_large(path: Path, max_bytes: int) -> str:
    return f"The logo file {path} is larger than {max_bytes // 1024} KB; a logo that big is not read."
