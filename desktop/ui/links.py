"""Stream links players can open, and which address of this machine to put in them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from PySide6.QtNetwork import QAbstractSocket, QNetworkInterface

from desktop.streaming.config import LOOPBACK, ProxyConfig, is_all_interfaces
from desktop.streaming.ids import find_content_id
from desktop.streaming.snapshot import ProxySnapshot


@dataclass(frozen=True)
class LanAddress:
    address: str  # an IPv4 address of this machine
    interface: str  # its interface's name, for telling several apart ("wlan0", "eth0")


_VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap", "wg", "zt")


def lan_addresses() -> list[LanAddress]:
    """This machine's IPv4 addresses other devices may reach, the likely home network first.

    Read from the interface list (no socket is opened). Empty when offline.
    """
    found: list[tuple[ipaddress.IPv4Address, str]] = []
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
                found.append((ip, interface.humanReadableName() or interface.name()))
    # Docker/VM bridges are private too: they go last; a 192.168/10.x home LAN
    # usually sorts first, and a public address is the last resort.
    found.sort(
        key=lambda item: (
            item[1].lower().startswith(_VIRTUAL_PREFIXES),
            not item[0].is_private,
            not str(item[0]).startswith("192.168."),
        )
    )
    return [LanAddress(str(ip), name) for ip, name in found]


def lan_address() -> str | None:
    """The address to put in links for other devices, or None when offline."""
    addresses = lan_addresses()
    return addresses[0].address if addresses else None


def link_host(listen_host: str) -> str:
    """The host other players should use for a proxy listening on `listen_host`."""
    if is_all_interfaces(listen_host):
        return lan_address() or LOOPBACK
    return listen_host


def stream_link(content_id: str, host: str, port: int, token: str | None = None, kind: str = "id") -> str:
    """A player's link; with LAN sharing on it carries the access token (IPTV apps cannot send headers).
    `kind` "infohash" selects the content by infohash (the engine keeps the two apart)."""
    selector = "infohash" if kind == "infohash" else "id"
    link = f"{base_url(host, port)}/ace/getstream?{selector}={content_id}"
    return link + (f"&token={token}" if token else "")


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True)
class ListenAddress:
    """Where the proxy listens: the bound address while it runs, else where it will listen."""

    host: str
    port: int

    @classmethod
    def of(cls, snapshot: ProxySnapshot | None, config: ProxyConfig) -> ListenAddress:
        # The snapshot's address is the socket actually bound: after a refused
        # port change the settings never claim a port nobody listens on.
        if snapshot is not None and snapshot.running and snapshot.listen_url:
            parts = urlsplit(snapshot.listen_url)
            if parts.hostname and parts.port:
                return cls(parts.hostname, parts.port)
        return cls(config.host, config.port)

    @property
    def shared(self) -> bool:
        """Other devices may connect (not loopback only)."""
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host != "localhost"

    def link_host(self, local: bool = False) -> str:
        """The host to put in links: this machine's LAN address when shared, loopback for a local player."""
        if local and is_all_interfaces(self.host):
            return LOOPBACK
        return link_host(self.host)


@dataclass(frozen=True)
class LinkRequest:
    """What the user gave us, and the content id found in it (None: invalid)."""

    text: str
    content_id: str | None

    @classmethod
    def parse(cls, text: str) -> LinkRequest:
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
