"""Starting, stopping and reconfiguring the proxy from the UI, with failures told as sentences."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from desktop.app import CoreHost
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service_errors import ProxyStartError

log = logging.getLogger(__name__)

Notify = Callable[..., None]  # (title, message, level=...)


@dataclass(frozen=True)
class Refused:
    """A settings change the core refused: what to tell, and which ProxyConfig field it was about."""

    message: str
    config_field: str | None = None  # "port", "host", "engine_mode", "demo"; None when the core did not say


class ProxyControl(QObject):
    """The proxy's life as the user drives it. `changed` fires when busy/error state moves."""

    changed = Signal()

    def __init__(self, notify: Notify) -> None:
        super().__init__()
        self._notify = notify
        self.core: CoreHost | None = None  # set once the core is up (AppController.launch)
        self.start_error: str | None = None  # why the last start failed, shown until it works
        self.user_stopped = False  # Stop proxy was chosen: applying settings does not restart it
        self.busy = False

    async def start(self) -> bool:
        self.user_stopped = False
        ok = await self._call(lambda core: core.start_proxy(), "start the proxy")
        if ok:
            self.start_error = None
        return ok

    async def stop(self) -> bool:
        self.user_stopped = True
        return await self._call(lambda core: core.stop_proxy(), "stop the proxy")

    async def start_engine(self) -> bool:
        """Start engine (menu, banner): the engine AceTray runs, now."""
        return await self._call(lambda core: core.start_engine(), "start the engine")

    async def stop_engine(self) -> bool:
        return await self._call(lambda core: core.stop_engine(), "stop the engine")

    async def apply(self, config: ProxyConfig) -> Refused | None:
        """Put `config` in force; None when it is, else why not (nothing changed then).

        One call to the core, which is all or nothing: a refused change (the new
        port is taken…) leaves it exactly as it was, so what runs always matches
        what is saved (the caller saves only on None). A proxy that was not
        running (e.g. a busy port at start) starts with the new settings, unless
        the user stopped it.
        """
        assert self.core is not None
        self._set_busy(True)
        try:
            await self.core.apply(config, start=not self.user_stopped)
        except Exception as exc:
            if not isinstance(exc, ProxyStartError):
                log.exception("could not apply the settings")
            return Refused(f"{str(exc) or type(exc).__name__} Nothing was saved.", getattr(exc, "config_field", None))
        finally:
            self._set_busy(False)
            self.core.request_snapshot()
        self.start_error = None
        return None

    async def _call(self, fn: Callable[[CoreHost], Awaitable[None]], what: str) -> bool:
        """Run a core call; a failure becomes a message, never a crash. True on success."""
        assert self.core is not None
        self._set_busy(True)
        try:
            await fn(self.core)
        except ProxyStartError as exc:
            self.start_error = str(exc)
            self._notify("The proxy could not start", str(exc), level="error")
            return False
        except Exception as exc:
            log.exception("could not %s", what)
            self._notify(f"Could not {what}", str(exc) or type(exc).__name__, level="error")
            return False
        finally:
            self._set_busy(False)
            self.core.request_snapshot()
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.changed.emit()
