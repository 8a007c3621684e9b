"""Test support for the engine AceTray runs: the demo engine as a stand-in engine program.

`python -m desktop.streaming.demo` takes the real engine's flags, so the owned-engine
path runs end to end with a real process: spawned, killed, restarted, stopped.
"""

from __future__ import annotations

import shlex
import sys

import psutil

from desktop.streaming.engine_host import SupervisorPolicy

# The engine program as a user would type it into Settings: {port} marks the engine's port.
DEMO_ENGINE_ARGV = (sys.executable, "-m", "desktop.streaming.demo", "--client-console", "--http-port", "{port}")
# Small bounds so faults show quickly; the ready wait stays generous for a loaded machine.
FAST_POLICY = SupervisorPolicy(
    ready_timeout=30.0,
    probe_interval=0.05,
    probe_timeout=2.0,
    stop_grace=3.0,
    backoff_first=0.1,
    backoff_max=0.5,
    max_attempts=3,
)


def demo_engine_command(*extra: str) -> str:
    """The stand-in engine as one command line (Settings' engine program, `serve --engine-command`)."""
    return shlex.join((*DEMO_ENGINE_ARGV, *extra))


def is_demo_engine(process: psutil.Process) -> bool:
    """The stand-in engine itself, not the guard shell whose command line quotes it."""
    return process.cmdline()[1:3] == ["-m", "desktop.streaming.demo"]


def engine_process(guard_pid: int) -> psutil.Process:
    """The engine itself under the supervisor's guard (the process a user would kill by hand)."""
    children = psutil.Process(guard_pid).children()
    engines = [c for c in children if is_demo_engine(c)]
    assert len(engines) == 1, f"not one engine under the guard {guard_pid}: {children}"
    return engines[0]
