"""`acetray serve`: the proxy alone, on plain asyncio (uvloop when installed)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import sys
from typing import Callable

from desktop import settings as settings_module
from desktop.logging_setup import setup_logging
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import ProxyService, ProxyStartError

log = logging.getLogger("acetray.serve")


def config_from_args(args: argparse.Namespace) -> tuple[ProxyConfig, str | None]:
    """Saved settings, overridden by the command line; also the settings-file problem, if any."""
    loaded = settings_module.load()
    config = loaded.settings.proxy_config(host_override=args.host)
    overrides = {
        "engine_url": args.engine.rstrip("/") if args.engine else None,
        "port": args.port,
        "queue_size": args.queue_size,
        "stale_timeout": args.stale_timeout,
        "empty_timeout": args.empty_timeout,
        "linger": args.linger,
        "demo": True if args.demo else None,
    }
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    return config, loaded.problem


def validate(config: ProxyConfig) -> str | None:
    problem = settings_module.engine_url_problem(config.engine_url)
    if problem:
        return problem
    if not 0 <= config.port <= 65535:
        return "Port must be between 0 and 65535."
    if config.queue_size < 1:
        return "Queue size must be at least 1."
    return None


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop  # type: ignore[import-not-found]
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


async def serve_until_stopped(config: ProxyConfig) -> int:
    service = ProxyService(config)
    try:
        await service.start()
    except ProxyStartError as exc:
        log.error("%s", exc)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C arrives as KeyboardInterrupt
            pass
    mode = "demo engine" if config.demo else f"engine {service.engine_url}"
    log.info("AceTray serving on %s (%s). Stream: %s", service.listen_url, mode, service.stream_url("<content id>"))
    try:
        await stop.wait()
    finally:
        log.info("stopping: closing streams and engine sessions")
        await service.stop()
    return 0


def run_serve(args: argparse.Namespace) -> int:
    setup_logging(to_file=False, to_stderr=True, verbose=args.verbose)
    config, problem = config_from_args(args)
    if problem:
        log.warning("%s", problem)
    error = validate(config)
    if error:
        log.error("%s", error)
        return 2
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(serve_until_stopped(config))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    from desktop.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
