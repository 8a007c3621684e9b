"""Runs an EngineSupervisor in its own process, so a test can SIGKILL "AceTray".

argv: PORT. Starts the stand-in engine (with a helper child, as a launcher script
would have), prints one JSON line once it is running, then waits to be killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the worktree, as when pytest runs

from desktop.streaming.engine_host import EngineState, EngineSupervisor, SupervisorPolicy, program_command

STANDIN = Path(__file__).resolve().parent / "standin_engine.py"


async def main(port: int) -> None:
    command = program_command([sys.executable, str(STANDIN), "--spawn-child"], port)
    supervisor = EngineSupervisor(command, port=port, policy=SupervisorPolicy(ready_timeout=30, probe_interval=0.05))
    await supervisor.start()
    snapshot = await supervisor.wait_settled(40)
    print(json.dumps({"state": snapshot.state.value, "guard_pid": snapshot.pid}), flush=True)
    if snapshot.state is EngineState.RUNNING:
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
