"""From saved settings and this run's command line to the core's `ProxyConfig`. Qt-free.

Used by both the tray app and `acetray serve`, so a per-run override means the
same thing in both: it changes the setting for this run only and is checked by
the setting's own rule (`desktop.settings.schema`).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.settings import TOKEN_BYTES, Settings, spec_of
from desktop.streaming.channels.sources import normalize_source
from desktop.streaming.config import ALL_INTERFACES, LOOPBACK, ProxyConfig, is_loopback

ENGINE_LOG = "engine.log"


@dataclass(frozen=True)
class LaunchOptions:
    """This run's command line: setting overrides, a listen address, links to hand over."""

    overrides: Mapping[str, Any] = field(default_factory=dict)  # setting name → value, this run only
    host: str | None = None  # a specific listen address (no setting: LAN sharing picks 0.0.0.0)
    links: tuple[str, ...] = ()  # acestream:// links or ids handed to the app
    playlists: tuple[str, ...] = ()  # `--playlist`: normalised sources added for this run only
    guides: tuple[str, ...] = ()  # `--guide`: normalised XMLTV sources added for this run only
    verbose: bool = False
    show_token: bool = False  # `serve --show-token`: print the share link with its token even to a pipe


def effective_settings(saved: Settings, options: LaunchOptions) -> Settings:
    """The settings this run uses: saved ones with the command-line overrides on top."""
    settings = dataclasses.replace(saved, **options.overrides) if options.overrides else saved
    if options.host:
        settings = dataclasses.replace(settings, lan_sharing=not is_loopback(options.host))
    return settings


def override_problem(options: LaunchOptions) -> str | None:
    """The first override that breaks its setting's rule, as "--flag: why"; None when all hold."""
    if not options.overrides:
        return None
    problems = dataclasses.replace(Settings(), **options.overrides).errors()
    for name in options.overrides:
        if name in problems:
            return f"{spec_of(name).flag}: {problems[name]}"
    if options.overrides.get("access_token") == "":
        return f"{spec_of('access_token').flag}: give a token, or leave the flag out and AceTray makes one."
    return None


def launch_problem(saved: Settings, options: LaunchOptions) -> str | None:
    """Why this run cannot start with these overrides on these saved settings, as a sentence; None when it can.

    Each override is checked by its own rule first; then the combination (an engine
    AceTray starts must be on this computer, whatever the saved engine URL).
    """
    problem = override_problem(options)
    if problem:
        return problem
    for name, message in effective_settings(saved, options).errors().items():
        flag = spec_of(name).flag
        return f"{flag}: {message}" if flag and name in options.overrides else message
    return None


def listen_host(settings: Settings, host: str | None = None) -> str:
    """Where the proxy listens: `host` (from --host) beats LAN sharing."""
    return host or (ALL_INTERFACES if settings.lan_sharing else LOOPBACK)


def proxy_config(
    settings: Settings, host: str | None = None, playlists: tuple[str, ...] = (), guides: tuple[str, ...] = ()
) -> ProxyConfig:
    """The core's configuration for `settings`; `host` (from --host) beats LAN sharing.

    Listening anywhere but loopback means other devices can connect: then the
    access token is required on every request. The token comes from `settings`
    (`with_token` puts one there first, and the caller keeps it): one made here
    would differ from the one saved and shown, and every link would get 401.
    `playlists` (from `--playlist`) and `guides` (`--guide`) join the saved ones for
    this run and are never saved.
    """
    listen = listen_host(settings, host)
    token = None if is_loopback(listen) else settings.access_token
    if token == "":
        raise ValueError("listening beyond loopback needs an access token: with_token() makes one first")
    # An engine AceTray runs writes its output beside AceTray's own log.
    engine_log = str(paths.log_dir() / ENGINE_LOG)
    return ProxyConfig(
        host=listen, token=token, engine_log=engine_log, playlists=playlists, guides=guides, **settings.core_values()
    )


def run_playlist(text: str, base: Path | None = None) -> str:
    """A `--playlist` argument as stored: a URL, or a file's absolute path (relative to `base`,
    the current folder by default). Raises InvalidSource with a sentence."""
    return normalize_source(text, base=base)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)  # 24 URL-safe characters, 144 bits


