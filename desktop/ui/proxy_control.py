"""Starting, stopping and reconfiguring the proxy from the UI, with failures told as sentences."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from desktop.app import CoreHost
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service_errors import ProxyStartError

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

    async def start_engine(self) -> bool:
        """Start engine (menu, banner): the engine AceTray runs, now."""
        return await self._call(lambda core: core.start_engine(), "start the engine")

    async def stop_engine(self) -> bool:
        return await self._call(lambda core: core.stop_engine(), "stop the engine")

    async def apply(self, config: ProxyConfig, previous: ProxyConfig) -> str | None:
        """Put `config` in force; None when it is, else why not as sentences (nothing changed then).

        A proxy that was not running (e.g. a busy port at start) is started with
        the new settings, unless the user stopped it. When the core refuses
        (the new port is taken…), everything goes back to `previous`, so what
        runs always matches what is saved: the caller saves only on None.
        """
        assert self.core is not None
        core = self.core
        self._set_busy(True)
        try:
            was_running = await core.is_running()
            try:
                await core.apply(config)
                if not self.user_stopped and not await core.is_running():
                    await core.start_proxy()
            except Exception as exc:
                if not isinstance(exc, ProxyStartError):
                    log.exception("could not apply the settings")
                return await self._roll_back(config, previous, was_running, exc)
            self.start_error = None
            return None
        finally:
            self._set_busy(False)
            core.request_snapshot()

    async def _roll_back(self, config: ProxyConfig, previous: ProxyConfig, was_running: bool, exc: Exception) -> str:
        """Back to `previous` after a refused change; the sentence that says what stayed."""
        assert self.core is not None
        # The core keeps its old listener when a new one cannot bind, but other
        # parts of `config` (engine, tunables) may already be in force: undo them.
        try:
            await self.core.apply(previous)
            if was_running and not await self.core.is_running():
                await self.core.start_proxy()  # e.g. a demo switch restarted it on the refused port
            still_running = await self.core.is_running()
        except Exception:
            log.exception("could not return to the previous settings")
            still_running = False
        reason = getattr(exc, "reason", None)  # the cause without advice, when the core gives it
        told = str(exc) or type(exc).__name__
        if not still_running or (config.host, config.port) == (previous.host, previous.port):
            return f"{told} Nothing was saved."  # where AceTray listens is not news when it did not move
        where = str(previous.port) if previous.host == config.host else f"{previous.host}:{previous.port}"
        if reason:
            return f"{reason}; AceTray stays on {where}. Nothing was saved."
        return f"{told} AceTray stays on {where}. Nothing was saved."

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
