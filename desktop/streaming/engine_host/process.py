"""Spawning and ending one engine process, so that it never outlives AceTray.

POSIX: the engine runs under a tiny `/bin/sh` guard, as the leader of a new
process group. The guard's stdin is the read end of a "lifeline" pipe whose
only write end stays in AceTray; when AceTray dies for any reason, even
SIGKILL, the kernel closes it, the guard reads EOF and ends the whole group:
SIGTERM, then SIGKILL after the grace. Chosen over PR_SET_PDEATHSIG because
that signal fires when the *thread* that spawned the child ends (the core's
loop thread can be replaced while AceTray runs), reaches only the direct child
(the real engine is often started by a launcher script), needs preexec_fn
(unsafe in a threaded Qt process), and does not exist on macOS.

Windows: a job object with KILL_ON_JOB_CLOSE (winjob.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

# $1: grace seconds; the rest: the engine's argv. On entry fd 0 is the lifeline and
# fd 1 the output pipe; only the engine writes there (the shell's own "Killed" or
# "Terminated" notes would pass for the engine's last words).
GUARD_SCRIPT = r"""
grace=$1; shift
exec 3<&0 4>&1 </dev/null >/dev/null 2>&1
"$@" >&4 2>&4 3<&- 4>&- &
engine=$!
( read -r _ <&3; kill -TERM $$ ) 4>&- &
exec 3<&- 4>&-
stop_all() {
    trap '' TERM INT HUP
    kill -TERM 0 2>/dev/null
    ( sleep "$grace"; kill -KILL 0 ) &
    wait "$engine"
    kill -KILL 0
}
trap stop_all TERM INT HUP
wait "$engine"
exit $?
"""
GUARD_NAME = "acetray-engine-guard"  # $0: what `ps` shows for the guard


class _Protocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Also tells when the process itself exits.

    `Process.wait()` returns only once every holder of the output pipe has closed
    it, so a helper the engine left behind would hide the engine's death.
    """

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


@dataclass(eq=False)
class EngineProcess:
    """A spawned engine and the handles that tie it to AceTray."""

    process: asyncio.subprocess.Process
    exited: asyncio.Future[None]  # done when the spawned process has exited, pipes or not
    lifeline: int | None = None  # POSIX: the pipe's write end; closing it ends the group
    job: int | None = None  # Windows: the job object's handle

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> asyncio.StreamReader:
        assert self.process.stdout is not None
        return self.process.stdout

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def wait(self) -> int:
        """The exit code, as soon as the process has exited."""
        await asyncio.shield(self.exited)
        code = self.process.returncode
        assert code is not None
        return code


async def _exec(argv: Sequence[str], **options: object) -> tuple[asyncio.subprocess.Process, _Protocol]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.subprocess_exec(
        lambda: _Protocol(2**16, loop),
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        **options,  # type: ignore[arg-type]
    )
    return asyncio.subprocess.Process(transport, protocol, loop), protocol


async def spawn(argv: Sequence[str], *, grace: float) -> EngineProcess:
    """Start `argv` with stdout and stderr merged into one pipe. Raises OSError."""
    if sys.platform == "win32":
        return await _spawn_windows(argv)
    read_end, write_end = os.pipe()  # both non-inheritable: no other child of ours holds them
    try:
        process, protocol = await _exec(
            ("/bin/sh", "-c", GUARD_SCRIPT, GUARD_NAME, f"{grace:g}", *argv),
            stdin=read_end,
            start_new_session=True,  # its own group: one signal reaches everything it starts
        )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    return EngineProcess(process, protocol.exited, lifeline=write_end)


async def _spawn_windows(argv: Sequence[str]) -> EngineProcess:
    if sys.platform != "win32":  # (tells type checkers which platform the rest is for)
        raise RuntimeError("Windows only")
    from desktop.streaming.engine_host import winjob

    # Its own process group, so CTRL_BREAK reaches it alone; no console window popping up.
    flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
    process, protocol = await _exec(argv, stdin=asyncio.subprocess.DEVNULL, creationflags=flags)
    return EngineProcess(process, protocol.exited, job=winjob.contain(process.pid))


def ask_to_stop(engine: EngineProcess) -> None:
    """The polite request: SIGTERM to the group, or CTRL_BREAK on Windows."""
    if engine.returncode is not None:
        return
    if sys.platform == "win32":
        # Only reaches an engine that shares our console; otherwise the forced stop follows.
        with contextlib.suppress(OSError):
            os.kill(engine.pid, signal.CTRL_BREAK_EVENT)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(engine.pid, signal.SIGTERM)


def kill_all(engine: EngineProcess) -> None:
    """End the engine and everything it started, now."""
    if sys.platform == "win32":
        with contextlib.suppress(ProcessLookupError, OSError):
            engine.process.kill()
        _close_job(engine)
        return
    # Also after the guard itself has exited: stragglers keep its group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(engine.pid, signal.SIGKILL)


def release(engine: EngineProcess) -> None:
    """After the spawned process has exited: end stragglers, then drop the lifeline.

    In this order: a guard watcher still alive when the lifeline closes would
    signal a pid that may already belong to someone else. Killing the group is
    also what lets the output reach EOF under uvloop, whose children inherit
    extra copies of the output socket that the guard cannot close.
    """
    kill_all(engine)
    if engine.lifeline is not None:
        with contextlib.suppress(OSError):
            os.close(engine.lifeline)
        engine.lifeline = None


def _close_job(engine: EngineProcess) -> None:
    if sys.platform == "win32" and engine.job is not None:
        from desktop.streaming.engine_host import winjob

        winjob.close(engine.job)
        engine.job = None


async def run_helper(argv: Sequence[str], timeout: float) -> tuple[int | None, list[str]]:
    """Run a short helper command (docker rm/pull/stop) to its end.

    (exit code, or None when it timed out; its last output lines). Killed when
    it times out or the caller is cancelled: a `docker pull` must not run on unowned.
    """
    try:
        child = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except OSError as exc:
        return 127, [f"cannot run {argv[0]}: {exc.strerror or exc}"]
    try:
        out, _ = await asyncio.wait_for(child.communicate(), timeout)
    except (TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        return None, []
    lines = [" ".join(line.split()) for line in out.decode("utf-8", "replace").splitlines()]
    return child.returncode, [line for line in lines if line][-3:]


def describe_exit(returncode: int | None) -> str:
    """'exit code 3', 'killed by SIGKILL': how the engine ended, for a message."""
    if returncode is None:
        return "still running"
    signum = -returncode if returncode < 0 else 0
    # The guard reports an engine killed by signal N as 128 + N, as shells do.
    if sys.platform != "win32" and 128 < returncode < 128 + 65:
        signum = returncode - 128
    if signum:
        try:
            return f"killed by {signal.Signals(signum).name}"
        except ValueError:
            return f"killed by signal {signum}"
    return f"exit code {returncode}"
