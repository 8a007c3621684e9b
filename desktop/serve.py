"""`acetray serve`: the proxy alone, on plain asyncio (uvloop when installed)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from urllib.parse import urlsplit

from desktop import settings as settings_store
from desktop.launch import (
    LaunchOptions,
    effective_settings,
    launch_problem,
    proxy_config,
    with_token,
)
from desktop.logging_setup import setup_logging
from desktop.settings import token_weakness
from desktop.streaming.config import LOOPBACK, ProxyConfig, is_all_interfaces
from desktop.streaming.http.connection_guard import raise_open_files_limit
from desktop.streaming.runtime.loops import install_exception_logging, new_event_loop
from desktop.streaming.service import ProxyService
from desktop.streaming.service_errors import ProxyStartError

log = logging.getLogger("acetray.serve")


def share_line(config: ProxyConfig, show_token: bool) -> str:
    """What to tell the person who started a LAN-sharing `serve` about the link other devices open."""
    if show_token:
        return f"LAN sharing is on: other devices open http://<this computer>:{config.port}/?token={config.token}"
    return (
        "LAN sharing is on: every device needs the access token (kept in the settings file; "
        "`acetray serve --show-token` prints the link with it)"
    )


async def serve_until_stopped(config: ProxyConfig, show_token: bool = False) -> int:
    """Serve until SIGINT/SIGTERM. `show_token`: print the share link with its token on standard output."""
    install_exception_logging(asyncio.get_running_loop())
    service = ProxyService(config)
    try:
        await service.start()
    except ProxyStartError as exc:
        log.error("%s", exc)
        await service.channels.close()
        await service.guide.close()
        await service.sources.close()
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C arrives as KeyboardInterrupt
            pass
    mode = "demo engine" if config.demo else f"engine {service.engine_url}"
    log.info(
        "AceTray serving on %s (%s). Stream: %s  HLS: %s",
        service.listen_url,
        mode,
        _stream_url(service, "/ace/getstream"),
        _stream_url(service, "/ace/manifest.m3u8"),
    )
    if config.token and show_token:
        # Standard output, not the log: a terminal's scrollback is the person's; a service's journal is not.
        print(share_line(config, show_token=True), flush=True)
    elif config.token:
        log.info("%s", share_line(config, show_token=False))
    playlists = service.channels.state.playlists
    if playlists:
        log.info("%d playlist(s); their channels are listed at /api/channels", len(playlists))
    log.info("The TV guide for every channel: %s/epg.xml", service.listen_url)
    try:
        await stop.wait()
    finally:
        log.info("stopping: closing streams and engine sessions")
        await service.stop()
        await service.channels.close()  # the last playlist write finishes
        await service.guide.close()
        await service.sources.close()  # and the last verdicts'
    return 0


def _interactive() -> bool:
    """Standard output is a terminal a person reads (not a pipe, a file or a service's journal)."""
    return sys.stdout is not None and sys.stdout.isatty()


def run_serve(options: LaunchOptions) -> int:
    setup_logging(to_file=False, to_stderr=True, verbose=options.verbose)
    loaded = settings_store.load()
    if loaded.problem:
        log.warning("%s", loaded.problem)
    problem = launch_problem(loaded.settings, options)
    if problem:
        log.error("%s", problem)
        return 2
    saved = with_token(loaded.settings, options)
    if saved is not loaded.settings:
        # First run beyond loopback: the token is made once and kept, so links stay valid across runs.
        try:
            settings_store.save(saved)
        except OSError as exc:
            log.warning("could not save the new access token (%s): it holds for this run only", exc.strerror or exc)
    settings = effective_settings(saved, options)
    config = proxy_config(settings, options.host, options.playlists, options.guides)
    weakness = token_weakness(config.token or "")
    if weakness:
        log.warning("%s", weakness)
    raise_open_files_limit()  # more players and devices before the connection caps have to act
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            return runner.run(serve_until_stopped(config, show_token=options.show_token or _interactive()))
    except KeyboardInterrupt:
        return 0


def _stream_url(service: ProxyService, path: str) -> str:
    """Where a player asks this proxy for a channel (`path`: TS or HLS), as the log shows it at start."""
    address = urlsplit(service.listen_url or "")
    host = LOOPBACK if is_all_interfaces(address.hostname or "") else address.hostname
    return f"http://{host}:{address.port}{path}?id=<content id>"
