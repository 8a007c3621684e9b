"""A channel's Sources dialogs as the person uses them: opened from the Channels tab, kept up to date, changes sent.

Each dialog asks the core through `CoreHost` (reorder, detach, attach); a change the
core refuses comes back as a sentence on that dialog. Every new `ChannelsView` or
health picture redraws the dialogs that are open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt

from desktop.app import CoreHost
from desktop.streaming.channels import Channel, ChannelKey, ChannelsView
from desktop.streaming.channels.library import SourceRefused
from desktop.streaming.sources import SourceHealth
from desktop.ui.sources_dialog import SourceChanges, SourcesDialog
from desktop.ui.ui_services import UiServices


class SourceCommands:
    def __init__(
        self, ui: UiServices, view: Callable[[], ChannelsView], health: Callable[[ChannelKey], SourceHealth]
    ) -> None:
        self._ui = ui
        self._view = view  # the newest channels view
        self._health = health  # a source's verdict, as the Channels tab shows it

    def open(self, channel: Channel) -> SourcesDialog:
        """The channel's Sources dialog: its order, a source detached, another channel's link added."""

        def ask(change: Callable[[CoreHost], Awaitable[None]]) -> Coroutine[Any, Any, None]:
            return self._change(dialog, change)

        changes = SourceChanges(
            reorder=lambda channel, keys: ask(lambda core: core.reorder_sources(channel, keys)),
            detach=lambda source: ask(lambda core: core.detach_source(source)),
            attach=lambda source, channel: ask(lambda core: core.attach_source(source, channel)),
            spawn=self._ui.tasks.spawn,
        )
        dialog = SourcesDialog(channel, self._view(), changes, self._verdict, parent=self._ui.dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._ui.dialogs.keep(dialog)
        dialog.open()
        return dialog

    def refresh(self) -> None:
        """The channels or their health changed: the open dialogs show it."""
        for dialog in self._ui.dialogs.all_of(SourcesDialog):
            dialog.show_view(self._view())

    def _verdict(self, key: ChannelKey) -> tuple[str, str | None]:
        health = self._health(key)
        return health.state, health.reason

    async def _change(self, dialog: SourcesDialog, change: Callable[[CoreHost], Awaitable[None]]) -> None:
        core = self._ui.proxy.core
        if core is None:
            dialog.refused("AceTray is still starting; try again in a moment.")
            return
        try:
            await change(core)
        except SourceRefused as refused:
            dialog.refused(str(refused))
