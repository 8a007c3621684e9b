"""Share with devices → TV apps: what each app needs entered, and how its Test fetches it. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from desktop.streaming.tuner.app_check import How, TvLinks
from desktop.ui.links import base_url

TUNER, PLAYLIST, GUIDE = "tuner", "playlist", "guide"
FIELD_LABELS = {TUNER: "Tuner address", PLAYLIST: "Playlist URL", GUIDE: "Guide URL"}


@dataclass(frozen=True)
class TvApp:
    name: str
    how: How  # what its Test fetches
    fields: tuple[str, ...]  # what the person enters, first one in the QR code
    steps: str
    bare_tuner: bool = False  # the app wants "address:port", not a URL


TV_APPS = (
    TvApp(
        "Plex",
        How.TUNER,
        (TUNER, GUIDE),
        "Settings → Live TV & DVR → Set up Plex DVR. Plex finds AceTray by itself; if not, choose “Don't see "
        "your HDHomeRun device? Enter its network address manually” and enter the tuner address. For the guide, "
        "choose “Have an XMLTV guide on your server? Click here to use it” and enter the guide URL.",
        bare_tuner=True,
    ),
    TvApp(
        "Jellyfin",
        How.TUNER,
        (TUNER, GUIDE),
        "Dashboard → Live TV → Tuner devices → + → HDHomeRun, and type the tuner address (Jellyfin's own "
        "search only looks on port 80). Then TV guide data providers → + → XMLTV → the guide URL.",
    ),
    TvApp(
        "Emby",
        How.TUNER,
        (TUNER, GUIDE),
        "Settings → Live TV → Add TV source → HDHomeRun → the tuner address. Then Add TV guide data → XMLTV → "
        "the guide URL.",
    ),
    TvApp(
        "Channels DVR",
        How.TUNER,
        (TUNER, PLAYLIST, GUIDE),
        "Settings → Sources → Add Source → HDHomeRun: AceTray is listed by itself (else add it by the tuner "
        "address). For AceTray's own guide, add it as Custom Channels instead: the playlist URL, with the guide "
        "URL as its XMLTV guide.",
        bare_tuner=True,
    ),
    TvApp(
        "Kodi (IPTV Simple)",
        How.PLAYLIST,
        (PLAYLIST, GUIDE),
        "Add-ons → My add-ons → PVR clients → PVR IPTV Simple Client → Configure. General: M3U playlist URL = "
        "the playlist URL. EPG: XMLTV URL = the guide URL.",
    ),
    TvApp(
        "Kodi (HDHomeRun)",
        How.DISCOVERY,
        (TUNER,),
        "Add-ons → My add-ons → PVR clients → PVR HDHomeRun Client → Enable. It finds AceTray on the network "
        "by itself (LAN sharing and the tuner on). Its guide comes from SiliconDust's service, not from AceTray.",
    ),
    TvApp(
        "TiviMate",
        How.PLAYLIST,
        (PLAYLIST, GUIDE),
        "Add playlist → M3U playlist → type or paste the playlist URL. Then Settings → EPG → Add EPG source → "
        "the guide URL.",
    ),
    TvApp(
        "VLC",
        How.PLAYLIST_ONLY,
        (PLAYLIST,),
        "Media → Open Network Stream (on a phone: Network stream) → the playlist URL; the channels appear as a list.",
    ),
)


def tv_links(host: str, port: int, token: str | None) -> TvLinks:
    """The tuner's address (no token: apps cannot send one), the playlist and the guide (with it)."""
    base = base_url(host, port)
    query = f"?token={quote(token)}" if token else ""
    return TvLinks(tuner=base, playlist=f"{base}/playlist.m3u{query}", guide=f"{base}/epg.xml{query}")


def field_text(app: TvApp, field: str, links: TvLinks) -> str:
    if field == TUNER:
        return links.tuner.removeprefix("http://") if app.bare_tuner else links.tuner
    return links.playlist if field == PLAYLIST else links.guide
