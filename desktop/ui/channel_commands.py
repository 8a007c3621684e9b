"""Named channels as the person uses them: the list, the Playlists dialog, favourites, names.

Holds the newest `ChannelsView` from the core (a frozen value) and hands it to
the Channels pane, the Playlists dialog and the tray's Favourites menu; carries
their requests to the core through `CoreHost`'s named methods. Failures come
back as sentences: on the dialog's message line, or in the window's notices.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from desktop.app import CoreHost
from desktop.streaming.channels import (
    Channel,
    ChannelKey,
    ChannelsView,
    InvalidSource,
    PlaylistState,
    elide_id,
    source_label,
)
from desktop.streaming.channels.names import natural_key
from desktop.streaming.channels.numbering import NumberRefused
from desktop.streaming.guide.match import GuideRef
from desktop.streaming.guide.state import GuideView
from desktop.streaming.probes import CheckUnavailable
from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui.channels_model import channel_title
from desktop.ui.channels_view import ChannelsPane
from desktop.ui.formatting import count_phrase
from desktop.ui.guide_picker import GuidePicker
from desktop.ui.link_commands import LinkCommands
from desktop.ui.logos import LogoProvider
from desktop.ui.main_window import MainWindow
from desktop.ui.playlists_dialog import PlaylistsDialog
from desktop.ui.recent_channels import click_verb
from desktop.ui.source_commands import SourceCommands
from desktop.ui.ui_services import UiServices

log = logging.getLogger(__name__)
T = TypeVar("T")


class ChannelCommands:
    @classmethod
    def in_window(cls, window: MainWindow, ui: UiServices, **commands: Any) -> ChannelCommands:
        """The Channels tab beside the window's live view; its logos come from the core (`attach`)."""
        pane = ChannelsPane(LogoProvider(parent=window))
        window.tabs.addTab(pane, "Channels")

        def find() -> None:
            window.tabs.setCurrentWidget(pane)
            pane.focus_search()

        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), window).activated.connect(find)  # Ctrl+F, either tab
        pane.count_changed.connect(
            lambda count, tabs=window.tabs: tabs.setTabText(tabs.indexOf(pane), f"Channels ({count:,})")
        )
        return cls(ui, pane=pane, **commands)

    def __init__(
        self,
        ui: UiServices,
        *,
        pane: ChannelsPane,
        links: LinkCommands,
        apply_settings: Callable[[object], Awaitable[None]],
    ) -> None:
        self._ui = ui
        self.pane = pane
        self._links = links
        self._apply_settings = apply_settings
        self.view = ChannelsView()
        self.guide = GuideView()
        links.channel_name = self.name_for
        links.catalog = lambda: self.view.state.catalog
        pane.play_requested.connect(self.play)
        pane.copy_link_requested.connect(self.copy_link)
        pane.favourite_requested.connect(self.set_favourite)
        pane.number_requested.connect(self.set_number)
        pane.playlists_requested.connect(self.open_playlists)
        pane.guide_choice_requested.connect(self.choose_guide)
        pane.guide_set_requested.connect(self.set_guide)
        pane.guide_auto_requested.connect(self.unset_guide)
        pane.check_requested.connect(self.check_links)
        pane.stop_check_requested.connect(self.stop_check)
        self.sources = SourceCommands(ui, lambda: self.view, pane.model.source_health)
        pane.sources_requested.connect(self.sources.open)
        self.refresh_favourites_menu()

    # -- from the core ----------------------------------------------------------------------
    def attach(self, core: CoreHost) -> None:
        """Hear the core: its channel and guide views, and the logos the list asks it for."""
        queued = Qt.ConnectionType.QueuedConnection  # emitted on the core's thread
        core.channels_changed.connect(self.on_view, queued)
        core.guide_changed.connect(self.on_guide_view, queued)
        core.sources_changed.connect(self.pane.show_sources, queued)
        core.sources_changed.connect(lambda _view: self.sources.refresh(), queued)
        logos = self.pane.model.logos
        if logos is not None:
            core.logo_ready.connect(logos.deliver, queued)
            logos.attach(core.request_logo)

    def on_view(self, view: ChannelsView) -> None:
        old = self.view
        self.view = view
        self.pane.show_view(view)
        dialog = self._dialog()
        if dialog is not None:
            dialog.show_view(view)
        self.sources.refresh()
        if view.state.catalog is not old.state.catalog or view.state.favourites != old.state.favourites:
            self.refresh_favourites_menu()
            self._links.recent.refresh()  # names may have arrived

    def on_guide_view(self, guide: GuideView) -> None:
        self.guide = guide
        self.pane.model.set_guide(guide)
        dialog = self._dialog()
        if dialog is not None:
            dialog.guides.show_view(guide)

    def show_snapshot(self, snapshot: ProxySnapshot) -> None:
        """The channels playing now are shown in bold in the list."""
        self.pane.set_playing(frozenset(ChannelKey(s.kind, s.content_id) for s in snapshot.streams))

    def name_for(self, content_id: str) -> str | None:
        catalog = self.view.state.catalog
        return catalog.name_for(ChannelKey("id", content_id)) or catalog.name_for(ChannelKey("infohash", content_id))

    # -- playing and links ---------------------------------------------------------------------
    def play(self, channel: Channel) -> None:
        self._links.play_key(channel.key)

    def copy_link(self, channel: Channel) -> None:
        self._links.copy_key(channel.key)

    # -- link check ------------------------------------------------------------------------------
    def check_links(self, keys: list[ChannelKey]) -> None:
        self._ui.tasks.spawn(self._check(keys))

    async def _check(self, keys: list[ChannelKey]) -> None:
        if not keys:
            self._ui.notify("Check links", "No channel to check here.", level="info")
            return
        core = self._ui.proxy.core
        if core is None:
            return
        try:
            queued = await core.check_links(keys)
        except CheckUnavailable as exc:
            self._ui.notify("Check links", str(exc), level="warning")
            return
        if not queued:
            self._ui.notify("Check links", "These links are being checked already.", level="info")

    def stop_check(self) -> None:
        self._ui.tasks.spawn(self._call(lambda core: core.stop_check(), "stop the link check"))

    # -- favourites ----------------------------------------------------------------------------
    def set_favourite(self, key: ChannelKey, on: bool) -> None:
        self._ui.tasks.spawn(self._call(lambda core: core.set_favourite(key, on), "change the favourites"))

    # -- numbers ----------------------------------------------------------------------------------
    def set_number(self, channel: Channel, number: str) -> None:
        self._ui.tasks.spawn(self._set_number(channel, number))

    async def _set_number(self, channel: Channel, number: str) -> None:
        core = self._ui.proxy.core
        if core is None:
            return
        try:
            await core.set_number(channel.key, number)
        except NumberRefused as refused:
            self._ui.notify("Channel number", str(refused), level="warning")
        except Exception as exc:
            log.exception("could not change the number of %s", channel.id)
            self._ui.notify("Channel number", f"Could not change the number: {exc}", level="warning")

    def refresh_favourites_menu(self) -> None:
        """The tray's Favourites, by name in natural order; a click does what Recent channels' does."""
        catalog = self.view.state.catalog
        entries = []
        for kind, content_id in self.view.state.favourites:
            key = ChannelKey(kind, content_id)
            channel = catalog.get(key)
            entries.append((key, channel_title(channel) if channel is not None else elide_id(content_id)))
        entries.sort(key=lambda entry: natural_key(entry[1]))
        verb = click_verb(self._ui.settings.saved.link_action)
        self._ui.actions.set_favourites(entries, self._links.use_channel, verb)

    # -- playlists -------------------------------------------------------------------------------
    def open_playlists(self) -> PlaylistsDialog:
        dialog = self._dialog()
        if dialog is None:
            hours = self._ui.settings.effective.playlist_refresh_hours
            dialog = PlaylistsDialog(hours, parent=self._ui.dialog_parent())
            dialog.add_requested.connect(lambda sources: self._ui.tasks.spawn(self.add_playlists(sources)))
            dialog.remove_requested.connect(lambda source: self._ui.tasks.spawn(self.remove_playlist(source)))
            dialog.refresh_requested.connect(lambda source: self._ui.tasks.spawn(self.refresh_playlist(source)))
            dialog.refresh_all_requested.connect(lambda: self._ui.tasks.spawn(self.refresh_all()))
            dialog.interval_changed.connect(lambda hours: self._ui.tasks.spawn(self.set_interval(hours)))
            dialog.guides.add_requested.connect(lambda source: self._ui.tasks.spawn(self.add_guide(source)))
            dialog.guides.remove_requested.connect(lambda source: self._ui.tasks.spawn(self.remove_guide(source)))
            dialog.guides.refresh_requested.connect(lambda: self._ui.tasks.spawn(self.refresh_guides()))
            dialog.show_view(self.view)
            dialog.guides.show_view(self.guide)
            self._ui.dialogs.keep(dialog)
            dialog.open()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    async def add_playlists(self, sources: list[str]) -> None:
        results = await asyncio.gather(*(self._add_one(s) for s in sources))
        problems = [text for text, error in results if error]
        lines = problems or [text for text, _error in results]
        self._tell(" ".join(lines), error=bool(problems))

    async def _add_one(self, source: str) -> tuple[str, bool]:
        core = self._ui.proxy.core
        if core is None:
            return "AceTray is still starting; try again in a moment.", True
        try:
            playlist = await core.add_playlist(source)
        except InvalidSource as exc:
            return str(exc), True
        except Exception as exc:
            log.exception("adding the playlist %s failed", source)
            return f"Could not add {source}: {exc}", True
        label = source_label(playlist.source)
        if playlist.error:
            return f"Added {label}, but: {playlist.error}", True
        return f"Added {label}: {self._counted(playlist)}.", False

    def _counted(self, playlist: PlaylistState) -> str:
        """ "5 channels from 6 links": channels as the Channels tab lists them (a channel with backup
        links is one). The core publishes its view before it answers, so the view holds this playlist."""
        state = self.view.state
        shown = state.playlist(playlist.source)
        if shown is None:  # removed meanwhile
            return count_phrase(len(playlist.channels), "channel")
        links, channels = len(shown.channels), state.catalog.channel_count(shown.source, shown.channels)
        return count_phrase(channels, "channel") + (f" from {links:,} links" if channels != links else "")

    async def remove_playlist(self, source: str) -> None:
        ok, _ = await self._call(lambda core: core.remove_playlist(source), "remove the playlist")
        if ok:
            self._tell(f"Removed {source_label(source)}. Its channels are gone from the list; favourites stay.")

    async def refresh_playlist(self, source: str) -> None:
        _ok, playlist = await self._call(lambda core: core.refresh_playlist(source), "refresh the playlist")
        if playlist is not None and playlist.error:
            self._tell(f"{source_label(source)}: {playlist.error}", error=True)
        elif playlist is not None:
            self._tell(f"{source_label(source)}: {self._counted(playlist)}.")

    async def refresh_all(self) -> None:
        _ok, state = await self._call(lambda core: core.refresh_all(), "refresh the playlists")
        if state is not None:
            failed = [p for p in state.playlists if p.error]
            if failed:
                self._tell(" ".join(f"{source_label(p.source)}: {p.error}" for p in failed), error=True)
            else:
                self._tell(f"Refreshed {count_phrase(len(state.playlists), 'playlist')}.")

    async def set_interval(self, hours: int) -> None:
        saved = self._ui.settings.saved
        if saved.playlist_refresh_hours != hours:
            await self._apply_settings(dataclasses.replace(saved, playlist_refresh_hours=hours))

    # -- the guide ---------------------------------------------------------------------------------
    async def add_guide(self, source: str) -> None:
        core = self._ui.proxy.core
        if core is None:
            self._tell("AceTray is still starting; try again in a moment.", error=True)
            return
        try:
            added = await core.add_guide(source)
        except InvalidSource as exc:
            self._tell(str(exc), error=True)
            return
        except Exception as exc:
            log.exception("adding the guide %s failed", source)
            self._tell(f"Could not add the guide {source}: {exc}", error=True)
            return
        label = source_label(added.source)
        if added.error:
            self._tell(f"Added the guide {label}, but: {added.error}", error=True)
        else:
            self._tell(f"Added the guide {label}: {count_phrase(added.channels, 'channel')}.")

    async def remove_guide(self, source: str) -> None:
        ok, _ = await self._call(lambda core: core.remove_guide(source), "remove the guide")
        if ok:
            self._tell(f"Removed the guide {source_label(source)}.")

    async def refresh_guides(self) -> None:
        _ok, sources = await self._call(lambda core: core.refresh_guides(), "refresh the guides")
        if sources is not None:
            failed = [s for s in sources if s.error]
            if failed:
                self._tell(" ".join(f"{source_label(s.source)}: {s.error}" for s in failed), error=True)
            else:
                self._tell(f"Refreshed {count_phrase(len(sources), 'guide')}.")

    def choose_guide(self, channel: Channel) -> None:
        picker = GuidePicker(channel, self.guide, parent=self._ui.dialog_parent())
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.picked.connect(functools.partial(self.set_guide, channel.key))
        picker.open()

    def set_guide(self, key: ChannelKey, ref: GuideRef | None) -> None:
        """The person's guide channel for `key`; None: no guide (placeholders)."""
        self._ui.tasks.spawn(self._call(lambda core: core.pick_guide(key, ref), "change the channel's guide"))

    def unset_guide(self, key: ChannelKey) -> None:
        self._ui.tasks.spawn(self._call(lambda core: core.unpick_guide(key), "change the channel's guide"))

    # -- inside ------------------------------------------------------------------------------------
    async def _call(self, fn: Callable[[CoreHost], Awaitable[T]], what: str) -> tuple[bool, T | None]:
        """(True, the answer), or (False, None) once the failure has been told."""
        core = self._ui.proxy.core
        if core is None:
            return False, None
        try:
            return True, await fn(core)
        except Exception as exc:
            log.exception("could not %s", what)
            self._tell(f"Could not {what}: {exc}", error=True)
            return False, None

    def _dialog(self) -> PlaylistsDialog | None:
        found = self._ui.dialogs.find(PlaylistsDialog)
        return found if isinstance(found, PlaylistsDialog) else None

    def _tell(self, text: str, error: bool = False) -> None:
        dialog = self._dialog()
        if dialog is not None and dialog.isVisible():
            dialog.show_message(text, error=error)
        else:
            self._ui.notify("Playlists", text, level="warning" if error else "info")
