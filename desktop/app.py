"""The desktop app: QApplication + qasync for the UI, and the one seam to the core.

Where the proxy's asyncio loop runs is one switch, `CorePlacement`:

- THREAD (default): the ProxyService runs on its own asyncio loop (uvloop when
  installed) in a dedicated thread. DESIGN.md has the measurements: a plain
  loop moves ~2.8x the bytes qasync does, and a qasync-hosted proxy crashed
  PySide6 6.12.0 under load. The UI calls in with
  `asyncio.run_coroutine_threadsafe` (awaited via `asyncio.wrap_future` on
  the qasync loop); snapshots and events come back as queued Qt signals.
- QASYNC: the service runs on the UI's qasync loop. Kept only so both can be
  benchmarked: `ACETRAY_CORE_LOOP=qasync acetray`.

Everything else (tray, window, dialogs) talks to `CoreHost` only, never to
the service or to sockets.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import signal
import sys
import threading
from typing import Awaitable, Callable, Mapping, TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from desktop.cli import LaunchOptions
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import ProxyService
from desktop.streaming.snapshot import ProxyEvent

log = logging.getLogger(__name__)

T = TypeVar("T")
ServiceCall = Callable[[ProxyService], Awaitable[T]]
ServiceFactory = Callable[..., ProxyService]

PLACEMENT_ENV = "ACETRAY_CORE_LOOP"


class CorePlacement(enum.Enum):
    THREAD = "thread"
    QASYNC = "qasync"


def placement_from_env(environ: Mapping[str, str] = os.environ) -> CorePlacement:
    value = environ.get(PLACEMENT_ENV, "").strip().lower()
    try:
        return CorePlacement(value) if value else CorePlacement.THREAD
    except ValueError:
        log.warning("%s=%r is not one of thread|qasync; using thread", PLACEMENT_ENV, value)
        return CorePlacement.THREAD


def _new_core_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # optional: the `fast` extra
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class CoreHost(QObject):
    """Runs one ProxyService somewhere and lets the UI reach it.

    Signals are emitted from the core's loop; connect them with a queued
    connection (they cross threads in THREAD placement).
    """

    snapshot_ready = Signal(object)  # ProxySnapshot
    event_received = Signal(object)  # ProxyEvent

    placement: CorePlacement

    def __init__(self, config: ProxyConfig, service_factory: ServiceFactory = ProxyService) -> None:
        super().__init__()
        self._config = config
        self._factory = service_factory
        self._service: ProxyService | None = None

    def _make_service(self) -> ProxyService:
        return self._factory(self._config, on_event=self._forward_event)

    def _forward_event(self, event: ProxyEvent) -> None:
        self.event_received.emit(event)

    def _emit_snapshot(self) -> None:
        if self._service is not None:
            self.snapshot_ready.emit(self._service.snapshot())

    # -- the API the UI uses -------------------------------------------------
    def start(self) -> None:
        raise NotImplementedError

    async def call(self, fn: ServiceCall[T]) -> T:
        """Run `fn(service)` on the core's loop; await it from the UI's loop."""
        raise NotImplementedError

    def request_snapshot(self) -> None:
        """Ask for a snapshot; it arrives through `snapshot_ready`."""
        raise NotImplementedError

    def shutdown(self, timeout: float) -> None:
        """Stop the core's loop (call `service.stop()` first). Bounded by `timeout`."""
        raise NotImplementedError


class ThreadCoreHost(CoreHost):
    """The service on its own asyncio loop in a daemon thread."""

    placement = CorePlacement.THREAD

    def __init__(self, config: ProxyConfig, service_factory: ServiceFactory = ProxyService) -> None:
        super().__init__(config, service_factory)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    def start(self) -> None:
        # Daemon: if the engine hangs a stop command past the quit deadline,
        # the process still exits instead of waiting on this thread.
        self._thread = threading.Thread(target=self._run, name="acetray-core", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            raise RuntimeError(f"The streaming core could not start: {self._startup_error}")
        if self._loop is None:
            raise RuntimeError("The streaming core did not start within 10 s.")

    def _run(self) -> None:
        loop = _new_core_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_log_loop_exception)
        try:
            # Created on its own loop so anything it binds at init binds there.
            self._service = self._make_service()
        except BaseException as exc:  # reported to start() and re-raised there
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            _cancel_leftovers(loop)
            loop.close()

    async def call(self, fn: ServiceCall[T]) -> T:
        if self._loop is None or self._loop.is_closed():
            raise RuntimeError("The streaming core is not running.")
        future = asyncio.run_coroutine_threadsafe(self._invoke(fn), self._loop)
        # Cancelling the awaiting UI task cancels the core-side task too.
        return await asyncio.wrap_future(future)

    async def _invoke(self, fn: ServiceCall[T]) -> T:
        assert self._service is not None
        return await fn(self._service)

    def request_snapshot(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._emit_snapshot)
            except RuntimeError:  # closed between the check and the call
                pass

    def shutdown(self, timeout: float) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the core thread did not finish within %.1f s; exiting anyway", timeout)


