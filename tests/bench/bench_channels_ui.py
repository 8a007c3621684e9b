#!/usr/bin/env python3
"""On-demand benchmark of the window's channel list: prints figures, asserts nothing.

A shown Channels pane (offscreen Qt) with 10,000 channels by default, shaped
like the big real playlists (tests/bench/bench_channels.py makes them). Times
what a person does: each keystroke of a search until the list is repainted,
choosing a group, sorting by a column, starring a channel, a new copy of
the playlists arriving, and each keystroke of a name in Open in player… until
its completions are shown. Target (issue 10): filtering without visible lag —
a keystroke comfortably under ~50 ms, better one frame (16 ms).

    python tests/bench/bench_channels_ui.py
    python tests/bench/bench_channels_ui.py --channels 50000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from desktop.streaming.channels import ChannelsState, ChannelsView, parse
from desktop.ui.channels_model import GROUP, NAME
from desktop.ui.channels_view import ChannelsPane
from desktop.ui.link_dialog import LinkDialog
from desktop.ui.logos import LogoProvider
from tests.bench.bench_channels import GROUPS, make_playlist


def until_painted(app: QApplication, action: Callable[[], object]) -> float:
    """Seconds from the action to the end of the repaint it causes."""
    start = time.perf_counter()
    action()
    app.processEvents()
    return time.perf_counter() - start


def type_into(widget: QWidget, text: str) -> None:
    """A key press that types `text`, as a keyboard would (QTest.keyClicks knows only ASCII)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, text))


def median_of(app: QApplication, action: Callable[[], object], undo: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        times.append(until_painted(app, action))
        undo()
        app.processEvents()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=10_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])

    parsed = parse(make_playlist(args.channels), playlist="bench")
    state = ChannelsState().with_playlist("bench")
    state = state.with_update(state.playlists[0].succeeded(parsed, time.time()))
    _ = state.catalog  # built on the core's loop in the app, never in the window
    print(f"{len(state.catalog)} channels; python {sys.version.split()[0]}, Qt platform {app.platformName()}\n")

    pane = ChannelsPane(LogoProvider())  # attached to no core: logos are not what is measured here
    _ = state.catalog.logos  # the logo ids, likewise built on the core's loop
    pane.resize(1000, 640)
    pane.show()
    app.processEvents()
    first = until_painted(app, lambda: pane.show_view(ChannelsView(state, frozenset(), True)))
    print(f"first view of the playlists (model + groups + paint)  {first * 1000:7.2f} ms")
    again = until_painted(app, lambda: pane.show_view(ChannelsView(state.with_playlist("other"), frozenset(), True)))
    print(f"a new copy arrives (model reset + paint)              {again * 1000:7.2f} ms\n")

    print("search as you type (each keystroke until repainted; query: ms/matches):")
    for text in ("sport 12", "новости", "الجزيرة", "hd live"):
        figures = []
        for end in range(1, len(text) + 1):
            seconds = until_painted(app, lambda q=text[:end]: pane.search.setText(q))
            figures.append((text[:end], seconds, pane.model.rowCount()))
        worst = max(s for _, s, _ in figures)
        shown = "  ".join(f"{q!r}:{s * 1000:.1f}/{n}" for q, s, n in figures)
        print(f"  worst {worst * 1000:6.2f} ms   {shown}")
        pane.search.clear()
        app.processEvents()

    group = pane.group.findData(GROUPS[3])
    group_s = median_of(app, lambda: pane.group.setCurrentIndex(group), lambda: pane.group.setCurrentIndex(0))
    print(f"\none group chosen                       {group_s * 1000:7.2f} ms")
    sort_name = median_of(
        app, lambda: pane.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder), lambda: pane.model.sort(-1)
    )
    sort_group = median_of(
        app, lambda: pane.table.sortByColumn(GROUP, Qt.SortOrder.DescendingOrder), lambda: pane.model.sort(-1)
    )
    print(f"sort by name / by group                {sort_name * 1000:7.2f} / {sort_group * 1000:.2f} ms")
    key = state.catalog.channels[0].key
    starred = ChannelsView(state.with_favourite(key), frozenset(), True)
    plain = ChannelsView(state, frozenset(), True)
    pane.show_view(plain)
    star_s = median_of(app, lambda: pane.show_view(starred), lambda: pane.show_view(plain))
    print(f"a star clicked (favourites arrive)     {star_s * 1000:7.2f} ms")

    print("\nOpen in player… completion (each keystroke until the popup is repainted; query: ms/offered):")
    dialog = LinkDialog("Open in player", "Play", state.catalog)
    dialog.show()
    app.processEvents()
    for text in ("sport 12", "новости", "hd live"):
        dialog.input.clear()
        app.processEvents()
        figures = []
        for char in text:
            seconds = until_painted(app, lambda c=char: type_into(dialog.input, c))
            figures.append((dialog.input.text(), seconds, dialog.completions.rowCount()))
        worst = max(s for _, s, _ in figures)
        shown = "  ".join(f"{q!r}:{s * 1000:.1f}/{n}" for q, s, n in figures)
        print(f"  worst {worst * 1000:6.2f} ms   {shown}")


if __name__ == "__main__":
    main()
