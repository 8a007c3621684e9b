"""Which engine AceTray runs for a configuration: the rules, without processes."""

from __future__ import annotations

import dataclasses

from desktop.streaming.config import (
    ENGINE_DOCKER,
    ENGINE_PROGRAM,
    START_ON_PLAY,
    ProxyConfig,
)
from desktop.streaming.engine.plan import NOT_FOUND, needs_discovery, plan_for
from desktop.streaming.engine_host import DEFAULT_IMAGE, Discovery, EngineCandidate

URL = "http://127.0.0.1:7000"
FOUND = Discovery(
    (
        EngineCandidate("program", ("/opt/acestream/start-engine",), "AceStream engine (/opt/acestream/start-engine)"),
        EngineCandidate("docker", ("/usr/bin/docker",), "Docker 27.0.3"),
    )
)


def config(**changes: object) -> ProxyConfig:
    return dataclasses.replace(ProxyConfig(engine_url=URL, engine_mode=ENGINE_PROGRAM), **changes)  # type: ignore[arg-type]


def everywhere(_name: str) -> str:
    return "/usr/bin/x"


def test_an_engine_already_running_or_the_demo_engine_is_not_acetrays_to_run() -> None:
    assert not plan_for(ProxyConfig(engine_url=URL), FOUND).owned
    assert not plan_for(config(demo=True), FOUND).owned
    assert not needs_discovery(config(demo=True))


def test_the_found_engine_runs_headless_on_the_engine_urls_port() -> None:
    plan = plan_for(config(), FOUND)
    assert plan.command is not None and (plan.host, plan.port) == ("127.0.0.1", 7000)
    assert plan.command.argv == (
        "/opt/acestream/start-engine", "--client-console", "--http-port", "7000",
        "--live-cache-type", "memory", "--vod-cache-type", "memory",
    )  # fmt: skip
    assert not plan.on_first_play and plan_for(config(engine_start=START_ON_PLAY), FOUND).on_first_play


def test_a_program_alone_gets_the_flags_a_command_with_port_is_taken_as_written() -> None:
    program = plan_for(config(engine_program='"/my engines/ace" --extra'), None, which=everywhere)
    assert program.command is not None
    assert program.command.argv[:4] == ("/my engines/ace", "--extra", "--client-console", "--http-port")
    written = plan_for(config(engine_program="ace --port={port} --x"), None, which=everywhere)
    assert written.command is not None and written.command.argv == ("ace", "--port=7000", "--x")


def test_what_cannot_run_is_a_sentence_not_a_crash() -> None:
    assert plan_for(config(), Discovery(())).problem == NOT_FOUND
    missing = plan_for(config(engine_program="/nowhere/ace"), None, which=lambda _n: None)
    assert missing.problem == "The engine program was not found: /nowhere/ace"
    remote = plan_for(config(engine_url="http://10.1.2.3:6878"), FOUND)
    assert remote.problem is not None and "http://127.0.0.1:6878" in remote.problem
    stopped = Discovery((), ("Docker is installed but not running (start Docker Desktop or the Docker service).",))
    assert plan_for(config(engine_mode=ENGINE_DOCKER), stopped).problem == stopped.notes[0]


def test_docker_runs_the_chosen_image_with_the_docker_that_was_found() -> None:
    plan = plan_for(config(engine_mode=ENGINE_DOCKER, docker_image="example/engine:2"), FOUND, machine="x86_64")
    assert plan.command is not None
    assert plan.command.argv[0] == "/usr/bin/docker" and plan.command.argv[-1] == "example/engine:2"
    assert "127.0.0.1:7000:6878" in plan.command.argv
    default = plan_for(config(engine_mode=ENGINE_DOCKER), FOUND, machine="x86_64")
    assert default.command is not None and default.command.argv[-1] == DEFAULT_IMAGE
