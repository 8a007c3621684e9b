"""macOS delivers clicked acestream:// links as QFileOpenEvent: they reach the link handler."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QFileOpenEvent

from desktop.ui.qt_glue import UrlOpenFilter


def test_file_open_event_hands_the_link_over(qapp) -> None:
    received: list[list] = []
    url_filter = UrlOpenFilter(received.append)
    link = "acestream://0123456789abcdef0123456789abcdef01234567"
    assert url_filter.eventFilter(QObject(), QFileOpenEvent(QUrl(link)))
    assert received == [[link]]


def test_other_events_pass_through(qapp) -> None:
    from PySide6.QtCore import QEvent

    received: list[list] = []
    assert not UrlOpenFilter(received.append).eventFilter(QObject(), QEvent(QEvent.Type.Show))
    assert received == []
