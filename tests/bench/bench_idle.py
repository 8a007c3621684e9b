#!/usr/bin/env python3
"""On-demand benchmark of the tray app at rest: prints figures, asserts nothing.

The tray app (`python -m desktop`, offscreen Qt, its own settings folder) runs
with nothing streaming while this process watches it from outside for N
seconds. Two things vary:

  ui      tray: the usual state, in the tray with the window hidden. Offscreen
                Qt has no tray host, so a stand-in says there is one
                (QSystemTrayIcon.isSystemTrayAvailable → True); the icon
                exists, nobody sees it.
          window: no tray (what offscreen Qt gives), so the window is shown.
  engine  unreachable: the engine URL is a loopback port nothing listens on.
          demo: `python -m desktop.streaming.demo` answers there.

Reported per case: CPU % of one core (nanoseconds on a CPU, summed over the
app's threads) and wakeups per second (voluntary context switches, likewise),
the main thread's share of them, and the RSS at the end. Both are read per
thread from /proc: a thread that ends during the run takes its share along. Target (issue 14):
≤ 0.1 % CPU in the tray, no timer faster than 1 Hz while nothing streams.

Then the idle RSS is split by measuring smaller processes with the same Qt
platform: Python alone; + QApplication, a QSystemTrayIcon and QtNetwork
(Qt's own); + the libraries (asyncio with ssl, aiohttp, uvloop, qasync...);
+ AceTray's own modules; + the window and tray built (no core); the rest of
the running app is the core at work (its thread, loop, listener, HTTP session).

    python tests/bench/bench_idle.py                    # every case, 60 s each
    python tests/bench/bench_idle.py --seconds 10 --case tray-unreachable
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop import settings as settings_store
from tests.bench.processes import QUIET, demo_engine, listening
from tests.ports import free_port

CASES = ("tray-unreachable", "tray-demo", "window-unreachable", "window-demo")
WARM_UP = 5.0  # s after the proxy listens: start-up work (first health check, channels) settles
# The tray stand-in: offscreen Qt has no tray host, so the app would show its window instead.
TRAY_SHIM = (
    "import runpy, sys; from PySide6.QtWidgets import QSystemTrayIcon; "
    "QSystemTrayIcon.isSystemTrayAvailable = staticmethod(lambda: True); "
    "sys.argv[0] = 'acetray'; runpy.run_module('desktop', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class Memory:
    """MB resident: all of it, the process's own (heap, stacks), and mapped files (mostly shared libraries)."""

    rss: float
    anon: float
    file: float

    def __sub__(self, other: Memory) -> Memory:
        return Memory(self.rss - other.rss, self.anon - other.anon, self.file - other.file)


def memory(pid: int) -> Memory:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            fields[key] = int(value.split()[0]) / 1000  # kB
    return Memory(fields["VmRSS"], fields["RssAnon"], fields["RssFile"] + fields.get("RssShmem", 0.0))


@dataclass
class Idle:
    case: str
    seconds: float
    cpu_percent: float
    wakeups_per_s: float
    main_wakeups_per_s: float
    threads: int
    memory: Memory


def per_thread(pid: int) -> dict[int, tuple[int, int]]:
    """{thread id: (ns on a CPU, voluntary context switches)} from /proc, for every live thread.

    schedstat counts nanoseconds; /proc/PID/stat (what psutil reads) counts 10 ms
    ticks, too coarse for a process that is meant to use 0.1 % of a core.
    """
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ns = int((task / "schedstat").read_text().split()[0])
            status = (task / "status").read_text()
        except (OSError, ValueError, IndexError):  # the thread ended meanwhile
            continue
        switches = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("voluntary_ctxt_switches:")), 0
        )
        out[int(task.name)] = (ns, switches)
    return out


def growth(
    before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]], only: int | None = None
) -> tuple[float, int]:
    """(CPU seconds, context switches) the threads used between two readings (new threads from zero)."""
    cpu = switches = 0
    for tid, (ns, count) in after.items():
        if only is not None and tid != only:
            continue
        ns0, count0 = before.get(tid, (0, 0))
        cpu += ns - ns0
        switches += count - count0
    return cpu / 1e9, switches


