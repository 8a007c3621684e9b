"""`python -m desktop.streaming.demo`: the demo engine alone, for benchmarks and manual tests.

It also stands in for the real engine program: it takes the flags AceTray gives
an engine it runs (`--client-console --http-port N --live-cache-type memory …`),
so tests, and anyone curious, can set it as "the engine program".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Literal

from desktop.streaming.demo.engine import DemoEngine, load_demo_clip
from desktop.streaming.demo.state import EngineFaults
from desktop.streaming.runtime.loops import new_event_loop


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.streaming.demo",
        description="A simulated AceStream engine serving a looped clip (demo mode, tests, benchmarks).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", "--http-port", dest="port", type=int, default=6878, help="0 picks a free port")
    parser.add_argument("--version-string", help="the version get_version reports (default: the demo's own)")
    # The real engine's flags, accepted and ignored so the demo can stand in for it.
    parser.add_argument("--client-console", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bind-all", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--live-cache-type", metavar="X", help=argparse.SUPPRESS)
    parser.add_argument("--vod-cache-type", metavar="X", help=argparse.SUPPRESS)
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--unpaced", action="store_true", help="send as fast as possible (benchmarks)")
    pace.add_argument("--rate", type=float, help="bytes per second (default: the clip's own rate)")
    parser.add_argument("--clip", type=Path, help="an MPEG-TS file (default: the bundled demo clip)")
    parser.add_argument("--write-size", type=int, help="bytes per write (default 4096, unpaced 65536)")
    parser.add_argument("--idle-stop", type=float, default=30.0, help="s before an unread session stops")
    parser.add_argument("--prebuffer", type=float, default=0.0, help="s before a new session's first byte")
    parser.add_argument(
        "--refuse", metavar="ID", action="append", default=[], help="answer 'failed to load content' for this id"
    )
    parser.add_argument("--silent", metavar="ID", action="append", default=[], help="never send a byte of this id")
    parser.add_argument(
        "--peerless", metavar="ID", action="append", default=[], help="find no peers for this id (stat: 0 peers)"
    )
    parser.add_argument(
        "--stall", metavar="ID", action="append", default=[], help="go silent for good after --stall-after bytes"
    )
    parser.add_argument("--stall-after", metavar="BYTES", type=int, default=1_000_000, help="(default 1,000,000)")
    parser.add_argument("--no-uvloop", action="store_true")
    return parser.parse_args(argv)


async def _serve_until_signalled(engine: DemoEngine) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl+C raises KeyboardInterrupt instead
            loop.add_signal_handler(signum, stop.set)
    await engine.start()
    print(f"demo engine listening on {engine.url}", flush=True)
    try:
        await stop.wait()
    finally:
        await engine.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    source = args.clip.read_bytes() if args.clip else load_demo_clip()
    rate: float | Literal["clip"] | None = None if args.unpaced else (args.rate or "clip")
    engine = DemoEngine(
        source,
        host=args.host,
        port=args.port,
        bytes_per_second=rate,
        write_size=args.write_size or (65536 if args.unpaced else 4096),
        faults=EngineFaults(
            prebuffer_delay=args.prebuffer,
            refused_ids=frozenset(i.lower() for i in args.refuse),
            silent_ids=frozenset(i.lower() for i in args.silent),
            peerless_ids=frozenset(i.lower() for i in args.peerless),
            stall_ids=frozenset(i.lower() for i in args.stall),
            stall_after_bytes=args.stall_after if args.stall else None,
            stall_seconds=86_400.0 if args.stall else 0.0,  # for good, as far as a manual test goes
        ),
        session_idle_stop=args.idle_stop,
        version=args.version_string,
    )
    try:
        with asyncio.Runner(loop_factory=asyncio.new_event_loop if args.no_uvloop else new_event_loop) as runner:
            runner.run(_serve_until_signalled(engine))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # most often: the port is taken (a real engine is running?)
        print(f"demo engine: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
