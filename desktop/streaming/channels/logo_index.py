"""Which logos the playlists name, by id: the only logos AceTray fetches, and from where.

`/logo/<id>` and the tray ask by id; an id is found here or nowhere, so no
request can make the core fetch an address of its choosing. Where a logo may
come from depends on who named it: a web playlist's logos come only from the
web (a path in it is nobody's business on this computer), while a playlist the
person keeps as a local file may also name files — absolute, relative to its
folder, or file:// URLs. Anything else (ftp:, data:, a bare path in a web
playlist) has no id: those channels show their initials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from desktop.streaming.channels.model import Channel
from desktop.streaming.channels.sources import WEB_SCHEMES, InvalidSource, parse_source
from desktop.streaming.logos import LogoRef, logo_id

_WEB_PREFIXES = tuple(f"{scheme}://" for scheme in WEB_SCHEMES)
# "ftp:", "data:", "rtmp:"… but not a drive letter ("C:\\logos"), which is a path.
_OTHER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


@dataclass(frozen=True, eq=False)
class LogoIndex:
    # Built for every channel at each playlist change, so only cheap tests here; where a
    # file logo is exactly is worked out when it is asked for (`ref`).
    _ids: Mapping[str, str] = field(default_factory=dict)  # a logo as the playlist gives it → its id
    _named: Mapping[str, tuple[str, Path | None]] = field(default_factory=dict)  # id → (logo, local folder)

    @classmethod
    def build(cls, channels: Iterable[Channel]) -> LogoIndex:
        """The fetchable logos of `channels`; a logo any local playlist names as a file may be read."""
        ids: dict[str, str] = {}
        named: dict[str, tuple[str, Path | None]] = {}
        local_folders: dict[str, Path | None] = {}  # playlist source → its folder, None for a web playlist
        for channel in channels:
            logo = channel.logo
            if not logo or logo in ids:
                continue
            source = channel.playlist
            if source not in local_folders:
                local_folders[source] = _local_folder(source)
            folder = local_folders[source]
            if _is_web(logo):
                if _has_host(logo):
                    ids[logo] = key = logo_id(logo)
                    named[key] = (logo, None)
            elif folder is not None and _is_path(logo):  # a web playlist never names a file on this computer
                ids[logo] = key = logo_id(logo)
                named[key] = (logo, folder)
        return cls(MappingProxyType(ids), MappingProxyType(named))

    def id_for(self, logo: str) -> str | None:
        """The id of a logo a playlist names; None when AceTray does not fetch it."""
        return self._ids.get(logo)

    def ref(self, logo_id: str) -> LogoRef | None:
        """Where the logo with this id is fetched from; None when no playlist names it."""
        found = self._named.get(logo_id)
        if found is None:
            return None
        logo, folder = found
        if folder is None:
            return LogoRef(url=logo)
        try:
            return LogoRef(path=parse_source(logo, base=folder).path)
        except InvalidSource:
            return None

    def __len__(self) -> int:
        return len(self._named)


def _is_web(text: str) -> bool:
    return text[:8].lower().startswith(_WEB_PREFIXES)


def _has_host(url: str) -> bool:
    rest = url.partition("://")[2]
    return rest[:1] not in ("", "/", "?", "#")


def _is_path(text: str) -> bool:
    return text[:7].lower() == "file://" or _OTHER_SCHEME.match(text) is None


def _local_folder(source: str) -> Path | None:
    if not source or _is_web(source):
        return None
    return Path(source).parent
