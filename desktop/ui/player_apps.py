"""Which app a player is, from its user agent: "VLC 3.0.21", "Kodi 20.2", "Safari on iPhone".

A person knows their players by name, not by "Mozilla/5.0 (iPhone; CPU iPhone
OS 17_1 like Mac OS X) AppleWebKit/…". The rules are checked in order, the
more particular first: Edge and Opera also say "Chrome", Chrome also says
"Safari", apps built on VLC or ffmpeg say so after their own name. An agent
no rule knows is named by its first product token ("SuperPlayer/2.1" →
"SuperPlayer 2.1"); the raw string is always one tooltip away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = r"(\d+(?:\.\d+){0,2})"


@dataclass(frozen=True)
class PlayerApp:
    name: str  # "VLC", "Chrome", "TiviMate"; "" when the player sent no user agent
    version: str = ""
    device: str = ""  # for a browser or a TV: "iPhone", "Android", "LG TV"…

    @property
    def label(self) -> str:
        """What the players table shows: "VLC 3.0.21", "Safari on iPhone", "(unknown)"."""
        if not self.name:
            return "(unknown)"
        text = f"{self.name} {self.version}" if self.version else self.name
        return f"{text} on {self.device}" if self.device else text


# (pattern, name): a pattern's first group, when it has one, is the version.
_PLAYERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"\bTiviMate/" + _VERSION, "TiviMate"),
        (r"\bKodi/" + r"(\d+(?:\.\d+)?)", "Kodi"),
        (r"\bXBMC\b", "Kodi"),
        (r"\bPlex(?:MediaServer| Media Server)?\b", "Plex"),
        (r"\bJellyfin", "Jellyfin"),
        (r"\bEmby", "Emby"),
        (r"\bChannels ?DVR|\bgetchannels", "Channels DVR"),
        (r"\bHDHomeRun", "HDHomeRun app"),
        (r"\bOTT ?Navigator", "OTT Navigator"),
        (r"\bIPTV ?Smarters", "IPTV Smarters"),
        (r"\bPerfect ?Player", "Perfect Player"),
        (r"\bTelevizo", "Televizo"),
        (r"\bSparkle", "Sparkle TV"),
        (r"\bInfuse\b", "Infuse"),
        (r"\bEnigma2", "Enigma2"),
        (r"\bVLC/" + _VERSION, "VLC"),
        (r"\bLibVLC/" + _VERSION, "VLC"),
        (r"^(?:lib)?mpv(?:[ /]" + _VERSION + ")?", "mpv"),
        (r"\bffplay\b", "ffplay"),
        (r"\bLavf/" + r"(\d+(?:\.\d+)?)", "ffmpeg"),
        (r"\bGStreamer\b", "GStreamer"),
        (r"\bExoPlayer", "ExoPlayer (an Android app)"),
        (r"\bstagefright\b", "Android's player"),
        (r"\bAppleCoreMedia\b", "Apple's player"),
        (r"^curl/" + _VERSION, "curl"),
        (r"^Wget/" + _VERSION, "Wget"),
    )
)
_BROWSERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\bEdg(?:e|A|iOS)?/(\d+)", "Edge"),
        (r"\bOPR/(\d+)", "Opera"),
        (r"\bSamsungBrowser/(\d+)", "Samsung Internet"),
        (r"\b(?:Firefox|FxiOS)/(\d+)", "Firefox"),
        (r"\b(?:HeadlessChrome|Chrome|Chromium|CriOS)/(\d+)", "Chrome"),
        (r"\bVersion/(\d+)[\d.]* (?:Mobile/\w+ )?Safari/", "Safari"),
    )
)
_DEVICES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\bWeb0S|\bwebOS", "LG TV"),
        (r"\bTizen", "Samsung TV"),
        (r"\bAFT\w+|\bFire ?TV", "Fire TV"),
        (r"\bAndroid ?TV|\bBRAVIA|\bGoogle ?TV", "Android TV"),
        (r"\biPhone", "iPhone"),
        (r"\biPad", "iPad"),
        (r"\bAndroid", "Android"),
        (r"\bCrOS\b", "ChromeOS"),
        (r"\bWindows\b", "Windows"),
        (r"\bMacintosh\b|\bMac OS X\b", "Mac"),
        (r"\bLinux\b", "Linux"),
    )
)
_PRODUCT = re.compile(r"^([A-Za-z][\w.+-]{0,40})(?:/([\w.+-]{1,20}))?")


def player_app(user_agent: str) -> PlayerApp:
    """The app behind `user_agent`, as a person would name it."""
    agent = user_agent.strip()
    if not agent:
        return PlayerApp("")
    for pattern, name in _PLAYERS:
        if found := pattern.search(agent):
            version = (found.group(1) or "") if pattern.groups else ""
            if name == "ffmpeg" and version:
                version = f"(Lavf {version})"  # ffmpeg, ffprobe and the apps built on it say only this
            return PlayerApp(name, version, _device(agent))
    for pattern, name in _BROWSERS:
        if found := pattern.search(agent):
            return PlayerApp(name, "", _device(agent))
    device = _device(agent)
    if device.endswith("TV"):
        return PlayerApp(device)  # a TV's own player or browser
    product = _PRODUCT.match(agent)
    if product is None or product.group(1) == "Mozilla":
        return PlayerApp(agent[:40])
    return PlayerApp(product.group(1), product.group(2) or "")


def _device(agent: str) -> str:
    return next((name for pattern, name in _DEVICES if pattern.search(agent)), "")
