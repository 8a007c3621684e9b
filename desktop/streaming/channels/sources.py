"""Where a playlist comes from: an http(s) URL or a local file, nothing else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

WEB_SCHEMES = ("http", "https")


class InvalidSource(ValueError):
    """The text cannot name a playlist; the message is a sentence for the person."""


@dataclass(frozen=True)
class Source:
    """A normalised source: exactly one of `url` and `path` is set."""

    url: str | None = None
    path: Path | None = None

    @property
    def text(self) -> str:
        """The form stored and shown: the URL as given, or the absolute path."""
        return self.url if self.url is not None else str(self.path)


def parse_source(text: str, *, base: Path | None = None) -> Source:
    """Read what a person typed or passed to `--playlist`.

    A relative path is taken from `base` (the current folder by default) and
    `~` is expanded, so the same playlist is found again at the next start;
    `file://` URLs become paths. Other schemes are refused with a sentence.
    """
    text = text.strip()
    if not text:
        raise InvalidSource("Enter a playlist address (http or https) or a file.")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidSource(f"{text} is not a valid address ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES:
        if not parts.hostname:
            raise InvalidSource(f"{text} has no host name.")
        return Source(url=text)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InvalidSource("Only files on this computer can be read (file://localhost/…).")
        return Source(path=_absolute(Path(url2pathname(unquote(parts.path))), base))
    # No scheme, or a Windows drive letter ("C:\\…" reads as scheme "c").
    if scheme and len(scheme) > 1:
        raise InvalidSource(f"Only http, https and local files can be playlists ({scheme}: addresses cannot).")
    return Source(path=_absolute(Path(text), base))


def normalize_source(text: str, *, base: Path | None = None) -> str:
    """The stored form of a source, so one playlist added twice is recognised."""
    return parse_source(text, base=base).text


def _absolute(path: Path, base: Path | None) -> Path:
    path = path.expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return Path(os.path.normpath(path))


def source_label(source: str) -> str:
    """A playlist as named in short lines (events, menus): the file's or the address's last part.

    The query is left out: playlist URLs may carry keys.
    """
    parts = urlsplit(source)
    if parts.scheme.lower() in WEB_SCHEMES:
        tail = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
        return f"{parts.hostname}/{tail}" if tail else str(parts.hostname)
    return Path(source).name or source
