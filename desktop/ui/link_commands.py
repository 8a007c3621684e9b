"""Links and players: Copy stream link, Open in player, the tray's channel menus, links handed to the app.

A channel comes as a `ChannelKey`: from the Channels tab, the tray's Favourites
and Recent channels, or what a person typed (a name with completion, a link or
an id: `link_dialog.py`). A pick from the tray's menus does what the
acestream:// links setting says, as a link handed to AceTray does: copy the
stream link, or open it in the player. After a player is started, the proxy is
asked whether its request came and got bytes (`player_check.py`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication

from desktop.streaming.channels import Catalog, ChannelKey
from desktop.streaming.channels.catalog import EMPTY_CATALOG
from desktop.streaming.ids import Kind
from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui import player
from desktop.ui.link_dialog import LinkDialog
from desktop.ui.links import LinkRequest, ListenAddress, stream_link
from desktop.ui.player_check import WatchedPlayer, check_player
from desktop.ui.player_process import PlayerLauncher, PlayerProcess, player_name
from desktop.ui.recent_channels import RecentChannels
from desktop.ui.ui_services import UiServices

log = logging.getLogger(__name__)


class LinkCommands:
    def __init__(
        self,
        ui: UiServices,
        *,
        snapshot: Callable[[], ProxySnapshot | None],
    ) -> None:
        self._ui = ui
        self._snapshot = snapshot
        self._last_copied: str | None = None
        self._names: dict[str, str] = {}  # content id → channel name, as snapshots tell them
        self.channel_name: Callable[[str], str | None] = lambda _cid: None  # from the playlists
        self.catalog: Callable[[], Catalog] = lambda: EMPTY_CATALOG  # the imported channels, for names typed
        self.recent = RecentChannels(ui, pick=self.use_channel, name_of=self.name_of)
        self.players = PlayerLauncher()  # the players we started, kept alive and watched
        self.players.problem.connect(lambda title, message: self._ui.notify(title, message, level="error"))

    # -- links -------------------------------------------------------------------
    def listen_address(self) -> ListenAddress:
        """Where the proxy actually listens (the bound socket while it runs)."""
        return ListenAddress.of(self._snapshot(), self._ui.settings.proxy_config())

    def stream_link_for(self, content_id: str, local: bool = False, kind: str = "id") -> str:
        """The link to give out: LAN address when sharing, loopback for a player on this machine."""
        address = self.listen_address()
        token = self._ui.settings.proxy_config().token
        return stream_link(content_id, address.link_host(local), address.port, token, kind)

    def copy_stream_link(self) -> None:
        """Copy the link for the id on the clipboard, or ask for a channel."""
        text = QGuiApplication.clipboard().text()
        request = LinkRequest.parse(text)
        # Our own last link is on the clipboard right after a copy: the user
        # wants another channel now, so ask instead of copying it again.
        if request.content_id and text.strip() != self._last_copied:
            self.copy_link_for(request.content_id)
        else:
            self._ask_for_channel("Copy stream link", "Copy link", self.copy_key)

    def copy_key(self, key: ChannelKey) -> None:
        self.copy_link_for(key.content_id, key.kind)

    def copy_link_for(self, content_id: str, kind: Kind = "id") -> None:
        link = self.stream_link_for(content_id, kind=kind)
        QGuiApplication.clipboard().setText(link)
        self._last_copied = link
        self.recent.remember(ChannelKey(kind, content_id))
        shared = self.listen_address().shared
        where = "any device on your network" if shared else "a player on this computer"
        snapshot = self._snapshot()
        note = "" if snapshot is None or snapshot.running else " (start the proxy before playing)"
        # The channel, not the link: the link carries the access token, and balloons and the log keep what they say.
        self._ui.notify(
            "Stream link copied",
            f"The link to {self.channel_words(content_id)} is on the clipboard.\nPaste it into {where}{note}.",
        )

    def use_channel(self, key: ChannelKey) -> None:
        """A channel picked in the tray's Favourites or Recent channels: as the acestream:// links setting says."""
        if self._ui.settings.saved.link_action == "play":
            self.play_key(key)
        else:
            self.copy_key(key)

    # -- players -----------------------------------------------------------------
    def open_in_player(self) -> None:
        request = LinkRequest.parse(QGuiApplication.clipboard().text())
        if request.content_id:
            self.play_soon(request.content_id)
        else:
            self._ask_for_channel("Open in player", "Play", self.play_key)

    def play_soon(self, content_id: str) -> None:
        self.play_key(ChannelKey("id", content_id))

    def play_key(self, key: ChannelKey) -> None:
        self._ui.tasks.spawn(self.play(key.content_id, key.kind))

    async def play(self, content_id: str, kind: Kind = "id") -> bool:
        """Start the player on a channel, once the proxy runs and the engine answers."""
        command = player.build_command(self._ui.settings.effective.player_command, "", self._ui.player_system)
        if command is None:
            self._ui.notify("No video player found", player.HOW_TO_SET_PLAYER, level="error")
            return False
        snapshot = self._snapshot()
        stopped = snapshot is not None and not snapshot.running and not self._ui.proxy.busy
        if stopped and not await self._ui.proxy.start():
            return False  # the proxy said why
        problem = await self._engine_problem()
        if problem:
            # A player started now would only say "Your input can't be opened".
            self._ui.notify("The player was not started", problem, level="error")
            return False
        link = self.stream_link_for(content_id, local=True, kind=kind)
        command = player.build_command(self._ui.settings.effective.player_command, link, self._ui.player_system)
        assert command is not None
        started = time.time()
        process = self.players.launch(command)
        key = ChannelKey(kind, content_id)
        self.recent.remember(key)
        name = self.name_of(content_id)
        self._ui.notify(
            f"Opening {name} in the player" if name else "Opening in player",
            f"{player_name(command.program)} is opening {self.channel_words(content_id)}.",  # never the link: its token
        )
        watched = WatchedPlayer(player_name(command.program), self.channel_words(content_id), started)
        self._ui.tasks.spawn(self._tell_how_it_went(key, watched, process))
        return True

    async def _tell_how_it_went(self, key: ChannelKey, watched: WatchedPlayer, process: PlayerProcess) -> None:
        """Whether the player's request came and got bytes, in a sentence ("VLC was refused: …")."""
        core = self._ui.proxy.core
        if core is None:
            return
        outcome = await check_player(lambda: core.recent_requests(key), watched, exited=lambda: process.failed)
        if outcome is not None:
            self._ui.notify(outcome.title, outcome.message, level=outcome.level)

    async def _engine_problem(self) -> str | None:
        """Why the engine cannot feed a player right now, or None when it answers."""
        snapshot = self._snapshot()
        if snapshot is not None and snapshot.engine_reachable:
            return None
        demo = snapshot.demo_engine if snapshot is not None else self._ui.settings.effective.demo_engine
        url = snapshot.engine_url if snapshot is not None else self._ui.settings.effective.engine_url
        core = self._ui.proxy.core
        if core is None:
            return None
        try:
            await core.check_engine(url)
        except Exception as exc:
            log.info("engine check before opening a player failed: %s", exc)
            if demo:
                return "The built-in demo engine does not answer. Try again, or restart AceTray."
            return (
                f"The AceStream engine does not answer at {url}. Start AceStream Engine, "
                "or check the engine URL in Settings."
            )
        return None

    # -- links handed to the app ----------------------------------------------------
    async def handle_link(self, text: str) -> None:
        """An acestream:// link handed to the app (command line or a second launch)."""
        request = LinkRequest.parse(text)
        if request.content_id is None:
            self._ui.notify("Not an AceStream link", f"“{text}”: {request.problem}", level="warning")
            return
        if self._ui.settings.effective.link_action == "play":
            await self.play(request.content_id)
        else:
            self.copy_link_for(request.content_id)

    def handle_forwarded(self, args: list[str]) -> None:
        """A second `acetray` launch (or macOS) handed over its arguments; none means "show me"."""
        log.info("second launch handed over %r", args)
        if not args:
            self._ui.actions.show_window.trigger()
            return
        self._ui.tasks.spawn(self.handle_links([str(a) for a in args]))

    async def handle_links(self, links: list[str]) -> None:
        for link in links:
            await self.handle_link(link)

    def _ask_for_channel(self, title: str, ok_text: str, then: Callable[[ChannelKey], None]) -> None:
        dialog = LinkDialog(title, ok_text, self.catalog(), parent=self._ui.dialog_parent())
        dialog.channel_chosen.connect(then)
        self._ui.dialogs.keep(dialog)
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()

    # -- names ---------------------------------------------------------------------
    def learn(self, snapshot: ProxySnapshot) -> None:
        """Names the snapshots give, and channels players opened by URL (for Recent channels)."""
        for stream in snapshot.streams:
            if stream.name:
                self._names[stream.content_id] = stream.name
        self.recent.learn(snapshot)

    def name_of(self, content_id: str) -> str | None:
        return self.channel_name(content_id) or self._names.get(content_id)

    def channel_words(self, content_id: str) -> str:
        """The channel as a person knows it: its name, else the start of its id."""
        name = self.name_of(content_id)
        return f"“{name}”" if name else f"channel {content_id[:8]}…"
