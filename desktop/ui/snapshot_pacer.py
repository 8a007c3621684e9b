"""How often the UI asks the core for a snapshot: every second while anyone could see the
figures move, rarely while the app sits in the tray with nothing to show.

A snapshot wakes both threads (the core builds it, the UI redraws from it), and
at rest that was most of the tray app's CPU. So the pace follows what can be
seen: the window open, or something in motion (streams, the proxy or the
engine starting or stopping), is ACTIVE; hidden and at rest is RESTING, where
the menu opening, the window showing and every event from the core ask for a
snapshot at once (`now`), and the slow timer is only a safety net for a change
that comes without an event. Starting, stopping and applying ask the core
directly (`proxy_control.py`): their outcome must show whatever the pace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui.tick_monitor import TickMonitor

log = logging.getLogger(__name__)

ACTIVE_MS = 1000
RESTING_MS = 10_000
HEALTH_LOG_EVERY_TICKS = 60  # the ui-timer line: once a minute while active


def at_rest(snapshot: ProxySnapshot | None) -> bool:
    """Nothing in it changes by itself: no stream, no engine starting or stopping."""
    if snapshot is None:
        return False  # starting up: the first pictures come quickly
    if snapshot.streams:
        return False  # players come and go, figures move, without an event each
    return snapshot.engine_host is None or snapshot.engine_host.settled


class SnapshotPacer(QObject):
    """Owns the snapshot timer; `watched` says whether the window is in view."""

    def __init__(self, request: Callable[[], None], watched: Callable[[], bool]) -> None:
        super().__init__()
        self._request = request
        self._watched = watched
        self._resting_allowed = False  # set once a snapshot shows the app at rest
        self._asked = False  # a snapshot asked for by `now` is on its way
        self.ticks = TickMonitor(ACTIVE_MS / 1000)
        self._timer = QTimer(self)
        self._timer.setInterval(ACTIVE_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_tick)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def asking(self) -> bool:
        """A snapshot asked for by `now` has not come yet (so another `now` waits for that one)."""
        return self._asked

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def now(self) -> None:
        """A snapshot as soon as the core can make one (the menu opens, an event came...).

        A burst of events asks once: the core answers in order, so a snapshot
        already asked for is made after whatever the earlier events told.
        """
        if self._timer.isActive() and not self._asked:
            self._asked = True
            self._request()

    def seen(self, snapshot: ProxySnapshot, *, busy: bool = False) -> None:
        """A new snapshot arrived: choose the pace for it."""
        self._asked = False
        self.pace_for(snapshot, busy=busy)

    def pace_for(self, snapshot: ProxySnapshot | None, *, busy: bool) -> None:
        """The pace this picture of the app calls for (busy: the proxy is starting, stopping, applying)."""
        self._resting_allowed = at_rest(snapshot) and not busy
        self._pace()

    def view_changed(self) -> None:
        """The window was shown, hidden, minimised or restored."""
        self._pace()
        if self._watched():
            self.now()  # shown: fresh figures at once, not at the next tick

    def _pace(self) -> None:
        interval = RESTING_MS if self._resting_allowed and not self._watched() else ACTIVE_MS
        if interval != self._timer.interval():
            # setInterval restarts a running timer; only on a real change, or ticks would drift.
            self._timer.setInterval(interval)
            self.ticks.set_interval(interval / 1000)

    def _on_tick(self) -> None:
        # A request the core never answered (its loop gone, a snapshot that failed) must not
        # silence `now` for good: each tick asks afresh.
        self._asked = False
        self.ticks.tick()
        if self.ticks.count % HEALTH_LOG_EVERY_TICKS == 0:
            log.info("%s", self.ticks.stats().log_line())
        self._request()
