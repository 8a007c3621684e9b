"""The Channels part of the window: search, group and favourites filters, the list, playlists.

It shows what it is given (`show_view`, `set_playing`) and says what the
person asked for through signals; `ChannelCommands` decides what happens.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.streaming.channels import Channel, ChannelKey, ChannelsView
from desktop.streaming.channels.names import natural_key
from desktop.streaming.sources import SourcesView
from desktop.ui.channels_model import GROUP, GUIDE, NAME, NUMBER, STAR, ChannelsModel
from desktop.ui.check_links import CheckLinksButton, CheckProgressRow, add_channel_checks
from desktop.ui.formatting import count_phrase
from desktop.ui.logos import LogoProvider

ALL_GROUPS = "All groups"
ROW_HEIGHT = 28


class ChannelsPane(QWidget):
    play_requested = Signal(object)  # Channel
    copy_link_requested = Signal(object)  # Channel
    favourite_requested = Signal(object, bool)  # ChannelKey, on
    number_requested = Signal(object, str)  # Channel, the number typed
    playlists_requested = Signal()  # open the playlists dialog
    guide_choice_requested = Signal(object)  # Channel: let the person pick its guide channel
    guide_set_requested = Signal(object, object)  # ChannelKey, GuideRef | None (None: no guide)
    guide_auto_requested = Signal(object)  # ChannelKey: back to matching automatically
    check_requested = Signal(object)  # list[ChannelKey]: check these links
    stop_check_requested = Signal()
    sources_requested = Signal(object)  # Channel: its sources (order, detach, add)
    count_changed = Signal(int)  # channels in all playlists (the tab's title says it)

    def __init__(self, logos: LogoProvider | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ChannelsModel(logos, self)
        self.model.number_requested.connect(self.number_requested)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search channels by name or group")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        # From the search box into the list with the keyboard alone: Down moves there, Enter plays.
        self.search.installEventFilter(self)
        self.search.returnPressed.connect(self._play_from_search)
        self.group = QComboBox()
        self.group.setMinimumContentsLength(14)
        self.group.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.group.addItem(ALL_GROUPS, None)
        self.group.currentIndexChanged.connect(self._filter)
        self.favourites_only = QToolButton()
        self.favourites_only.setText("★ Favourites")
        self.favourites_only.setCheckable(True)
        self.favourites_only.setToolTip("Show only your favourite channels")
        self.favourites_only.toggled.connect(self._filter)
        self.count = QLabel()
        self.count.setStyleSheet("color: palette(mid);")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Room for the longest count, so the search box does not move as the count changes.
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("88,888 of 88,888 channels") + 8)
        self.playlists_button = QPushButton("Playlists…")
        self.playlists_button.setToolTip("Add, remove or refresh the playlists the channels come from")
        self.playlists_button.clicked.connect(self.playlists_requested)
        self.check_button = CheckLinksButton(self.model.shown, lambda: self.model.view)
        self.check_button.check_requested.connect(self.check_requested)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.group, 1)
        bar.addWidget(self.favourites_only)
        bar.addWidget(self.count)
        bar.addWidget(self.check_button)
        bar.addWidget(self.playlists_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: a download has no known length
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)
        self.progress_box.hide()
        self.check_row = CheckProgressRow()
        self.check_row.stop_requested.connect(self.stop_check_requested)

        self.table = self._make_table(logos)
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(mid); padding: 16px;")
        self.add_button = QPushButton("Add a playlist…")
        self.add_button.clicked.connect(self.playlists_requested)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.placeholder)
        empty_layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(self.table)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.progress_box)
        layout.addWidget(self.check_row)
        layout.addWidget(self.stack, 1)
        self._groups: tuple[tuple[str, int], ...] = ()
        self._show_empty_or_list()

    def _make_table(self, logos: LogoProvider | None) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Only the number is editable: by double-click on it, F2, or the menu (a double-click elsewhere plays).
        table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        if logos is not None:
            table.setIconSize(logos.size)
        rows = table.verticalHeader()
        rows.hide()
        # Fixed heights and no "resize to contents": Qt then asks only the rows on
        # screen for their data, so only their logos are fetched.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        header = table.horizontalHeader()
        header.setSectionResizeMode(STAR, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(STAR, 34)
        header.setSectionResizeMode(NUMBER, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(NUMBER, 56)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(GROUP, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(GROUP, 220)
        header.setSectionResizeMode(GUIDE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(GUIDE, 200)
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the playlists' own order first
        table.setSortingEnabled(True)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._menu)
        table.clicked.connect(self._clicked)
        table.doubleClicked.connect(self._double_clicked)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self._play_current)
        return table

    # -- feeding ------------------------------------------------------------------------
    def show_view(self, view: ChannelsView) -> None:
        self.model.set_view(view)
        groups = tuple(sorted(view.state.catalog.group_sizes.items(), key=lambda item: natural_key(item[0])))
        if groups != self._groups:
            self._set_groups(groups)
        downloading = [p for p in view.state.playlists if p.source in view.refreshing]
        self.progress_box.setVisible(bool(downloading))
        if downloading:
            self.progress_label.setText(f"Downloading {count_phrase(len(downloading), 'playlist')}…")
        self.count_changed.emit(len(view.state.catalog))
        self._show_empty_or_list()

    def show_sources(self, view: SourcesView) -> None:
        """Dead links greyed in the list; the link check's progress."""
        self.model.set_health(view.health)
        self.check_row.show_progress(view.check)

    def set_playing(self, keys: frozenset[ChannelKey]) -> None:
        self.model.set_playing(keys)

    def selected_channel(self) -> Channel | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.channel_at(rows[0].row()) if rows else None

    def focus_search(self) -> None:
        """Ctrl+F: the search box, its text selected so typing replaces it."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down and self.model.rowCount():
                self._enter_list()
                return True
        return super().eventFilter(watched, event)

    # -- inside ---------------------------------------------------------------------------
    def _enter_list(self) -> None:
        """Focus the list on the selected channel, else the first one shown."""
        row = max(0, self.table.currentIndex().row())
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.table.selectRow(row)

    def _play_from_search(self) -> None:
        """Enter in the search box plays the channel found (the selected one, else the first)."""
        if self.model.rowCount():
            self._enter_list()
            self._play_current()

    def _set_groups(self, groups: tuple[tuple[str, int], ...]) -> None:
        """The group list: sorted as a person reads names, each with its number of channels."""
        chosen = self.group.currentData()
        names = {name for name, _count in groups}
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItem(ALL_GROUPS, None)
        for name, count in groups:
            self.group.addItem(f"{name} ({count:,})", name)
        self.group.setCurrentIndex(max(0, self.group.findData(chosen)) if chosen in names else 0)
        self.group.blockSignals(False)
        self._groups = groups
        if chosen is not None and chosen not in names:
            self._filter()

    def _filter(self) -> None:
        self.model.set_filter(self.search.text(), self.group.currentData(), self.favourites_only.isChecked())
        self._show_empty_or_list()

    def _show_empty_or_list(self) -> None:
        total = len(self.model.catalog)
        shown = self.model.rowCount()
        self.count.setText(
            count_phrase(total, "channel") if shown == total else f"{shown:,} of {count_phrase(total, 'channel')}"
        )
        if shown:
            self.stack.setCurrentWidget(self.table)
            return
        self.add_button.setVisible(not total)
        if not self.model.view.state.playlists:
            text = (
                "No channels yet.\n\nAdd the playlists you already use — an address (http or https) "
                "or an .m3u file — and their channels appear here with names, groups and logos."
            )
        elif not total:
            text = "The playlists have no channels yet (see Playlists… for what went wrong)."
        elif self.favourites_only.isChecked() and not self.model.view.state.favourites:
            text = "No favourites yet. Click a channel's star ☆ to add it."
        else:
            text = (
                f"No channel matches “{self.search.text().strip()}”."
                if self.search.text().strip()
                else "No channel in this group."
            )
        self.placeholder.setText(text)
        self.stack.setCurrentIndex(0)

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == STAR:
            channel = self.model.channel_at(index.row())
            if channel is not None:
                self.favourite_requested.emit(channel.key, not self.model.is_favourite(channel))

    def _double_clicked(self, index: QModelIndex) -> None:
        channel = self.model.channel_at(index.row())
        if channel is not None and index.column() == NUMBER:
            self.table.edit(index)
        elif channel is not None and index.column() != STAR:
            self.play_requested.emit(channel)

    def edit_number(self, channel: Channel) -> None:
        row = self.model.row_of(channel.key)
        if row >= 0:
            index = self.model.index(row, NUMBER)
            self.table.setCurrentIndex(index)
            self.table.edit(index)

    def _play_current(self) -> None:
        channel = self.model.channel_at(self.table.currentIndex().row())
        if channel is not None:
            self.play_requested.emit(channel)

    def _menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        channel = self.model.channel_at(index.row()) if index.isValid() else None
        if channel is None:
            return
        menu = self.context_menu(channel)
        menu.popup(self.table.viewport().mapToGlobal(position))

    def context_menu(self, channel: Channel) -> QMenu:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right click: gone once closed
        menu.addAction("Open in player", lambda: self.play_requested.emit(channel))
        menu.addAction("Copy stream link", lambda: self.copy_link_requested.emit(channel))
        menu.addAction("Change number…", lambda: self.edit_number(channel))
        menu.addSeparator()
        if self.model.is_favourite(channel):
            menu.addAction("Remove from favourites", lambda: self.favourite_requested.emit(channel.key, False))
        else:
            menu.addAction("Add to favourites", lambda: self.favourite_requested.emit(channel.key, True))
        what = "infohash" if channel.kind == "infohash" else "content id"
        menu.addAction(f"Copy {what}", lambda: QGuiApplication.clipboard().setText(channel.id))
        count = len(self.model.catalog.sources_of(channel.key))
        menu.addAction(f"Sources ({count})…", lambda: self.sources_requested.emit(channel))
        menu.addSeparator()
        menu.addAction("Choose guide channel…", lambda: self.guide_choice_requested.emit(channel))
        if channel.key in self.model.guide.picks:
            menu.addAction("Match guide automatically", lambda: self.guide_auto_requested.emit(channel.key))
        if self.model.guide.picks.get(channel.key, False) is not None:  # not already "no guide"
            menu.addAction("No guide for this channel", lambda: self.guide_set_requested.emit(channel.key, None))
        add_channel_checks(menu, channel, self.model.view, self.check_requested.emit)
        return menu
