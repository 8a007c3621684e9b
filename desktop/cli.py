"""Command line: `acetray` (tray app), `acetray serve` (headless proxy), `--version`."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass

from desktop import __version__


@dataclass(frozen=True)
class LaunchOptions:
    """Per-run overrides of the saved settings, shared by the tray app and `serve`."""

    engine_url: str | None = None
    host: str | None = None
    port: int | None = None
    links: tuple[str, ...] = ()  # acestream:// links or ids handed to the app


def _add_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", metavar="URL", help="AceStream engine URL (default: saved setting)")
    parser.add_argument("--host", metavar="H", help="listen address (default 127.0.0.1; 0.0.0.0 shares on the LAN)")
    parser.add_argument("--port", metavar="P", type=int, help="listen port (default: saved setting, 6880)")


def build_tray_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acetray",
        description="AceTray: watch one AceStream channel on any number of players at once. "
        "`acetray serve --help` for the headless proxy.",
    )
    parser.add_argument("--version", action="version", version=f"AceTray {__version__}")
    _add_overrides(parser)
    parser.add_argument("links", nargs="*", help="acestream:// links or content ids to copy or play")
    return parser


def build_serve_parser() -> argparse.ArgumentParser:
    serve = argparse.ArgumentParser(
        prog="acetray serve", description="Run the AceTray proxy headless (no tray), logging to stderr."
    )
    _add_overrides(serve)
    serve.add_argument("--queue-size", type=int, metavar="N", help="chunks buffered per player")
    serve.add_argument("--stale-timeout", type=float, metavar="S", help="drop a player that takes nothing for S s")
    serve.add_argument("--empty-timeout", type=float, metavar="S", help="reconnect after S s without engine data")
    serve.add_argument("--linger", type=float, metavar="S", help="keep a channel S s after its last player")
    serve.add_argument("--demo", action="store_true", help="use the built-in demo engine (no AceStream needed)")
    serve.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return serve


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Links are positional at the top level, so "serve" is recognised by hand
    # rather than with argparse subparsers (which would reject acestream:// links).
    if argv[:1] == ["serve"]:
        from desktop.serve import run_serve

        return run_serve(build_serve_parser().parse_args(argv[1:]))
    args = build_tray_parser().parse_args(argv)
    options = LaunchOptions(engine_url=args.engine, host=args.host, port=args.port, links=tuple(args.links))
    from desktop.app import run_tray

    return run_tray(options)


def settings_with_overrides(settings, options: LaunchOptions):  # type: ignore[no-untyped-def]
    """Apply per-run overrides that exist as settings (engine, port)."""
    changes = {}
    if options.engine_url:
        changes["engine_url"] = options.engine_url
    if options.port is not None:
        changes["port"] = options.port
    return dataclasses.replace(settings, **changes) if changes else settings


if __name__ == "__main__":
    sys.exit(main())
