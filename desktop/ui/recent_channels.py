"""The tray's *Recent channels*: the channels AceTray gave out and the ones players opened by URL.

A channel copied or played through AceTray goes first at once; one a player
opened by its own link (VLC's history, a TV app) is learnt from the snapshots
the moment its stream appears. The list is a setting (`recent_channels`,
content ids, newest first), saved when it changes.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.streaming.channels import ChannelKey, elide_id
from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui.ui_services import UiServices


class RecentChannels:
    def __init__(self, ui: UiServices, *, pick: Callable[[ChannelKey], None], name_of: Callable[[str], str | None]):
        self._ui = ui
        self._pick = pick  # what a click does: play or copy (the acestream:// links setting)
        self._name_of = name_of
        self._streaming: frozenset[str] = frozenset()  # content ids with a stream in the last snapshot

    def learn(self, snapshot: ProxySnapshot) -> None:
        """A stream that appeared since the last snapshot was opened by a player: it is recent now."""
        streaming = frozenset(s.content_id for s in snapshot.streams if s.kind == "id")
        for content_id in streaming - self._streaming:
            self.remember(ChannelKey("id", content_id))
        self._streaming = streaming

    def remember(self, key: ChannelKey) -> None:
        if key.kind != "id":
            return  # Recent channels keeps content ids (an infohash would replay as an id)
        saved = self._ui.settings.saved
        if saved.recent_channels[:1] != (key.content_id,):
            problem = self._ui.settings.save(saved.with_recent(key.content_id))
            if problem:
                self._ui.notify("Settings not saved", problem, level="error")
            self.refresh()

    def refresh(self) -> None:
        """The menu again: after a change, new names from the playlists, or the setting for clicks."""
        saved = self._ui.settings.saved
        entries = [(ChannelKey("id", cid), self._name_of(cid) or elide_id(cid)) for cid in saved.recent_channels]
        self._ui.actions.set_recent(entries, self._pick, verb=click_verb(saved.link_action))


def click_verb(link_action: str) -> str:
    """What a click on a channel in the tray's menus does, in words (their tooltips)."""
    return "Open in player" if link_action == "play" else "Copy stream link"
