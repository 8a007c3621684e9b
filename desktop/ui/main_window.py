"""The window: streams, the selected stream's players, and what happened.

It only displays what it is given (snapshots, events, banner specs) and
reports what the user asked for through signals; the controller decides.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QAbstractItemModel, QEvent, QItemSelection, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.channels import elide_id
from desktop.streaming.snapshot import ProxyEvent, ProxySnapshot, StreamSnapshot
from desktop.ui.actions import AppActions
from desktop.ui.banner import Banner, BannerSpec
from desktop.ui.engine_view import engine_phrase
from desktop.ui.formatting import count_phrase
from desktop.ui.models import ClientsModel, EventsModel, StreamsModel

NOTICE_MS = 15000
CHANNEL_COLUMN_WIDTH = 320  # a channel name, or a whole 40-hex id, without a wide empty stretch


def _table(model: QAbstractItemModel, stretch_column: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    header.setHighlightSections(False)
    return view


def _placeholder(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet("color: palette(mid); padding: 16px;")
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold; padding-top: 4px;")
    return label


class MainWindow(QMainWindow):
    copy_link_requested = Signal(str)  # content id
    play_requested = Signal(str)  # content id
    close_requested = Signal()  # the user closed the window (the controller decides: hide or quit)
    view_changed = Signal()  # shown, hidden, minimised or restored: see in_view()

    def __init__(self, actions: AppActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AceTray")
        self.resize(1000, 660)

        toolbar = QToolBar("Main")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(actions.start_stop)
        toolbar.addAction(actions.engine)
        toolbar.addSeparator()
        toolbar.addAction(actions.copy_link)
        toolbar.addAction(actions.open_player)
        toolbar.addAction(actions.share)
        recent = QToolButton()
        recent.setText("Recent channels")
        recent.setMenu(actions.recent_menu)
        recent.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        toolbar.addWidget(recent)
        toolbar.addSeparator()
        toolbar.addAction(actions.settings)
        toolbar.addAction(actions.open_logs)
        toolbar.addSeparator()
        toolbar.addAction(actions.quit)
        self.addToolBar(toolbar)

        self.banner = Banner()
        self.status_line = QLabel()
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.streams_model = StreamsModel(self)
        self.streams_view = _table(self.streams_model, stretch_column=1)
        # The channel's name, else its whole id: elided in the middle, both ends of an id stay readable.
        self.streams_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.streams_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.streams_view.horizontalHeader().resizeSection(0, CHANNEL_COLUMN_WIDTH)
        self.streams_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.streams_view.customContextMenuRequested.connect(self._stream_menu)
        self.streams_placeholder = _placeholder()
        self.streams_stack = QStackedWidget()
        self.streams_stack.addWidget(self.streams_placeholder)
        self.streams_stack.addWidget(self.streams_view)

        self.clients_heading = _heading("Players")
        self.clients_model = ClientsModel(self)
        self.clients_view = _table(self.clients_model, stretch_column=1)
        self.clients_placeholder = _placeholder()
        self.clients_stack = QStackedWidget()
        self.clients_stack.addWidget(self.clients_placeholder)
        self.clients_stack.addWidget(self.clients_view)

        self.events_model = EventsModel(parent=self)
        self.events_view = QListView()
        self.events_view.setModel(self.events_model)
        # Long events wrap instead of scrolling sideways: each is a sentence to read whole.
        self.events_view.setWordWrap(True)
        self.events_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.events_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.events_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Follow new events unless the user scrolled up to read. Kept as a state, not worked
        # out per event: wrapped rows get their heights only once laid out (later, or when a
        # hidden window shows), and the range grows then, not when the event is added.
        self._events_follow = True
        events_bar = self.events_view.verticalScrollBar()
        events_bar.valueChanged.connect(self._events_scrolled)
        events_bar.rangeChanged.connect(self._events_range_changed)
        self.events_placeholder = _placeholder("Nothing has happened yet.")
        self.events_stack = QStackedWidget()
        self.events_stack.addWidget(self.events_placeholder)
        self.events_stack.addWidget(self.events_view)

        splitter = QSplitter(Qt.Orientation.Vertical)
        for heading, widget in (
            (_heading("Channels"), self.streams_stack),
            (self.clients_heading, self.clients_stack),
            (_heading("Events"), self.events_stack),
        ):
            pane = QWidget()
            pane_layout = QVBoxLayout(pane)
            pane_layout.setContentsMargins(0, 0, 0, 0)
            pane_layout.addWidget(heading)
            pane_layout.addWidget(widget)
            splitter.addWidget(pane)
        splitter.setSizes([260, 220, 140])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.status_line)
        self.tabs = QTabWidget()  # the live view; the controller adds the channel list beside it
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(splitter, "Now playing")
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        # The status bar carries notices only: shown while one is, so no empty strip sits at the bottom.
        status_bar = self.statusBar()
        status_bar.setSizeGripEnabled(False)
        status_bar.messageChanged.connect(lambda text: status_bar.setVisible(bool(text)))
        status_bar.hide()

        self.streams_view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._snapshot: ProxySnapshot | None = None
        self._link_hint = ""
        self._address = ""
        self.engine_on_first_play = False  # an engine AceTray runs waits for the first play (status line)
        self.show_snapshot(None)

    # -- feeding -------------------------------------------------------------
    def show_snapshot(self, snapshot: ProxySnapshot | None, link_hint: str = "", address: str = "") -> None:
        """`address`: where other players reach the proxy (the LAN address, not 0.0.0.0, when shared)."""
        self._snapshot = snapshot
        self._link_hint = link_hint
        self._address = address
        now = snapshot.taken_at if snapshot and snapshot.taken_at else time.time()
        streams = snapshot.streams if snapshot else ()
        self.streams_model.update_rows(streams, now)
        self.status_line.setText(self._status_text(snapshot))
        if streams:
            self.streams_stack.setCurrentWidget(self.streams_view)
            if not self.streams_view.selectionModel().hasSelection():
                # Show someone's players right away; the user's own choice is never overridden.
                self.streams_view.selectRow(0)
        else:
            self.streams_placeholder.setText(self._empty_streams_text(snapshot))
            self.streams_stack.setCurrentWidget(self.streams_placeholder)
        self._show_clients(now)

    def _status_text(self, snapshot: ProxySnapshot | None) -> str:
        if snapshot is None:
            return "Starting the proxy…"
        if not snapshot.running:
            return "The proxy is stopped; players cannot connect."
        if snapshot.engine_host is not None:
            engine = engine_phrase(snapshot.engine_host, self.engine_on_first_play)
        elif snapshot.demo_engine:
            engine = "built-in demo engine" + (" not answering" if snapshot.engine_reachable is False else "")
        elif snapshot.engine_reachable is False:
            engine = f"engine unreachable at {snapshot.engine_url}"
        elif snapshot.engine_version:
            engine = f"AceStream engine {snapshot.engine_version} at {snapshot.engine_url}"
        else:
            engine = f"engine {snapshot.engine_url}"
        streams = count_phrase(len(snapshot.streams), "channel")
        if ready := sum(s.waiting_to_be_watched for s in snapshot.streams):
            streams += f" ({ready} kept ready)"
        players = count_phrase(snapshot.player_count, "player")
        return f"Proxy running at {self._address or snapshot.listen_url}  ·  {engine}  ·  {streams}, {players}"

    def _empty_streams_text(self, snapshot: ProxySnapshot | None) -> str:
        if snapshot is None:
            return "Starting…"
        if not snapshot.running:
            return "The proxy is stopped. Use Start proxy to let players connect."
        example = self._link_hint or f"{snapshot.listen_url}/ace/getstream?id=<content id>"
        return (
            "Nothing is playing.\n\nOpen a channel in any player with\n"
            f"{example}\n\nor use Copy stream link… / Open in player… above."
        )

    def _selected_stream(self) -> StreamSnapshot | None:
        rows = self.streams_view.selectionModel().selectedRows()
        return self.streams_model.row_at(rows[0].row()) if rows else None

    def _show_clients(self, now: float | None = None) -> None:
        stream = self._selected_stream()
        self.clients_model.show_stream(stream, now)
        if stream is None:
            self.clients_heading.setText("Players")
            self.clients_placeholder.setText("Select a channel above to see its players.")
            self.clients_stack.setCurrentWidget(self.clients_placeholder)
            return
        title = stream.name or elide_id(stream.content_id)
        self.clients_heading.setText(f"Players of {title}")
        if stream.clients:
            self.clients_stack.setCurrentWidget(self.clients_view)
        else:
            if stream.state == "lingering":
                empty = "No player is connected to this channel; it closes when its linger time is over."
            elif stream.warm:
                empty = "No player is connected. This favourite is kept ready, so it plays at once when chosen."
            else:
                empty = "No player is connected to this channel."
            self.clients_placeholder.setText(empty)
            self.clients_stack.setCurrentWidget(self.clients_placeholder)

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_clients()

    def add_event(self, event: ProxyEvent) -> None:
        self.events_model.add(event)
        self.events_stack.setCurrentWidget(self.events_view)

    def _events_scrolled(self, value: int) -> None:
        self._events_follow = value >= self.events_view.verticalScrollBar().maximum() - 2

    def _events_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._events_follow:
            self.events_view.verticalScrollBar().setValue(maximum)

    def show_banner(self, spec: BannerSpec | None) -> None:
        self.banner.show_spec(spec)

    def show_notice(self, text: str) -> None:
        self.statusBar().showMessage(text, NOTICE_MS)

    def clear_notice(self, starting: str) -> None:
        """Take a notice that is no longer news off the status bar (only if it is the one shown)."""
        if self.statusBar().currentMessage().startswith(starting):
            self.statusBar().clearMessage()

    # -- user input ----------------------------------------------------------
    def _stream_menu(self, position: QPoint) -> None:
        index: QModelIndex = self.streams_view.indexAt(position)
        stream = self.streams_model.row_at(index.row()) if index.isValid() else None
        if stream is None:
            return
        menu = QMenu(self)
        menu.addAction("Copy stream link", lambda: self.copy_link_requested.emit(stream.content_id))
        menu.addAction("Open in player", lambda: self.play_requested.emit(stream.content_id))
        menu.addAction("Copy content id", lambda: QGuiApplication.clipboard().setText(stream.content_id))
        menu.popup(self.streams_view.viewport().mapToGlobal(position))

    def in_view(self) -> bool:
        """Someone could be reading the figures: shown and not minimised."""
        return self.isVisible() and not self.isMinimized()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.view_changed.emit()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.view_changed.emit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self.view_changed.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Never destroyed by closing: the controller hides it (tray) or quits.
        event.ignore()
        self.close_requested.emit()
