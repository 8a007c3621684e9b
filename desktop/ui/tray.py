"""The tray icon: state at a glance, left click for the window, right click for the menu."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.streaming.channels import elide_id
from desktop.streaming.snapshot import ProxySnapshot, StreamSnapshot
from desktop.ui.actions import AppActions
from desktop.ui.engine_view import engine_in_trouble, engine_tooltip_line
from desktop.ui.formatting import count_phrase
from desktop.ui.icons import TrayState, tray_icon
from desktop.ui.source_view import trouble

MAX_TOOLTIP_STREAMS = 6  # some desktops cut long tooltips; the window lists them all


@dataclass(frozen=True)
class TrayStatus:
    state: TrayState
    tooltip: str


def tray_status(
    snapshot: ProxySnapshot | None,
    start_error: str | None = None,
    address: str | None = None,
    *,
    engine_on_first_play: bool = False,
) -> TrayStatus:
    """What the icon and its tooltip say for a snapshot; `address` is where players reach the proxy.

    When AceTray runs the engine, the tooltip's second line is the engine's state; then
    one line per playing channel, by name.
    """
    status = _proxy_status(snapshot, start_error, address)
    engine = snapshot.engine_host if snapshot is not None else None
    if engine is None:
        return status
    state = TrayState.ERROR if engine_in_trouble(engine) and status.state is not TrayState.STOPPED else status.state
    headline, *streams = status.tooltip.split("\n")
    return TrayStatus(state, "\n".join([headline, engine_tooltip_line(engine, engine_on_first_play), *streams]))


def _proxy_status(snapshot: ProxySnapshot | None, start_error: str | None, address: str | None) -> TrayStatus:
    if snapshot is None:
        return TrayStatus(TrayState.STOPPED, "AceTray — starting…")
    if not snapshot.running:
        reason = start_error or snapshot.error
        if reason:
            return TrayStatus(TrayState.ERROR, f"AceTray — proxy not running: {reason}")
        return TrayStatus(TrayState.STOPPED, "AceTray — proxy stopped")
    if snapshot.engine_reachable is False and snapshot.engine_host is None:  # else the engine's line says it
        if snapshot.demo_engine:
            return TrayStatus(TrayState.ERROR, "AceTray — the built-in demo engine does not answer")
        return TrayStatus(TrayState.ERROR, f"AceTray — AceStream engine unreachable at {snapshot.engine_url}")
    demo = " (built-in demo engine)" if snapshot.demo_engine else ""
    # A channel that only lingers (its last player left; kept open for quick zapping back) is
    # nobody watching: the icon says idle, the tooltip says it is still open. Favourites kept
    # ready are open too, but nothing of them plays: they are counted, not listed.
    streams = [s for s in snapshot.streams if not s.waiting_to_be_watched]
    ready = len(snapshot.streams) - len(streams)
    kept = f"; {count_phrase(ready, 'favourite')} ready" if ready else ""
    if snapshot.player_count:
        players = count_phrase(snapshot.player_count, "player")
        lines = [f"AceTray — {count_phrase(len(streams), 'stream')}, {players}{kept}{demo}"]
        state = TrayState.STREAMING
    else:
        lines = [f"AceTray — ready at {address or snapshot.listen_url}, nothing playing{kept}{demo}"]
        state = TrayState.IDLE
    # A channel in trouble first: what a person hovering the icon wants to see.
    shown = sorted(streams, key=lambda s: not trouble(s))[:MAX_TOOLTIP_STREAMS]
    lines += [f"{s.name or elide_id(s.content_id)}: {_watching(s)}{trouble(s)}" for s in shown]
    if len(streams) > MAX_TOOLTIP_STREAMS:
        lines.append("…")
    return TrayStatus(state, "\n".join(lines))


def _watching(stream: StreamSnapshot) -> str:
    if stream.clients:
        return count_phrase(len(stream.clients), "player")
    return "no players, closing soon" if stream.state == "lingering" else "no players"


class TrayIcon(QSystemTrayIcon):
    open_window = Signal()

    def __init__(self, actions: AppActions) -> None:
        super().__init__()
        self.menu = QMenu()
        actions.fill_menu(self.menu)
        self.setContextMenu(self.menu)
        self.status = tray_status(None)
        self._apply(self.status)
        self.activated.connect(self._on_activated)

    def show_status(self, status: TrayStatus) -> None:
        if status != self.status:
            self.status = status
            self._apply(status)

    def _apply(self, status: TrayStatus) -> None:
        self.setIcon(tray_icon(status.state))
        self.setToolTip(status.tooltip)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # Right click (Context) opens the menu by itself.
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_window.emit()