def base_env(config_dir: str) -> dict[str, str]:
    return dict(os.environ, ACETRAY_CONFIG_DIR=config_dir, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")


def run_case(case: str, seconds: float) -> Idle:
    ui, engine = case.split("-", 1)
    engine_port, port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as config_dir:
        # A settings file: not the first run, so the window stays hidden when there is a tray.
        settings_store.save(settings_store.Settings(), Path(config_dir) / "settings.json")
        args = ["--engine", f"http://127.0.0.1:{engine_port}", "--port", str(port)]
        cmd = [sys.executable, "-c", TRAY_SHIM, *args] if ui == "tray" else [sys.executable, "-m", "desktop", *args]
        with ExitStack() as running:
            if engine == "demo":
                running.enter_context(listening((demo_engine(engine_port), engine_port)))
            app = subprocess.Popen(cmd, cwd=ROOT, env=base_env(config_dir), **QUIET)
            running.enter_context(listening((app, port)))
            time.sleep(WARM_UP)
            proc = psutil.Process(app.pid)
            before, t0 = per_thread(app.pid), time.perf_counter()
            time.sleep(seconds)
            after, elapsed = per_thread(app.pid), time.perf_counter() - t0
            cpu, switches = growth(before, after)
            _, main_switches = growth(before, after, only=app.pid)
            return Idle(
                case=case,
                seconds=elapsed,
                cpu_percent=100 * cpu / elapsed,
                wakeups_per_s=switches / elapsed,
                main_wakeups_per_s=main_switches / elapsed,
                threads=len(after),
                memory=memory(proc.pid),
            )


# Each stage is the one before plus one layer; the process then prints "ready" and waits for stdin to close.
LAYERS = {
    "python": "",
    "qt": """
        from PySide6.QtWidgets import QApplication, QSystemTrayIcon
        from PySide6.QtGui import QIcon, QPixmap
        app = QApplication([])
        pixmap = QPixmap(22, 22); pixmap.fill()
        bare_tray = QSystemTrayIcon(QIcon(pixmap)); bare_tray.show(); app.processEvents()
        import PySide6.QtNetwork  # the single-instance socket
    """,
    "libraries": """
        import asyncio, aiohttp, uvloop, qasync, segno, platformdirs
    """,
    "acetray modules": """
        import desktop.cli, desktop.ui.tray_app, desktop.app, desktop.streaming.service
    """,
    "ui": """
        from pathlib import Path
        from desktop.launch import LaunchOptions
        from desktop.settings import Settings
        from desktop.ui.controller import AppController
        controller = AppController(settings=Settings(), options=LaunchOptions(), core_factory=None,
                                   log_dir=Path("."), tray_available=True)
        controller.tray.show(); app.processEvents()
    """,
}


def stages() -> dict[str, str]:
    code, out = "", {}
    for name, layer in LAYERS.items():
        code += textwrap.dedent(layer)
        out[name] = code
    return out


def stage_memory(code: str) -> Memory:
    """The memory of a process that ran `code` and then sat still."""
    script = code + "\nimport sys\nprint('ready', flush=True)\nsys.stdin.read()\n"
    with tempfile.TemporaryDirectory() as config_dir:
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=base_env(config_dir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            if proc.stdout is None or proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the {code!r} stage did not start")
            time.sleep(1.0)
            return memory(proc.pid)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", default=",".join(CASES), help=f"{', '.join(CASES)} (comma-separated)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-breakdown", action="store_true", help="skip the RSS breakdown")
    args = parser.parse_args()
    print(f"{'case':<19} {'seconds':>7} {'CPU %':>6} {'wakeups/s':>9} {'main':>5} {'threads':>7} {'RSS':>8}")
    results = []
    for case in args.case.split(","):
        r = run_case(case, args.seconds)
        results.append(r)
        print(
            f"{r.case:<19} {r.seconds:>7.1f} {r.cpu_percent:>6.3f} {r.wakeups_per_s:>9.2f} "
            f"{r.main_wakeups_per_s:>5.2f} {r.threads:>7} {r.memory.rss:>6.1f}MB",
            flush=True,
        )
    if args.no_breakdown:
        return 0
    mem = {name: stage_memory(code) for name, code in stages().items()}
    tray = next((r.memory for r in results if r.case.startswith("tray")), None)
    print("\nidle RSS, layer by layer (each measured in a process of its own; offscreen Qt);")
    print("own = heap and stacks, files = mapped files, mostly shared libraries another Qt app shares:")
    print(f"  {'':<44} {'RSS':>8} {'own':>7} {'files':>7}   {'total RSS':>9}")
    rows = [
        ("Python", mem["python"], mem["python"]),
        ("Qt's own: QApplication, tray icon, QtNetwork", mem["qt"] - mem["python"], mem["qt"]),
        ("libraries: asyncio (ssl), aiohttp, uvloop...", mem["libraries"] - mem["qt"], mem["libraries"]),
        ("AceTray's modules (core and UI) imported", mem["acetray modules"] - mem["libraries"], mem["acetray modules"]),
        ("window, tray menu, commands built", mem["ui"] - mem["acetray modules"], mem["ui"]),
    ]
    if tray is not None:
        rows.append(("the running core (tray app idle)", tray - mem["ui"], tray))
    for label, delta, total in rows:
        print(f"  {label:<44} {delta.rss:>+6.1f}MB {delta.anon:>+7.1f} {delta.file:>+7.1f}   {total.rss:>7.1f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
