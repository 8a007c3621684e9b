"""Channel logos, fetched by the core for every screen: the tray, the page, TV apps (Qt-free).

model       logo_id(text), LogoRef, Logo, LogoLimits, LogoError and its kinds
sniff       image_type(bytes): is it a picture, told from the bytes
web         fetch_logo_url: one deadline for the whole fetch, a size cap
local       read_logo_file: regular files only, never blocking on a device or a pipe
disk_cache  LogoDiskCache: the cache folder, bounded, least recently used first out
store       LogoStore: one fetch per logo, a few at once, failures remembered a while

Which logos exist at all is the channels' business (`channels.logo_index`):
a logo is fetched only when a playlist names it.
"""

from desktop.streaming.logos.disk_cache import LogoDiskCache
from desktop.streaming.logos.model import (
    Logo,
    LogoError,
    LogoLimits,
    LogoRef,
    LogosBusy,
    LogoTimeout,
    UnknownLogo,
    is_logo_id,
    logo_id,
)
from desktop.streaming.logos.sniff import image_type
from desktop.streaming.logos.store import LogoStore

__all__ = [
    "Logo",
    "LogoDiskCache",
    "LogoError",
    "LogoLimits",
    "LogoRef",
    "LogoStore",
    "LogoTimeout",
    "LogosBusy",
    "UnknownLogo",
    "image_type",
    "is_logo_id",
    "logo_id",
]