def with_token(saved: Settings, options: LaunchOptions = LaunchOptions()) -> Settings:
    """`saved` with an access token made now if this run would listen beyond loopback without one.

    The one place AceTray gives settings a token: before any `ProxyConfig` is
    built from them, so the proxy, the saved file and every link shown carry
    the same one. The caller saves the result: the token is made once and kept,
    so links stay valid across runs. Returns `saved` itself when nothing was needed.
    """
    effective = effective_settings(saved, options)
    if effective.access_token or is_loopback(listen_host(effective, options.host)):
        return saved
    return dataclasses.replace(saved, access_token=new_token())


def options_after_edit(options: LaunchOptions, shown: Settings, chosen: Settings) -> LaunchOptions:
    """Once the user has chosen in Settings, their choice replaces the command line's.

    The dialog shows the effective values, so the overrides are now saved
    settings and can go; a `--host` (possibly a specific address, which has no
    setting) stays unless the user flipped LAN sharing.
    """
    host = options.host if chosen.lan_sharing == shown.lan_sharing else None
    return dataclasses.replace(options, overrides={}, host=host)


def override_note(options: LaunchOptions) -> str | None:
    """A sentence for the settings dialog when this run was started with overrides."""
    given = [f"{spec_of(name).flag} {value}" for name, value in options.overrides.items()]
    if options.host:
        given.append(f"--host {options.host}")
    if not given:
        return None
    return f"AceTray was started with {', '.join(given)}. The values below include them, and OK saves what you see."


@dataclass(frozen=True)
class Proposal:
    """Settings the user chose, not yet in force: what this run would become once they apply."""

    saved: Settings  # what would be written to the settings file
    options: LaunchOptions  # this run's command line afterwards (overrides dropped once the user chose)
    config: ProxyConfig  # what the core would run with


class RunSettings:
    """This run's settings: the saved ones, the command line's overrides on top, and saving.

    The tray app's single owner of "which settings are in force"; every part of
    the UI reads `effective` and saves through `save`, so an override and a
    saved value can never be confused. A change the user makes is first a
    `Proposal`; it becomes this run's settings (and is saved) only by `commit`,
    once the core has taken it, so a change that could not be applied is never
    saved or shown as if it were in force.
    """

    def __init__(self, saved: Settings, options: LaunchOptions, save: Callable[[Settings], None]) -> None:
        self._saved = saved
        self._options = options
        self._save = save
        if with_token(saved, options) is not saved:  # first run beyond loopback: its token, made and kept
            self.save(with_token(saved, options))

    @property
    def saved(self) -> Settings:
        return self._saved

    @property
    def options(self) -> LaunchOptions:
        return self._options

    @property
    def effective(self) -> Settings:
        """The settings in force for this run (saved + command-line overrides)."""
        return effective_settings(self._saved, self._options)

    def proxy_config(self) -> ProxyConfig:
        return proxy_config(self.effective, self._options.host, self._options.playlists, self._options.guides)

    def propose(self, chosen: Settings, shown: Settings | None = None) -> Proposal:
        """What choosing `chosen` would mean for this run.

        `shown` is what a Settings dialog displayed (this run's effective
        values): given, the choice replaces the command-line overrides too.
        Without it (e.g. "Use demo engine" from the banner) they stay in force.
        Turning LAN sharing on gives `chosen` its token here, so the core is
        given the very token that is saved once it has taken the change.
        """
        options = options_after_edit(self._options, shown, chosen) if shown is not None else self._options
        chosen = with_token(chosen, options)
        config = proxy_config(effective_settings(chosen, options), options.host, options.playlists, options.guides)
        return Proposal(saved=chosen, options=options, config=config)

    def commit(self, proposal: Proposal) -> str | None:
        """Make an applied proposal this run's settings and save it; the problem as a sentence when not written."""
        self._options = proposal.options
        return self.save(proposal.saved)

    def save(self, settings: Settings) -> str | None:
        """Keep `settings` as the saved ones; the problem as a sentence when the file could not be written."""
        self._saved = settings
        try:
            self._save(settings)
        except OSError as exc:
            return f"Could not write the settings file: {exc.strerror or exc}."
        return None
