"""A stand-in `docker` command: records its arguments, and runs the stand-in engine for `run`.

Installed by the tests as an executable named `docker` on PATH. Each call appends
one JSON line (its argv) to $STANDIN_DOCKER_LOG. `run` execs the stand-in engine on
the published host port; `stop NAME` ends it; `image inspect` succeeds only after
a `pull`; $STANDIN_DOCKER_PULL_ERROR makes `pull` fail with that text. State lives in $STANDIN_DOCKER_STATE (a folder).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    with open(os.environ["STANDIN_DOCKER_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    state = Path(os.environ["STANDIN_DOCKER_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    if argv[:1] == ["version"]:
        print("27.0.3")
        return 0
    if argv[:2] == ["image", "inspect"]:
        return 0 if (state / "pulled").exists() else 1
    if argv[:1] == ["pull"] and os.environ.get("STANDIN_DOCKER_PULL_ERROR"):
        print(os.environ["STANDIN_DOCKER_PULL_ERROR"], file=sys.stderr)
        return 1
    if argv[:1] == ["pull"]:
        (state / "pulled").touch()
        print(f"pulled {argv[-1]}")
        return 0
    if argv[:2] == ["rm", "-f"]:
        return 0 if (state / f"{argv[2]}.pid").exists() else 1
    if argv[:1] == ["stop"]:
        pid_file = state / f"{argv[-1]}.pid"
        if not pid_file.exists():
            print(f"Error: No such container: {argv[-1]}", file=sys.stderr)
            return 1
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink()
        print(argv[-1])
        return 0
    if argv[:1] == ["run"]:
        name = argv[argv.index("--name") + 1]
        published = argv[argv.index("-p") + 1]  # 127.0.0.1:PORT:6878
        port = published.split(":")[1]
        (state / f"{name}.pid").write_text(str(os.getpid()))
        # exec: the "container" is this very process, as the docker client stands for it.
        os.execv(sys.executable, [sys.executable, str(HERE / "standin_engine.py"), "--http-port", port])
    print(f"standin docker: unknown command {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
