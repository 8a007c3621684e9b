"""Share with devices, opened from the tray or the window: its links, and turning LAN sharing or the tuner on.

The dialog is made afresh each time (its links depend on LAN sharing, the port,
the token and the tuner); turning something on from it applies the settings
like the Settings dialog would, then opens it again with the links that now work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from desktop.settings import Settings
from desktop.streaming.config import is_loopback
from desktop.streaming.snapshot import ProxySnapshot
from desktop.streaming.tuner.app_check import How, TvLinks
from desktop.ui.links import ListenAddress, lan_addresses
from desktop.ui.share_dialog import ShareDialog, ShareTarget
from desktop.ui.ui_services import UiServices


class ShareFlow:
    def __init__(
        self,
        ui: UiServices,
        *,
        snapshot: Callable[[], ProxySnapshot | None],
        apply_settings: Callable[[Settings], Awaitable[object]],
    ) -> None:
        self._ui = ui
        self._snapshot = snapshot
        self._apply_settings = apply_settings

    def open(self) -> ShareDialog:
        """The links for other devices, with QR codes; offers LAN sharing and the tuner when off."""
        ui = self._ui
        old = ui.dialogs.find(ShareDialog)
        if isinstance(old, ShareDialog):
            old.close()  # its links may be out of date (LAN sharing, port, token, tuner)
        config = ui.settings.proxy_config()
        target = ShareTarget(
            port=ListenAddress.of(self._snapshot(), config).port,
            token=config.token,
            lan_sharing=not is_loopback(config.host),
            addresses=tuple(lan_addresses()),
            tuner=config.tuner,
        )
        dialog = ShareDialog(target, parent=ui.dialog_parent(), check=self._check)
        # The saved settings are read at the click: they may change while the dialog is open.
        dialog.lan_sharing_requested.connect(lambda: ui.tasks.spawn(self._turn_on(lan_sharing=True)))
        dialog.tuner_requested.connect(lambda: ui.tasks.spawn(self._turn_on(tuner=True)))
        ui.dialogs.keep(dialog)
        dialog.open()
        return dialog

    async def _check(self, how: How, links: TvLinks) -> str:
        core = self._ui.proxy.core
        if core is None:
            raise RuntimeError("AceTray is still starting; try again in a moment.")
        return await core.check_tv_app(how, links)

    async def _turn_on(self, *, lan_sharing: bool | None = None, tuner: bool | None = None) -> None:
        shown = self._ui.dialogs.find(ShareDialog)
        app = shown.tv_apps.apps.currentRow() if isinstance(shown, ShareDialog) else 0
        saved = self._ui.settings.saved
        chosen = dataclasses.replace(
            saved,
            lan_sharing=saved.lan_sharing if lan_sharing is None else lan_sharing,
            tuner=saved.tuner if tuner is None else tuner,
        )
        await self._apply_settings(chosen)
        tab = 1 if tuner else 0
        dialog = self.open()  # again, with the links that now work
        dialog.tabs.setCurrentIndex(tab)
        dialog.tv_apps.apps.setCurrentRow(app)
