"""A local playlist's logo files: read only when they are regular files, never more than the cap.

A playlist can name any path as a logo: `/dev/ptmx`, a FIFO, `/dev/stdin`, a
tty, a folder. `desktop.regular_files` opens nothing but a regular file and
never waits on what is there. These calls block on the disk: the store runs
them on a thread of their own.
"""

from __future__ import annotations

from pathlib import Path

from desktop.regular_files import FileTooLarge, NotARegularFile, read_regular_file
from desktop.streaming.logos.model import LogoError


def read_logo_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; LogoError (a sentence) for anything but a readable regular file within the cap."""
    try:
        return read_regular_file(path, max_bytes)
    except FileNotFoundError:
        raise LogoError(f"The logo file {path} does not exist.") from None
    except NotARegularFile as exc:
        if exc.kind == "a folder":
            raise LogoError(f"The logo {path} is a folder, not a picture.") from None
        raise LogoError(f"The logo {path} is not a regular file ({exc.kind}); it is not read.") from None
    except FileTooLarge:
        raise LogoError(
            f"The logo file {path} is larger than {max_bytes // 1024} KB; a logo that big is not read."
        ) from None
    except OSError as exc:
        raise LogoError(f"The logo file {path} cannot be read ({exc.strerror or exc}).") from None
