"""Table models fed from the core's snapshots, about once a second.

Rows are keyed (content id, client id) and updated in place: unchanged rows
stay, changed cells get `dataChanged`, vanished rows are removed and new ones
appended with begin/endRemove/InsertRows. No `modelReset` per tick, so the
user's selection and scroll position survive every update.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from desktop.streaming.channels import elide_id
from desktop.streaming.snapshot import ClientSnapshot, ProxyEvent, StreamSnapshot
from desktop.ui.formatting import (
    format_bytes,
    format_clock,
    format_duration,
    format_kbps,
    format_rate,
)
from desktop.ui.player_apps import player_app
from desktop.ui.source_view import SOURCE_HEADER_TIP, source_cell, source_tip

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Column(Generic[Row]):
    title: str
    text: Callable[[Row, float], str]  # (row, now) → cell text
    numeric: bool = False  # right-aligned
    tooltip: Callable[[Row, float], str] | None = None
    header_tip: str = ""  # what the column means, on the header


class KeyedTableModel(QAbstractTableModel, Generic[Row]):
    """A table of snapshot rows identified by a key; see the module docstring."""

    def __init__(
        self, columns: Sequence[Column[Row]], key: Callable[[Row], Hashable], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._key = key
        self._rows: list[Row] = []
        self._now = time.time()

    # -- Qt API --------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if self._columns[section].numeric else _LEFT
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._columns[section].header_tip or None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row, self._now)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row, self._now)
        if role == Qt.ItemDataRole.UserRole:
            return self._key(row)
        return None

    # -- feeding -------------------------------------------------------------
    def row_at(self, position: int) -> Row | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None

    def row_of(self, key: Hashable) -> int:
        for position, row in enumerate(self._rows):
            if self._key(row) == key:
                return position
        return -1

    def keys(self) -> list[Hashable]:
        return [self._key(row) for row in self._rows]

    def update_rows(self, rows: Sequence[Row], now: float | None = None) -> None:
        """Make the model show `rows`, keeping the order rows first appeared in."""
        self._now = time.time() if now is None else now
        incoming = {self._key(row): row for row in rows}
        # Remove vanished rows bottom-up so earlier positions stay valid.
        for position in range(len(self._rows) - 1, -1, -1):
            if self._key(self._rows[position]) not in incoming:
                self.beginRemoveRows(QModelIndex(), position, position)
                del self._rows[position]
                self.endRemoveRows()
        # Refresh the survivors in place; one dataChanged covers them all.
        # (Uptime and "connected since" change every tick anyway.)
        for position, row in enumerate(self._rows):
            self._rows[position] = incoming.pop(self._key(row))
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._rows) - 1, len(self._columns) - 1),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
            )
        if incoming:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(incoming) - 1)
            self._rows.extend(incoming.values())
            self.endInsertRows()


def _channel(stream: StreamSnapshot, _now: float) -> str:
    # The whole id when there is no name: the view elides it in the middle to fit.
    return stream.name or stream.content_id


def _channel_tip(stream: StreamSnapshot, _now: float) -> str:
    lines = [stream.name or "Not in any playlist", f"{stream.kind}: {stream.content_id}"]
    if stream.group:
        lines.insert(1, f"Group: {stream.group}")
    if stream.warm:
        lines.append("A favourite kept ready")
    if stream.reconnects:
        lines.append(f"Reconnects: {stream.reconnects}")
    if stream.last_error:
        lines.append(f"Last error: {stream.last_error}")
    return "\n".join(lines)


READY_TIP = (
    "A favourite kept ready (Settings → Channels): open in the engine with nobody watching, "
    "so it plays at once when chosen. It downloads all the time, as if watched."
)


# The engine's stat words (docs/engine-api.md) as a person reads them; "dl" is the engine
# downloading as it should, which "playing" already says. A word not listed is shown as it is.
ENGINE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "dl": "",
        "prebuf": "buffering",
        "buf": "buffering",
        "check": "checking",
        "wait": "waiting for peers",
        "idle": "engine idle",
        "err": "engine error",
    }
)


def _status_tip(stream: StreamSnapshot, _now: float) -> str:
    said = stream.last_error or (READY_TIP if stream.waiting_to_be_watched else "")
    engine = f"The engine says: {stream.engine_status}" if stream.engine_status else ""
    return "\n".join(line for line in (said, engine) if line)


def _engine_status(stream: StreamSnapshot, _now: float) -> str:
    # The proxy's own state first (what the user acts on), then the engine's, in words.
    word = ENGINE_WORDS.get(stream.engine_status, stream.engine_status) if stream.engine_status else ""
    return f"{stream.state} ({word})" if word and word != stream.state else stream.state


def _player(client: ClientSnapshot, _now: float) -> str:
    # The app as a person names it; an HLS player is known only by its requests: say so, it
    # explains its "Dropped" of 0.
    app = player_app(client.user_agent).label
    return app if client.kind == "TS" else f"{client.kind} · {app}"


def _player_tip(client: ClientSnapshot, _now: float) -> str:
    agent = f"User agent: {client.user_agent}" if client.user_agent else "The player sent no user agent."
    if client.kind == "HLS":
        return f"{agent}\nHLS: fetches the playlist and segments; counted while it keeps fetching"
    return agent


def _rate(client: ClientSnapshot, _now: float) -> str:
    # A player still waiting for its first bytes has no rate yet, not a rate of nothing.
    return "—" if client.state == "waiting" else format_rate(client.rate_bps)


def _optional_int(value: int | None) -> str:
    return "—" if value is None else str(value)


STREAM_COLUMNS: tuple[Column[StreamSnapshot], ...] = (
    Column("Channel", _channel, tooltip=_channel_tip),
    Column("Status", _engine_status, tooltip=_status_tip),
    Column("Source", lambda s, _n: source_cell(s), tooltip=lambda s, _n: source_tip(s), header_tip=SOURCE_HEADER_TIP),
    Column("Peers", lambda s, _n: _optional_int(s.peers), numeric=True),
    Column("Download", lambda s, _n: format_kbps(s.speed_down_kbps), numeric=True),
    Column("Players", lambda s, _n: str(len(s.clients)), numeric=True),
    Column("Uptime", lambda s, now: format_duration(now - s.started_at), numeric=True),
    Column(
        "Delivered",
        lambda s, _n: format_bytes(s.bytes_out),
        numeric=True,
        tooltip=lambda s, _n: f"Read from the engine: {format_bytes(s.bytes_in)}",
    ),
)

_RATE_TIP = (
    "What this player took over the last few seconds (its own rate, not the channel's); "
    "a player that falls behind shows less (see Dropped). “—” while it waits for its first bytes."
)

CLIENT_COLUMNS: tuple[Column[ClientSnapshot], ...] = (
    Column("Address", lambda c, _n: c.address),
    Column("Player", _player, tooltip=_player_tip),
    Column(
        "Connected since",
        lambda c, _n: format_clock(c.connected_at),
        numeric=True,
        tooltip=lambda c, now: f"for {format_duration(now - c.connected_at)}",
    ),
    Column("Sent", lambda c, _n: format_bytes(c.bytes_sent), numeric=True),
    Column(
        "Recent rate",
        _rate,
        numeric=True,
        tooltip=lambda c, _n: _RATE_TIP,
        header_tip=_RATE_TIP,
    ),
    Column(
        "Dropped",
        lambda c, _n: str(c.dropped_chunks),
        numeric=True,
        tooltip=lambda c, _n: "Chunks this player was too slow to take (it skipped ahead)",
    ),
    Column("State", lambda c, _n: c.state),
)


class StreamsModel(KeyedTableModel[StreamSnapshot]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(STREAM_COLUMNS, key=lambda s: s.content_id, parent=parent)


class ClientsModel(KeyedTableModel[ClientSnapshot]):
    """The players of one stream (the one selected in the streams table)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(CLIENT_COLUMNS, key=lambda c: c.client_id, parent=parent)
        self.content_id: str | None = None

    def show_stream(self, stream: StreamSnapshot | None, now: float | None = None) -> None:
        content_id = stream.content_id if stream else None
        if content_id != self.content_id:
            # A different stream is a different table: a reset is right here
            # (it happens on a user's click, not on every tick).
            self.beginResetModel()
            self._rows = []
            self.content_id = content_id
            self.endResetModel()
        self.update_rows(stream.clients if stream else (), now)


