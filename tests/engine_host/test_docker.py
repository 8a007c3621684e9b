"""The engine in Docker: the exact `docker` commands, driven through a stand-in `docker` on PATH."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from desktop.streaming.engine_host import DEFAULT_IMAGE, EngineState, docker_command
from desktop.streaming.engine_host.docker import needs_amd64_pin
from tests.engine_host.conftest import HERE, engine_info, wait_pid_gone

IMAGE = "example/acestream:1"


@pytest.fixture
def docker_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a stand-in `docker` first on PATH; returns the file its calls are recorded in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    script = HERE / "standin_docker.py"
    docker.write_text(f"#!{sys.executable}\nimport runpy\nrunpy.run_path({str(script)!r}, run_name='__main__')\n")
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    calls = tmp_path / "docker-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_DOCKER_LOG", str(calls))
    monkeypatch.setenv("STANDIN_DOCKER_STATE", str(tmp_path / "docker-state"))
    return calls


def recorded(calls: Path) -> list[list[str]]:
    return [json.loads(line) for line in calls.read_text().splitlines()]


def test_run_publishes_the_engine_on_loopback_with_a_name_per_port() -> None:
    command = docker_command(6878, IMAGE, machine="x86_64")
    assert command.argv == (
        "docker", "run", "--rm", "--name", "acetray-engine-6878", "-p", "127.0.0.1:6878:6878", "--", IMAGE,
    )  # fmt: skip
    assert command.stop_argv == ("docker", "stop", "--time", "5", "acetray-engine-6878")
    assert command.label == f"Docker ({IMAGE})"


@pytest.mark.parametrize("machine, pinned", [("x86_64", False), ("AMD64", False), ("arm64", True), ("aarch64", True)])
def test_the_amd64_image_is_pinned_on_other_hosts(machine: str, pinned: bool) -> None:
    assert needs_amd64_pin(machine) is pinned
    argv = docker_command(7000, IMAGE, machine=machine).argv
    assert (argv[-4:-2] == ("--platform", "linux/amd64")) is pinned


@pytest.mark.parametrize("image", ["--privileged", "-v/:/host", "--volume=/:/host"])
def test_an_image_that_looks_like_an_option_is_never_read_as_one(image: str) -> None:
    command = docker_command(6878, image, machine="aarch64")
    pull, inspect = command.prepare[1].argv, command.prepare[1].unless
    for argv in (command.argv, pull, inspect):
        # Every option is AceTray's own; after "--" docker takes the rest as the image, whatever it says.
        assert argv[argv.index("--") :] == ("--", image)
        assert image not in argv[: argv.index("--")]


def test_blank_image_setting_means_the_default_image() -> None:
    assert docker_command(6878, "  ", machine="x86_64").argv[-1] == DEFAULT_IMAGE


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in docker is a POSIX script")
async def test_docker_engine_is_pulled_once_run_and_stopped_with_docker_stop(supervisors, port, docker_calls) -> None:
    command = docker_command(port, IMAGE, machine="x86_64")
    sup, events = supervisors(command, port)
    await sup.start()
    running = await sup.wait_settled(40)
    assert (running.state, running.version, running.owned) == (EngineState.RUNNING, "3.2.3", True)
    engine_pid = (await engine_info(port))["pid"]
    await sup.stop()
    assert await wait_pid_gone(engine_pid, timeout=2)

    name = f"acetray-engine-{port}"
    assert recorded(docker_calls) == [
        ["rm", "-f", name],  # a dead leftover of ours would block the name
        ["image", "inspect", "--", IMAGE],
        ["pull", "--", IMAGE],
        ["run", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:6878", "--", IMAGE],
        ["stop", "--time", "5", name],
    ]
    assert events.matching(f"Downloading the AceStream engine image {IMAGE} (first start only)", "info")
    assert not events.matching("by force")

    # Second start: the image is there, so no pull and no download message.
    docker_calls.write_text("")
    await sup.start()
    assert (await sup.wait_settled(40)).state is EngineState.RUNNING
    assert recorded(docker_calls) == [
        ["rm", "-f", name],
        ["image", "inspect", "--", IMAGE],
        ["run", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:6878", "--", IMAGE],
    ]
    assert len(events.matching("Downloading")) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in docker is a POSIX script")
async def test_failed_pull_fails_with_dockers_own_words_and_runs_nothing(
    supervisors, port, docker_calls, monkeypatch
) -> None:
    denied = "Error response from daemon: pull access denied for example/acestream"
    monkeypatch.setenv("STANDIN_DOCKER_PULL_ERROR", denied)
    sup, _ = supervisors(docker_command(port, IMAGE, machine="x86_64"), port)
    await sup.start()
    failed = await sup.wait_settled(20)
    assert failed.state is EngineState.FAILED
    assert failed.reason == f"'docker pull -- {IMAGE}' failed: {denied}"
    assert [call[0] for call in recorded(docker_calls)] == ["rm", "image", "pull"]
