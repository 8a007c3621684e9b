"""The one exemption from the LAN token: what TV apps need from the network tuner.

Plex, Jellyfin, Emby, Channels DVR and Kodi cannot send a token. While the
tuner is on they may, from the home network and without it:

- read the tuner's own documents (`/discover.json`, `/lineup.json`,
  `/lineup_status.json`, `/lineup.post`, `/device.xml`) and play
  `/auto/v<number>`;
- play a lineup URL: `/ace/getstream` with the playback key the lineup gives
  (made from the token, never the token) and a channel the lineup lists.

Nothing else: `/api/*`, `/playlist.m3u`, the page, other channels, HLS still
ask for the token. The Host and cross-site rules still apply to these too.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from desktop.streaming.ids import ChannelKey, is_content_id, normalize
from desktop.streaming.tuner.host import TunerAccess

__all__ = ["TUNER_PATHS", "TunerAccess", "tuner_may_pass"]

TUNER_PATHS = frozenset({"/discover.json", "/lineup.json", "/lineup_status.json", "/lineup.post", "/device.xml"})
LINEUP_STREAM_PATH = "/ace/getstream"


def tuner_may_pass(request: web.Request, tuner: TunerAccess | None) -> bool:
    """True for a request the tuner exempts from the token (see the module docstring)."""
    if tuner is None:
        return False
    path = request.path
    if path in TUNER_PATHS or path.startswith("/auto/v"):
        return True
    if path != LINEUP_STREAM_PATH:
        return False
    query = request.query
    keys = query.getall("key", [])
    if len(keys) != 1 or not hmac.compare_digest(keys[0].encode("utf-8", "replace"), tuner.key.encode("utf-8")):
        return False
    channel = _channel(query.getall("id", []), query.getall("infohash", []))
    return channel is not None and "content_id" not in query and tuner.in_lineup(channel)


def _channel(ids: list[str], hashes: list[str]) -> ChannelKey | None:
    """The one channel a lineup URL names (exactly one `id` or `infohash`), or None."""
    if len(ids) + len(hashes) != 1:
        return None
    value = (ids or hashes)[0]
    if not is_content_id(value):
        return None
    return ChannelKey("id" if ids else "infohash", normalize(value))
