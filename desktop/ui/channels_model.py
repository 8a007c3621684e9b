"""The channel list's table model, fed from the core's frozen `ChannelsView`.

Searching, the group and favourites filters and sorting are done here in
plain Python over the catalog (built once per change on the core's loop), and
the model shows the result: a keystroke in a 10,000-channel list is one
`Catalog.search` (a list comprehension over lower-cased strings made once), a
sort when a column is chosen, and one model reset — a few milliseconds, see
tests/bench/bench_channels.py. A favourite's change repaints the star column
only, unless the list shows favourites alone.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from desktop.streaming.channels import Catalog, Channel, ChannelKey, ChannelsView, source_label
from desktop.streaming.channels.names import natural_key
from desktop.streaming.channels.numbering import sort_key
from desktop.streaming.guide.state import GuideView
from desktop.streaming.sources import HealthMap, SourceHealth
from desktop.ui.formatting import format_kbps, format_when
from desktop.ui.logos import LogoProvider

AnyIndex = QModelIndex | QPersistentModelIndex
STAR, NUMBER, NAME, GROUP, GUIDE = range(5)
HEADERS = ("★", "No.", "Channel", "Group", "Guide")
GUIDE_COLOUR = QColor("#8a8a8a")  # an automatic match: quieter than a pick
_HOW = {"tvg-id": "its tvg-id", "name": "its name", "similar name": "a similar name", "picked": "your choice"}
FAVOURITE_COLOUR = QColor("#e0a100")
PLAIN_STAR_COLOUR = QColor("#9a9a9a")
DEAD_COLOUR = QColor("#9a9a9a")  # a dead link's name and group, greyed
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LAST = (1 << 31, 0)  # a channel not numbered yet sorts after the others
_NO_SORT = -1


def channel_title(channel: Channel) -> str:
    """How a channel is named in lists and menus; a nameless one by its id, elided in the middle."""
    return channel.title


class ChannelsModel(QAbstractTableModel):
    # A number typed in the No. column: the core decides (it may refuse a number another
    # channel holds); the column shows the new number once the core's view says so.
    number_requested = Signal(object, str)  # Channel, the text typed

    def __init__(self, logos: LogoProvider | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._logos = logos
        self._view = ChannelsView()
        self._guide = GuideView()
        self._catalog: Catalog | None = None
        self._favourites: frozenset[ChannelKey] = frozenset()
        self._playing: frozenset[ChannelKey] = frozenset()
        self._health = HealthMap()
        self._rows: list[Channel] = []
        self._natural_keys: dict[str, list[str | int]] = {}  # names' sort keys, for this catalog
        self._query = ""
        self._group: str | None = None
        self._favourites_only = False
        self._sort_column = _NO_SORT
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._bold = QFont()
        self._bold.setBold(True)
        if logos is not None:
            logos.logos_ready.connect(self._repaint_logos)

    # -- feeding --------------------------------------------------------------------------
    @property
    def view(self) -> ChannelsView:
        return self._view

    @property
    def logos(self) -> LogoProvider | None:
        return self._logos

    @property
    def catalog(self) -> Catalog:
        return self._view.state.catalog

    def set_view(self, view: ChannelsView) -> None:
        catalog = view.state.catalog
        # A refresh that brought the same channels leaves the list (and the person's place in it) alone.
        old = self._catalog
        same_channels = catalog is old or (old is not None and catalog.channels == old.channels)
        favourites_moved = view.state.favourite_channels != self._favourites
        numbers_moved = view.state.numbers is not self._view.state.numbers
        self._view = view
        self._catalog = catalog
        if not same_channels:
            self._natural_keys = {}
        self._favourites = view.state.favourite_channels  # a star on a backup's id marks its channel
        if (
            not same_channels
            or (favourites_moved and (self._favourites_only or self._sort_column == STAR))
            or (numbers_moved and self._sort_column == NUMBER)
        ):
            self._refilter()
            return
        if numbers_moved and self._rows:
            self._changed(NUMBER, NUMBER, [Qt.ItemDataRole.DisplayRole])
        if favourites_moved and self._rows:
            self._changed(
                STAR, STAR, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole]
            )

    @property
    def guide(self) -> GuideView:
        return self._guide

    def set_guide(self, guide: GuideView) -> None:
        """Each channel's guide match, shown in the Guide column."""
        self._guide = guide
        if self._rows:
            self._changed(GUIDE, GUIDE, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole])

    def set_filter(self, query: str = "", group: str | None = None, favourites_only: bool = False) -> None:
        if (query, group, favourites_only) != (self._query, self._group, self._favourites_only):
            self._query, self._group, self._favourites_only = query, group, favourites_only
            self._refilter()

    def set_playing(self, keys: frozenset[ChannelKey]) -> None:
        """Channels streaming now are shown in bold."""
        if keys != self._playing:
            self._playing = keys
            if self._rows:
                self._changed(NAME, NAME, [Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ToolTipRole])

    def set_health(self, health: HealthMap) -> None:
        """Dead links are greyed; every checked one says how it went in its tooltip."""
        if health is not self._health:
            self._health = health
            if self._rows:
                self._changed(NUMBER, GUIDE, [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole])

    def health_of(self, channel: Channel) -> SourceHealth:
        return self._health.get(channel.key)

    def source_health(self, key: ChannelKey) -> SourceHealth:
        """One source's verdict (a channel of several has one per source)."""
        return self._health.get(key)

    def is_dead(self, channel: Channel) -> bool:
        """Every source of the channel is known dead (one that still may play keeps it bright)."""
        return self._health.all_dead(s.key for s in self.catalog.sources_of(channel.key))

    def shown(self) -> list[Channel]:
        """The channels the list shows now, in its order."""
        return list(self._rows)

    def channel_at(self, row: int) -> Channel | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: ChannelKey) -> int:
        return next((n for n, c in enumerate(self._rows) if c.key == key), -1)

    def is_favourite(self, channel: Channel) -> bool:
        return channel.key in self._favourites

    # -- Qt API ---------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == STAR:
            return "Favourites: click a star to add or remove one"
        if role == Qt.ItemDataRole.ToolTipRole and section == NUMBER:
            return "Channel numbers: TV apps list the channels by them. Double-click one to change it."
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return {STAR: _CENTER, NUMBER: _RIGHT}.get(section, _LEFT)  # headers over their columns' text
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        channel = self.channel_at(index.row()) if index.isValid() else None
        if channel is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole) and column == NUMBER:
            return self._view.state.number_of(channel.key)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == STAR:
                return "★" if channel.key in self._favourites else "☆"
            if column == GUIDE:
                return self._guide.match_title(channel.key) or "—"
            return channel_title(channel) if column == NAME else channel.group
        if role == Qt.ItemDataRole.DecorationRole and column == NAME and self._logos is not None:
            return self._logos.pixmap(self.catalog.logos.id_for(channel.logo), channel.name)
        if role == Qt.ItemDataRole.ForegroundRole and column == STAR:
            return FAVOURITE_COLOUR if channel.key in self._favourites else PLAIN_STAR_COLOUR
        if role == Qt.ItemDataRole.ForegroundRole and self.is_dead(channel):
            return DEAD_COLOUR
        if role == Qt.ItemDataRole.ForegroundRole and column == GUIDE and channel.key not in self._guide.picks:
            return GUIDE_COLOUR
        if role == Qt.ItemDataRole.FontRole and column == NAME and channel.key in self._playing:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (STAR, NUMBER):
            return _CENTER if column == STAR else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(channel, column)
        if role == Qt.ItemDataRole.UserRole:
            return channel
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.isValid() and index.column() == NUMBER else flags

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        channel = self.channel_at(index.row()) if index.isValid() else None
        if channel is None or index.column() != NUMBER or role != Qt.ItemDataRole.EditRole:
            return False
        text = str(value).strip()
        if text and text != self._view.state.number_of(channel.key):
            self.number_requested.emit(channel, text)
        return False  # shown once the core has it (see number_requested)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self.beginResetModel()
        self._rows = self._sorted(self._rows)
        self.endResetModel()

    # -- inside -----------------------------------------------------------------------------
    def _refilter(self) -> None:
        only = self._favourites if self._favourites_only else None
        found = self.catalog.search(self._query, group=self._group, only=only)
        self.beginResetModel()
        self._rows = self._sorted(found)
        self.endResetModel()

    def _sorted(self, rows: Any) -> list[Channel]:
        column, reverse = self._sort_column, self._sort_order == Qt.SortOrder.DescendingOrder
        # Natural order: "Sport 87" before "Sport 131", accents and case aside (names.py).
        if column == NAME:
            return sorted(rows, key=lambda c: self._natural(channel_title(c)), reverse=reverse)
        if column == GROUP:
            return sorted(rows, key=lambda c: (self._natural(c.group), self._natural(c.name)), reverse=reverse)
        if column == GUIDE:
            title = self._guide.match_title
            return sorted(rows, key=lambda c: (self._natural(title(c.key)), self._natural(c.name)), reverse=reverse)
        if column == NUMBER:
            number_of = self._view.state.number_of
            return sorted(rows, key=lambda c: sort_key(n) if (n := number_of(c.key)) else _LAST, reverse=reverse)
        if column == STAR:
            favourites = self._favourites
            # Ascending puts the favourites first: what a person sorting by the star wants.
            return sorted(rows, key=lambda c: c.key not in favourites, reverse=reverse)
        return list(rows)  # the playlists' own order

    def _natural(self, text: str) -> list[str | int]:
        """A name's natural sort key, kept for the catalog's life: sorting again is a lookup a name."""
        key = self._natural_keys.get(text)
        if key is None:
            key = self._natural_keys[text] = natural_key(text)
        return key

    def _tooltip(self, channel: Channel, column: int) -> str:
        if column == STAR:
            return "Remove from favourites" if channel.key in self._favourites else "Add to favourites"
        if column == GUIDE:
            return self._guide_tooltip(channel)
        if column == NUMBER:
            return "TV apps list the channel under this number. Double-click to change it."
        lines = [channel_title(channel)]
        if channel.group:
            lines.append(f"Group: {channel.group}")
        lines.append(f"{'Infohash' if channel.kind == 'infohash' else 'Content id'}: {channel.id}")
        if channel.playlist:
            lines.append(f"From {source_label(channel.playlist)}")
        sources = self.catalog.sources_of(channel.key)
        if len(sources) > 1:
            names = ", ".join(channel_title(s) for s in sources[:4]) + (", …" if len(sources) > 4 else "")
            lines.append(f"{len(sources)} sources, tried in this order: {names} (right-click → Sources…)")
        if channel.key in self._playing:
            lines.append("Playing now")
        for number, source in enumerate(sources, start=1):
            health = self._health.get(source.key)
            if health.checked_at is not None:
                lines.append(_health_line(health) if len(sources) == 1 else f"{number}. {_health_line(health)}")
        lines.append("Double-click to open it in the player")
        return "\n".join(lines)

    def _guide_tooltip(self, channel: Channel) -> str:
        match = self._guide.match_for(channel.key)
        if match is None:
            text = "No guide has this channel: /epg.xml lists it with its name in blocks of a few hours."
        elif match.ref is None:
            text = "You chose no guide for it: /epg.xml lists it with its name in blocks of a few hours."
        else:
            text = f"Programmes from {self._guide.match_title(channel.key)} ({match.ref.channel_id} in "
            text += f"{source_label(match.ref.source)}), matched by {_HOW.get(match.how, match.how)}."
        return text + "\nRight-click to choose its guide channel."

    def _changed(self, first: int, last: int, roles: list[Qt.ItemDataRole]) -> None:
        self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last), roles)

    def _repaint_logos(self) -> None:
        # The views repaint only the rows they show, so one signal for the column is cheap.
        if self._rows:
            self._changed(NAME, NAME, [Qt.ItemDataRole.DecorationRole])


def _health_line(health: SourceHealth) -> str:
    """ "Dead link: no data within 20 s (checked today 18:40)" or "Link alive: 7 peers, 250 KB/s (…)"."""
    when = f"(checked {format_when(health.checked_at or 0.0)})"
    if health.state == "dead":
        return f"Dead link: {health.reason or 'it did not play'} {when}"
    figures = []
    if health.peers is not None:
        figures.append(f"{health.peers} peer" if health.peers == 1 else f"{health.peers} peers")
    if health.speed_kbps is not None:
        figures.append(format_kbps(health.speed_kbps))
    return f"Link alive{': ' + ', '.join(figures) if figures else ''} {when}"
