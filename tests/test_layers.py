"""The house stays as docs/architecture.md draws it: imports point down, no loops, small rooms."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DESKTOP = Path(__file__).resolve().parents[1] / "desktop"
MAX_LINES = 400
# Top to bottom. A module may import its own layer and the layers below, never one above.
LAYERS = (
    ("desktop.cli", "desktop.__main__"),
    ("desktop.ui",),
    ("desktop.app",),
    ("desktop.serve",),
    ("desktop.launch",),
    ("desktop.settings",),
    ("desktop.streaming",),
    (
        "desktop.paths",
        "desktop.resources",
        "desktop.logging_setup",
        "desktop.regular_files",
        "desktop.autostart",
        "desktop",
    ),
)


# Inside the core, top to bottom, the same rule: a floor imports its own and the floors below.
# Each floor is a package (or a few leaf modules); new work gets a package of its own.
CORE = "desktop.streaming"
CORE_LAYERS = (
    ("service", "service_engine", "service_errors"),
    ("demo",),  # the simulated engine, in its own corner: only the service starts it (demo mode)
    ("http",),  # the aiohttp app, routes, access rules, connection guard
    ("tuner",),  # the network tuner: identity, discovery packets and listener, what its HTTP side says
    ("probes",),  # the link check: probes through the engine, paced, giving way to people's channels
    ("warm",),  # the warm keeper: favourites held open through the registry for instant zapping
    ("live",),  # one LiveStream per channel, its reader, fan-out and HLS; the registry
    ("guide",),  # the one XMLTV guide: its sources, their copies, matching channels, /epg.xml
    ("sources",),  # one AceStream id each: a channel as the live side opens it, failover's rules, health
    ("hls", "channels"),  # the segmenter; playlists, favourites, how entries group into channels of sources
    ("logos",),  # channel logos: fetched, checked and cached (which logos exist is the channels' say)
    ("engine",),  # the engine's HTTP API, its parameters, the engine AceTray runs
    ("events", "snapshot", "config"),  # frozen values that cross threads; the core's configuration
    ("engine_host",),  # finding, starting and stopping an engine process
    ("ts",),  # MPEG-TS packets, scans, clock, PSI
    ("ids", "runtime", "logs", "rollback", ""),  # leaves (and the package's own face)
)
MAX_CORE_TOP_LEVEL_MODULES = 12


def _module_name(path: Path) -> str:
    parts = path.relative_to(DESKTOP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in DESKTOP.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                # `from package import submodule` leans on the submodule, not on the package's face.
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return found


def _own(name: str) -> str | None:
    """The project module `name` refers to (a module, or the package a name comes from)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _layer(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def _graph() -> dict[str, set[str]]:
    return {
        module: {own for name in _imports(path) if (own := _own(name)) and own != module}
        for module, path in MODULES.items()
    }


def test_every_import_points_down_the_layers() -> None:
    upward = [
        f"{module} → {target}"
        for module, targets in _graph().items()
        for target in targets
        if target != "desktop" and _layer(target) < _layer(module)
    ]
    assert upward == []


def test_there_is_no_import_loop() -> None:
    graph = _graph()
    loops = []

    def visit(module: str, path: list[str]) -> None:
        for target in graph[module]:
            if target == path[0]:
                loops.append(" → ".join(path + [target]))
            elif target not in path and target > path[0]:  # each loop reported once, from its smallest name
                visit(target, path + [target])

    for start in graph:
        visit(start, [start])
    assert loops == []


def test_the_streaming_core_never_imports_qt() -> None:
    offenders = [
        module
        for module, path in MODULES.items()
        if module.startswith("desktop.streaming")
        and any(n.split(".")[0] in ("PySide6", "qasync") for n in _imports(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by responsibility"


def _core_floor(module: str) -> int:
    rest = module.removeprefix(CORE).removeprefix(".")
    top = rest.split(".", 1)[0]
    for index, names in enumerate(CORE_LAYERS):
        if top in names:
            return index
    raise AssertionError(f"{module} is on no floor of the core: add it to CORE_LAYERS and docs/architecture.md")


def test_inside_the_core_every_import_points_down_its_floors() -> None:
    core = {m: targets for m, targets in _graph().items() if m == CORE or m.startswith(CORE + ".")}
    upward = [
        f"{module} → {target}"
        for module, targets in core.items()
        for target in targets
        if target.startswith(CORE + ".") and _core_floor(target) < _core_floor(module)
    ]
    assert upward == []


def test_the_core_keeps_few_top_level_modules_so_new_work_gets_a_package() -> None:
    top_level = sorted(p.stem for p in (DESKTOP / "streaming").glob("*.py") if p.stem != "__init__")
    assert len(top_level) <= MAX_CORE_TOP_LEVEL_MODULES, top_level
