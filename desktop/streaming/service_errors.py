"""What the service raises when it cannot do what was asked: sentences for a person, causes apart."""

from __future__ import annotations

import errno

from desktop.streaming.config import ProxyConfig


class ProxyStartError(Exception):
    """The proxy could not start or move; str() is a sentence with advice, `reason` the cause alone,
    `config_field` the ProxyConfig field whose value was refused (the settings dialog marks its field)."""

    def __init__(self, message: str, reason: str | None = None, config_field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.config_field = config_field


class EngineCheckError(Exception):
    """The engine did not answer get_version properly; str() is a sentence, `detail` the technical cause."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


def bind_problem(config: ProxyConfig, exc: OSError) -> ProxyStartError:
    where = f"{config.host}:{config.port}"
    if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
        reason = f"Port {config.port} is in use by another program"
        return ProxyStartError(f"{reason}. Choose another port in Settings.", reason, "port")
    if exc.errno in (errno.EACCES, errno.EPERM):
        reason = f"Not allowed to listen on {where}"
        return ProxyStartError(f"{reason}. Choose a port above 1024 in Settings.", reason, "port")
    if exc.errno == errno.EADDRNOTAVAIL:
        reason = f"{config.host} is not an address of this computer"
        return ProxyStartError(f"{reason}. Check the listen address.", reason, "host")
    return ProxyStartError(f"Could not listen on {where}: {exc.strerror or exc}", config_field="port")


def stays_on(refused: ProxyStartError, old: ProxyConfig, new: ProxyConfig) -> ProxyStartError:
    """A refused move told with where AceTray still listens: "Port 8001 is in use…; AceTray stays on 8000."."""
    where = str(old.port) if old.host == new.host else f"{old.host}:{old.port}"
    return ProxyStartError(f"{refused.reason}; AceTray stays on {where}.", refused.reason, refused.config_field)


def demo_problem(exc: OSError) -> ProxyStartError:
    return ProxyStartError(f"The built-in demo engine could not start: {exc.strerror or exc}", config_field="demo")