@dataclass(frozen=True)
class _EventRow:
    event: ProxyEvent
    text: str


def _event_tip(event: ProxyEvent) -> str:
    """The whole message, the technical detail when the core gives one, and the channel."""
    lines = [event.message]
    detail = event.extra.get("detail")
    if detail:
        lines.append(f"Detail: {detail}")
    if event.content_id:
        lines.append(f"Channel: {event.content_id}")
    return "\n".join(lines)


class EventsModel(QAbstractListModel):
    """The newest events at the bottom, bounded so a long run cannot grow memory."""

    def __init__(self, limit: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: deque[_EventRow] = deque()
        self._limit = limit

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return _event_tip(row.event)
        if role == Qt.ItemDataRole.UserRole:
            return row.event.level
        return None

    def add(self, event: ProxyEvent) -> None:
        if len(self._rows) >= self._limit:
            self.beginRemoveRows(QModelIndex(), 0, 0)
            self._rows.popleft()
            self.endRemoveRows()
        channel = f"[{event.channel or elide_id(event.content_id)}] " if event.content_id else ""
        marker = {"warning": "⚠ ", "error": "✖ "}.get(event.level, "")
        text = f"{format_clock(event.time)}  {marker}{channel}{event.message}"
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(_EventRow(event, text))
        self.endInsertRows()

    def texts(self) -> list[str]:
        return [row.text for row in self._rows]