class QasyncCoreHost(CoreHost):
    """The service on the UI's qasync loop (for benchmarks; see the module docstring)."""

    placement = CorePlacement.QASYNC

    def start(self) -> None:
        self._service = self._make_service()

    async def call(self, fn: ServiceCall[T]) -> T:
        if self._service is None:
            raise RuntimeError("The streaming core is not running.")
        return await fn(self._service)

    def request_snapshot(self) -> None:
        self._emit_snapshot()

    def shutdown(self, timeout: float) -> None:
        self._service = None


def make_core_host(
    placement: CorePlacement, config: ProxyConfig, service_factory: ServiceFactory = ProxyService
) -> CoreHost:
    cls = ThreadCoreHost if placement is CorePlacement.THREAD else QasyncCoreHost
    return cls(config, service_factory)


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    exc = context.get("exception")
    log.error("core loop: %s", context.get("message", "unhandled error"), exc_info=exc)


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel tasks still pending when the loop stops, so their cleanups run."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        try:
            loop.run_until_complete(asyncio.wait(tasks, timeout=0.5))
        except Exception:  # noqa: BLE001 - best effort while exiting
            log.debug("leftover core tasks failed while cancelling", exc_info=True)
    try:
        loop.run_until_complete(loop.shutdown_asyncgens())
    except Exception:  # noqa: BLE001
        pass


def _install_quit_signals(request_quit: Callable[[], None]) -> QTimer:
    """Ctrl+C / SIGTERM quit cleanly (streams stopped) instead of killing mid-write.

    Python runs signal handlers only between bytecodes; while Qt sits in its
    C++ event loop that may be never, so a cheap timer wakes the interpreter.
    """
    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, request_quit)

    for name in ("SIGINT", "SIGTERM"):
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, handler)
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)
    return wake


def _route_qt_messages_to_logging() -> None:
    """Qt's own warnings go to our log file, not to a stderr a windowed build does not have."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        # The offscreen/xcb plugins warn about window hints on every show: noise.
        level = levels.get(kind, logging.WARNING)
        if "does not support" in message:
            level = logging.DEBUG
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


class UrlOpenFilter(QObject):
    """macOS hands `acestream://` links to a running app as an Apple Event, which Qt
    delivers as a QFileOpenEvent rather than a command-line argument."""

    def __init__(self, handle: Callable[[list], None]) -> None:
        super().__init__()
        self._handle = handle

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FileOpen:
            url = event.url().toString() or event.file()  # type: ignore[attr-defined]
            if url:
                self._handle([url])
                return True
        return False


def run_tray(options: LaunchOptions) -> int:
    """`acetray`: the tray app. Returns the process exit code."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop import paths, settings as settings_store
    from desktop.logging_setup import setup_logging
    from desktop.ui.controller import AppController
    from desktop.ui.single_instance import SingleInstance, server_name

    log_path = setup_logging(to_file=True, to_stderr=True)
    _route_qt_messages_to_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AceTray")
    app.setOrganizationName("AceTray")
    app.setDesktopFileName("acetray")
    # Closing the window hides it; only Quit ends the app.
    app.setQuitOnLastWindowClosed(False)

    # Single instance: before any window exists, hand our arguments over.
    name = server_name(paths.config_dir())
    if SingleInstance.forward(name, list(options.links)):
        log.info("AceTray is already running; handed over %d link(s)", len(options.links))
        return 0
    instance = SingleInstance(name)
    if not instance.listen():
        log.warning("could not claim the single-instance name %s; a second launch will start another app", name)

    first_run = not paths.settings_file().exists()
    loaded = settings_store.load()
    placement = placement_from_env()
    controller = AppController(
        settings=loaded.settings,
        options=options,
        core_factory=lambda config: make_core_host(placement, config),
        log_dir=log_path.parent if log_path else paths.log_dir(),
        settings_problem=loaded.problem,
    )
    instance.message_received.connect(controller.handle_forwarded)
    url_filter = UrlOpenFilter(controller.handle_forwarded)
    app.installEventFilter(url_filter)
    controller.finished.connect(app.quit)
    log.info("AceTray starting (core loop: %s, settings: %s)", placement.value, paths.settings_file())

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wake = _install_quit_signals(controller.request_quit)
    with loop:
        controller.launch(show_window=first_run, links=options.links)
        loop.run_forever()
    wake.stop()
    instance.close()
    log.info("AceTray exited")
    return controller.exit_code
