"""Command line: `acetray` (tray app), `acetray serve` (headless proxy), `--version`.

The flags that override a setting for one run are generated from the
settings' declarations (`desktop.settings.schema`), so their names, help and
rules are the settings' own.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop import __version__
from desktop.launch import LaunchOptions, run_playlist
from desktop.settings import default_of, spec_of, specs
from desktop.streaming.channels.sources import InvalidSource


def _add_setting_flags(parser: argparse.ArgumentParser, *, tray: bool) -> None:
    for name, spec in specs():
        if spec.flag is None or (tray and not spec.tray_flag):
            continue
        default = default_of(name)
        if isinstance(default, bool):
            parser.add_argument(spec.flag, dest=name, action="store_const", const=True, help=spec.help)
        elif spec.choices:
            parser.add_argument(
                spec.flag,
                dest=name,
                choices=[value for value, _label in spec.choices],
                help=f"{spec.help} (default: the saved setting)",
            )
        else:
            metavar = spec.metavar or ("S" if spec.unit == "s" else "URL" if isinstance(default, str) else "N")
            parser.add_argument(
                spec.flag,
                dest=name,
                type=type(default),
                metavar=metavar,
                help=f"{spec.help} (default: the saved setting)",
            )
    parser.add_argument("--host", metavar="H", help="listen on this address (overrides LAN sharing)")
    parser.add_argument(
        "--playlist",
        dest="playlists",
        action="append",
        type=_playlist,
        metavar="SOURCE",
        default=[],
        help="an M3U playlist (http/https URL or a file) to add for this run, besides the saved ones; repeatable",
    )
    parser.add_argument(
        "--guide",
        dest="guides",
        action="append",
        type=_playlist,  # the same rules: http(s) or a file, a relative path read from here
        metavar="SOURCE",
        default=[],
        help="an XMLTV guide (http/https URL or a file, plain or .gz) for /epg.xml this run, "
        "besides the playlists' own and the saved ones; repeatable",
    )


def _playlist(text: str) -> str:
    # Resolved now, against the folder the command was started in.
    try:
        return run_playlist(text)
    except InvalidSource as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_tray_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acetray",
        description="AceTray: watch one AceStream channel on any number of players at once. "
        "`acetray serve --help` for the headless proxy.",
    )
    parser.add_argument("--version", action="version", version=f"AceTray {__version__}")
    _add_setting_flags(parser, tray=True)
    parser.add_argument("links", nargs="*", help="acestream:// links or content ids to copy or play")
    return parser


def build_serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acetray serve", description="Run the AceTray proxy headless (no tray), logging to stderr."
    )
    _add_setting_flags(parser, tray=False)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--show-token",
        action="store_true",
        help="print the share link with its access token even when standard output is not a terminal "
        "(by default a service's journal never gets it)",
    )
    return parser


def options_from_args(args: argparse.Namespace) -> LaunchOptions:
    setting_names = {name for name, spec in specs() if spec.flag}
    overrides: dict[str, Any] = {
        name: value for name, value in vars(args).items() if name in setting_names and value is not None
    }
    for name in list(overrides):
        for implied, value in spec_of(name).implies:  # e.g. --engine-command means "start this engine"
            overrides.setdefault(implied, value)
    return LaunchOptions(
        overrides=overrides,
        host=args.host,
        links=tuple(getattr(args, "links", ())),
        playlists=tuple(dict.fromkeys(args.playlists)),
        guides=tuple(dict.fromkeys(args.guides)),
        verbose=getattr(args, "verbose", False),
        show_token=getattr(args, "show_token", False),
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Links are positional at the top level, so "serve" is recognised by hand
    # rather than with argparse subparsers (which would reject acestream:// links).
    if argv[:1] == ["serve"]:
        from desktop.serve import run_serve

        return run_serve(options_from_args(build_serve_parser().parse_args(argv[1:])))
    options = options_from_args(build_tray_parser().parse_args(argv))
    from desktop.ui.tray_app import run_tray

    return run_tray(options)


if __name__ == "__main__":
    sys.exit(main())
