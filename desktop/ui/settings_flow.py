"""The settings as the user changes them: the dialog, saving, applying, demo engine, start on login."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import shiboken6

from desktop import autostart as autostart_mod
from desktop.launch import override_note
from desktop.settings import Settings, specs
from desktop.streaming.engine_host import Discovery
from desktop.ui.proxy_control import Refused
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.ui_services import UiServices


class SettingsFlow:
    def __init__(
        self,
        ui: UiServices,
        *,
        autostart: autostart_mod.Autostart,
        on_applied: Callable[[], None],
    ) -> None:
        self._ui = ui
        self._autostart = autostart
        self._on_applied = on_applied  # the view refreshes (recent menu, banner, hints)
        self.problem: str | None = None  # a settings-file problem to show until dismissed

    # -- the dialog -------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        existing = self._ui.dialogs.find(SettingsDialog)
        if isinstance(existing, SettingsDialog):
            existing.raise_()
            existing.activateWindow()
            return existing
        shown = self._ui.settings.effective
        dialog = SettingsDialog(
            shown,
            self.check_engine,
            autostart_supported=self._autostart.supported,
            override_note=override_note(self._ui.settings.options),
            player_system=self._ui.player_system,
            discover_engines=self.discover_engines,
            parent=self._ui.dialog_parent(),
        )
        dialog.settings_accepted.connect(lambda chosen: self._ui.tasks.spawn(self._apply_from(dialog, chosen, shown)))
        self._ui.dialogs.keep(dialog)
        dialog.open()
        return dialog

    async def _apply_from(self, dialog: SettingsDialog, chosen: Settings, shown: Settings) -> None:
        """OK: the dialog closes once the change is in force; refused, it stays open with every edit
        and marks the field the refusal is about (the port another program holds…)."""
        dialog.set_applying(True)
        refused = await self.apply_settings(chosen, shown)
        if not shiboken6.isValid(dialog) or not dialog.isVisible():
            return  # closed meanwhile (Cancel, Quit)
        if refused is None:
            dialog.accept()
        else:
            dialog.show_refusal(setting_fed_by(refused.config_field), refused.message)

    async def discover_engines(self) -> Discovery:
        assert self._ui.proxy.core is not None
        return await self._ui.proxy.core.discover_engines()

    async def check_engine(self, engine_url: str) -> str:
        assert self._ui.proxy.core is not None
        return await self._ui.proxy.core.check_engine(engine_url)

    # -- saving and applying ----------------------------------------------------------
    async def apply_settings(self, chosen: Settings, shown: Settings | None = None) -> Refused | None:
        """Apply `chosen` to the running proxy first, then save it: only what is in force is saved.

        `shown` is what the Settings dialog displayed (this run's effective
        values); given, the user's choice replaces the command-line overrides.
        Without it (e.g. "Use demo engine") the overrides stay in force. When
        the core refuses the change, nothing is saved and the message says
        what stayed. None when the change is in force, else the refusal.
        """
        previous = self._ui.settings.saved
        proposal = self._ui.settings.propose(chosen, shown)
        refused = await self._ui.proxy.apply(proposal.config)
        if refused:
            self._ui.notify("Settings not changed", refused.message, level="error")
            self._on_applied()
            return refused
        problem = self._ui.settings.commit(proposal)
        if problem:
            self._ui.notify("Settings not saved", problem, level="error")
        self.problem = None
        if chosen.start_on_login != previous.start_on_login:
            self._apply_autostart(chosen.start_on_login)
        self._on_applied()
        return None

    def use_demo_engine(self, enabled: bool = True) -> None:
        self._ui.tasks.spawn(self.apply_settings(dataclasses.replace(self._ui.settings.saved, demo_engine=enabled)))

    # -- start on login ---------------------------------------------------------------
    def sync_autostart_check(self) -> None:
        action = self._ui.actions.start_on_login
        if not self._autostart.supported:
            action.setEnabled(False)
            action.setToolTip("Not supported on this system")
        action.blockSignals(True)
        action.setChecked(self._autostart.supported and self._autostart.is_enabled())
        action.blockSignals(False)

    def set_start_on_login(self, enabled: bool) -> None:
        if self._apply_autostart(enabled):
            problem = self._ui.settings.save(dataclasses.replace(self._ui.settings.saved, start_on_login=enabled))
            if problem:
                self._ui.notify("Settings not saved", problem, level="error")

    def _apply_autostart(self, enabled: bool) -> bool:
        try:
            self._autostart.set_enabled(enabled, autostart_mod.launch_command())
        except autostart_mod.AutostartError as exc:
            self._ui.notify("Start on login not changed", str(exc), level="error")
            self.sync_autostart_check()
            return False
        self.sync_autostart_check()
        return True


def setting_fed_by(config_field: str | None) -> str | None:
    """The setting behind a ProxyConfig field (the listen address is LAN sharing's), or None."""
    if config_field == "host":
        return "lan_sharing"
    return next((name for name, spec in specs() if config_field is not None and spec.core == config_field), None)
