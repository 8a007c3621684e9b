"""What a logo is to the core: its id in URLs, where it comes from, what came back, and why not."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_ID = re.compile(r"[0-9a-f]{32}")


def logo_id(logo: str) -> str:
    """The id of a logo as a playlist names it: `/logo/<id>` and its file in the disk cache.

    A hash, so a request can name a logo but never choose an address: the id is
    looked up among the logos the playlists name, and an id no playlist names is unknown.
    """
    return hashlib.sha256(logo.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def is_logo_id(text: str) -> bool:
    return _ID.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class LogoRef:
    """Where one logo comes from: a web address, or a file on this computer (a local playlist's only)."""

    url: str | None = None
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class Logo:
    data: bytes
    content_type: str  # what the bytes are (sniffed), never what the server said they are


@dataclass(frozen=True)
class LogoLimits:
    deadline: float = 10.0  # seconds for a whole fetch (connect, redirects, body): a trickle is cut
    connect_timeout: float = 5.0
    max_bytes: int = 1024 * 1024  # a logo bigger than this is not a logo
    max_redirects: int = 3
    parallel: int = 8  # web fetches at once; more wait for a slot (logos on disk never wait)
    file_readers: int = 2  # threads reading local files at once; one stuck on a dead mount keeps its slot
    max_waiting: int = 256  # logos asked for and not answered yet; more are refused until some are
    retry_after: float = 600.0  # a logo that failed is not fetched again for this long (seconds)
    remembered_failures: int = 4096


DEFAULT_LIMITS = LogoLimits()


class LogoError(Exception):
    """There is no logo to give; str() is a sentence for a person."""


class LogoTimeout(LogoError):
    """The fetch did not finish within its deadline."""


class UnknownLogo(LogoError):
    """No playlist names a logo with this id (or none that AceTray may fetch)."""


class LogosBusy(LogoError):
    """Too many logos are being fetched; asked again later, this one may come."""
