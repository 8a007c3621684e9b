"""What the tuner says over HTTP: discover.json, the lineup, lineup_status.json and device.xml.

Apps read these the way they read a real HDHomeRun's. The lineup lists every
channel by its number (GuideNumber), its name as the Channels tab shows it
(GuideName) and AceTray's own stream URL: one engine session per channel,
shared with every other player, MPEG-TS as always.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from desktop import __version__
from desktop.streaming.channels.model import Channel
from desktop.streaming.channels.numbering import sort_key
from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.tuner.identity import TunerIdentity

FRIENDLY_NAME = "AceTray"
MANUFACTURER = "AceTray"
# Apps pick features by model: an "HDTC" (transcoding) model makes Jellyfin ask for
# transcoded streams AceTray does not make, so a plain network tuner's model it is.
MODEL_NUMBER = "HDHR5-4US"
FIRMWARE_NAME = "hdhomerun5_atsc"
FIRMWARE_VERSION = "20240101"
_UDN_NAMESPACE = uuid.UUID("6f1c2b1e-8f0a-4c52-9a55-0d6a6c2f7a11")  # AceTray's own, for the UPnP UDN

UrlFor = Callable[[Channel], str]


def playback_key(token: str) -> str:
    """The key in the lineup's stream URLs: made from the token, it plays the lineup's channels and
    nothing else, and the token cannot be worked back from it."""
    return hmac.new(token.encode("utf-8"), b"tuner", hashlib.sha256).hexdigest()[:32]


def discover_json(identity: TunerIdentity, base_url: str, tuner_count: int) -> dict[str, Any]:
    return {
        "FriendlyName": FRIENDLY_NAME,
        "Manufacturer": MANUFACTURER,
        "ModelNumber": MODEL_NUMBER,
        "FirmwareName": FIRMWARE_NAME,
        "FirmwareVersion": FIRMWARE_VERSION,
        "DeviceID": identity.device_id_text,
        "DeviceAuth": identity.device_auth,
        "BaseURL": base_url,
        "LineupURL": f"{base_url}/lineup.json",
        "TunerCount": tuner_count,
    }


def lineup_channels(state: ChannelsState) -> list[tuple[str, Channel]]:
    """(number, channel) for every channel, in number order."""
    numbered = [(state.number_of(c.key), c) for c in state.catalog.channels]
    return sorted(((n, c) for n, c in numbered if n), key=lambda pair: sort_key(pair[0]))


def lineup(
    state: ChannelsState, url_for: UrlFor, hidden: Callable[[Channel], bool] | None = None
) -> list[dict[str, Any]]:
    """The lineup apps read; `hidden` leaves channels out (those found dead, when the setting says so)."""
    shown = [(n, c) for n, c in lineup_channels(state) if hidden is None or not hidden(c)]
    return [{"GuideNumber": n, "GuideName": c.title, "URL": url_for(c)} for n, c in shown]


def lineup_status() -> dict[str, Any]:
    """No scan is ever running: the lineup is the playlists, always up to date."""
    return {"ScanInProgress": 0, "ScanPossible": 1, "Source": "Cable", "SourceList": ["Cable"]}


def udn(identity: TunerIdentity) -> str:
    return f"uuid:{uuid.uuid5(_UDN_NAMESPACE, identity.device_id_text)}"


def device_xml(identity: TunerIdentity, base_url: str) -> str:
    """The UPnP description apps that search by SSDP read."""
    fields = {
        "deviceType": "urn:schemas-upnp-org:device:MediaServer:1",
        "friendlyName": FRIENDLY_NAME,
        "manufacturer": MANUFACTURER,
        "modelName": MODEL_NUMBER,
        "modelNumber": MODEL_NUMBER,
        "modelDescription": f"AceTray {__version__} network tuner",
        "serialNumber": identity.device_id_text,
        "UDN": udn(identity),
    }
    device = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<root xmlns="urn:schemas-upnp-org:device-1-0">'
        "<specVersion><major>1</major><minor>0</minor></specVersion>"
        f"<URLBase>{escape(base_url)}</URLBase><device>{device}</device></root>\n"
    )
