"""Stream links players can open, and which address of this machine to put in them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from PySide6.QtNetwork import QAbstractSocket, QNetworkInterface

from desktop.launch import is_all_interfaces
from desktop.streaming.config import LOOPBACK
from desktop.streaming.ids import find_content_id


def lan_address() -> str | None:
    """This machine's IPv4 address on the home network (private range preferred).

    Read from the interface list (no socket is opened). None when offline.
    """
    candidates: list[ipaddress.IPv4Address] = []
    wanted = QNetworkInterface.InterfaceFlag.IsUp | QNetworkInterface.InterfaceFlag.IsRunning
    for interface in QNetworkInterface.allInterfaces():
        flags = interface.flags()
        if (flags & wanted) != wanted or flags & QNetworkInterface.InterfaceFlag.IsLoopBack:
            continue
        for entry in interface.addressEntries():
            address = entry.ip()
            if address.protocol() != QAbstractSocket.NetworkLayerProtocol.IPv4Protocol:
                continue
            ip = ipaddress.IPv4Address(address.toString())
            if not (ip.is_loopback or ip.is_link_local):
                candidates.append(ip)
    # Docker/VM bridges are private too; a 192.168/10.x home LAN usually sorts
    # first, and a public address is the last resort.
    candidates.sort(key=lambda ip: (not ip.is_private, not str(ip).startswith("192.168.")))
    return str(candidates[0]) if candidates else None


def link_host(listen_host: str) -> str:
    """The host other players should use for a proxy listening on `listen_host`."""
    if is_all_interfaces(listen_host):
        return lan_address() or LOOPBACK
    return listen_host


def stream_link(content_id: str, host: str, port: int, kind: str = "id") -> str:
    """`kind` "infohash" selects the content by infohash (the engine keeps the two apart)."""
    selector = "infohash" if kind == "infohash" else "id"
    return f"http://{host}:{port}/ace/getstream?{selector}={content_id}"


@dataclass(frozen=True)
class LinkRequest:
    """What the user gave us, and the content id found in it (None: invalid)."""

    text: str
    content_id: str | None

    @classmethod
    def parse(cls, text: str) -> "LinkRequest":
        return cls(text=text, content_id=find_content_id(text or ""))

    @property
    def problem(self) -> str | None:
        if self.content_id:
            return None
        if not self.text.strip():
            return "Paste an acestream:// link or a 40-character content id."
        return (
            "That is not an AceStream link: expected acestream://<id>, "
            "a 40-character content id, or a URL containing one."
        )
