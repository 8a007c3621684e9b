"""The engine in Docker: the container is run, watched and stopped like a local program.

`docker run` stays attached (no `-d`), so the supervisor watches the client
process: it exits when the container does, its output is the engine's output,
and the default signal proxying passes our SIGTERM to the container.
"""

from __future__ import annotations

import platform

from desktop.streaming.engine_host.spec import EngineCommand, PrepareStep

# A widely used public image that runs the engine's HTTP API on 6878
# (github.com/martinbjeldbak/acestream-http-proxy, engine 3.2.x). It is built for
# amd64 only, hence the platform pin on other hosts. A setting can name another.
DEFAULT_IMAGE = "ghcr.io/martinbjeldbak/acestream-http-proxy:latest"
CONTAINER_PORT = 6878  # the engine's port inside the image
STOP_SECONDS = 5  # docker stop's own grace before it kills the container
_AMD64_NAMES = frozenset({"x86_64", "amd64", "x64"})


def container_name(port: int) -> str:
    """One name per port: a leftover of an earlier AceTray run is recognisably ours."""
    return f"acetray-engine-{port}"


def needs_amd64_pin(machine: str) -> bool:
    """True on ARM and other hosts: the image has no native build there (emulated instead)."""
    return machine.strip().lower() not in _AMD64_NAMES


def docker_command(
    port: int,
    image: str = DEFAULT_IMAGE,
    *,
    docker: str = "docker",
    machine: str | None = None,
) -> EngineCommand:
    """`docker run` for the engine on 127.0.0.1:port, with its stop and prepare steps."""
    image = image.strip() or DEFAULT_IMAGE
    name = container_name(port)
    machine = platform.machine() if machine is None else machine
    pin = ("--platform", "linux/amd64") if needs_amd64_pin(machine) else ()
    argv = (
        docker, "run", "--rm", "--name", name,
        # Published on loopback only: other devices talk to AceTray, never to the engine.
        "-p", f"127.0.0.1:{port}:{CONTAINER_PORT}",
        *pin,
        # "--": whatever the image setting says, docker reads it as the image, never as an option.
        "--", image,
    )  # fmt: skip
    prepare = (
        # A dead or hung container of ours with this name blocks `docker run --name`; the
        # supervisor only gets here after nothing answered on the port, so it is not in use.
        PrepareStep((docker, "rm", "-f", name), timeout=30.0),
        # Pull explicitly, so a first start's download is not mistaken for a slow engine.
        PrepareStep(
            (docker, "pull", *pin, "--", image),
            timeout=1800.0,
            unless=(docker, "image", "inspect", "--", image),
            required=True,
            message=f"Downloading the AceStream engine image {image} (first start only)…",
        ),
    )
    return EngineCommand(
        argv=argv,
        label=f"Docker ({image})",
        stop_argv=(docker, "stop", "--time", str(STOP_SECONDS), name),
        prepare=prepare,
    )
