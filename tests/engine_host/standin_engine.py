"""A stand-in AceStream engine program: accepts the engine's flags, answers get_version.

Run as a program by the supervisor tests (`python standin_engine.py --client-console
--http-port N …`). Self-contained on purpose; the project's demo engine will take
this role once it runs as a program. Extra switches make it misbehave on demand.
Its answer carries its own pid (a real engine's does not) so a test can kill it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys

from aiohttp import web


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--client-console", action="store_true")
    parser.add_argument("--version", default="3.2.3", help="the version get_version reports")
    parser.add_argument("--ignore-term", action="store_true", help="ignore SIGTERM like a hung engine")
    parser.add_argument("--exit-at-once", type=int, help="print an error and exit with this code")
    parser.add_argument("--never-listen", action="store_true", help="run but never open the port")
    parser.add_argument("--spawn-child", action="store_true", help="start a helper process, as launchers do")
    # The real engine's other flags (--live-cache-type memory …) are accepted and ignored.
    args, _unknown = parser.parse_known_args(argv)
    return args


async def serve(args: argparse.Namespace, helper_pid: int | None) -> None:
    async def version(request: web.Request) -> web.Response:
        if request.query.get("method") != "get_version":
            return web.json_response({"result": None, "error": "unknown method"})
        result = {"code": 3020300, "platform": sys.platform, "version": args.version, "pid": os.getpid()}
        if helper_pid:
            result["helper_pid"] = helper_pid
        return web.json_response({"result": result, "error": None})

    app = web.Application()
    app.router.add_get("/webui/api/service", version)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.http_port).start()
    print(f"standin engine {args.version} listening on {args.http_port}", flush=True)
    await asyncio.Event().wait()  # until a signal ends the process


def main() -> int:
    args = parse(sys.argv[1:])
    print(f"standin engine starting, pid {os.getpid()}", flush=True)
    if args.exit_at_once is not None:
        print("error: the engine cannot start (stand-in failure)", file=sys.stderr, flush=True)
        return args.exit_at_once
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.never_listen:
        signal.pause()
        return 0
    helper = None
    if args.spawn_child:
        # A grandchild of the supervisor: the guard must end it too.
        helper = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
    asyncio.run(serve(args, helper.pid if helper else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
