"""Starting, stopping and reconfiguring the proxy from the UI, with failures told as sentences."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from desktop.app import CoreHost
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import ProxyStartError

log = logging.getLogger(__name__)

Notify = Callable[..., None]  # (title, message, level=...)


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

    async def apply(self, config: ProxyConfig) -> bool:
        """Apply new settings; a proxy that was not running (e.g. a busy port) is started again."""
        ok = await self._call(lambda core: core.apply(config), "apply the settings")
        if ok:
            self.start_error = None
            assert self.core is not None
            if not self.user_stopped and not await self.core.is_running():
                ok = await self.start()
        return ok

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
        except Exception as exc:  # noqa: BLE001 - shown to the user, logged in full
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
