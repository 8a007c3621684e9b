"""Commands, states and the output log: the plain pieces of the engine host."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.streaming.engine_host import EngineSnapshot, EngineState, command_for, program_command, user_command
from desktop.streaming.engine_host.discovery import EngineCandidate
from desktop.streaming.engine_host.outputlog import EngineOutputLog
from desktop.streaming.engine_host.process import describe_exit
from desktop.streaming.engine_host.state import is_outdated, version_tuple


def test_found_program_runs_headless_on_the_port() -> None:
    command = program_command(["/usr/bin/acestreamengine"], 6900)
    assert command.argv == (
        "/usr/bin/acestreamengine", "--client-console", "--http-port", "6900",
        "--live-cache-type", "memory", "--vod-cache-type", "memory",
    )  # fmt: skip
    assert command.label == "acestreamengine" and command.stop_argv == () and command.prepare == ()


def test_snap_and_docker_candidates_become_their_commands() -> None:
    snap = EngineCandidate("snap", ("/usr/bin/snap", "run", "acestreamplayer.engine"), "AceStream snap")
    assert command_for(snap, 6878).argv[:4] == ("/usr/bin/snap", "run", "acestreamplayer.engine", "--client-console")
    docker = EngineCandidate("docker", ("/usr/local/bin/docker",), "Docker 27")
    command = command_for(docker, 6878, docker_image="img:1", machine="arm64")
    assert command.argv[:2] == ("/usr/local/bin/docker", "run")
    assert command.argv[-4:] == ("--platform", "linux/amd64", "--", "img:1")


def test_user_command_replaces_every_port_placeholder_and_adds_nothing() -> None:
    command = user_command("acestreamengine --client-console --http-port {port} --api-port {port}1", 6878, posix=True)
    assert command.argv == ("acestreamengine", "--client-console", "--http-port", "6878", "--api-port", "68781")


def test_user_command_on_windows_keeps_backslashes_and_drops_quotes() -> None:
    text = r'"C:\Program Files\AceStream\engine\ace_engine.exe" --http-port {port}'
    command = user_command(text, 6878, posix=False)
    assert command.argv == (r"C:\Program Files\AceStream\engine\ace_engine.exe", "--http-port", "6878")
    assert command.label == "ace_engine.exe"


@pytest.mark.parametrize(
    "text, error", [("   ", "the engine command is empty"), ('"unclosed', "cannot read the engine command")]
)
def test_unusable_user_command_is_a_readable_error(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        user_command(text, 6878, posix=True)


@pytest.mark.parametrize(
    "version, outdated", [("3.1.74", True), ("3.1", True), ("3.2", False), ("3.2.3", False), ("4.0.0", False),
                          ("v3.1.49-beta", True), ("unknown", False), (None, False)]
)  # fmt: skip
def test_versions_older_than_3_2_are_outdated(version: str | None, outdated: bool) -> None:
    assert is_outdated(version) is outdated


def test_version_tuple_reads_the_leading_number() -> None:
    assert version_tuple("3.1.70") == (3, 1, 70) and version_tuple("x") is None


def test_snapshot_summaries_read_as_status_lines() -> None:
    base = EngineSnapshot(EngineState.RUNNING, 6878, "acestreamengine", version="3.2.3")
    assert base.summary() == "Engine 3.2.3 running"
    restarting = EngineSnapshot(EngineState.RESTARTING, 6878, "x", attempt=2)
    assert restarting.summary() == "Engine crashed; restarting (attempt 2)"
    assert EngineSnapshot(EngineState.EXTERNAL, 6878, "x", version="3.1.74").summary() == (
        "Engine 3.1.74 already running (not started by AceTray)"
    )
    assert EngineSnapshot(EngineState.FAILED, 6878, "x", reason="boom").summary() == "Engine failed: boom"


@pytest.mark.parametrize("code, text", [(3, "exit code 3"), (-9, "killed by SIGKILL"), (137, "killed by SIGKILL"),
                                        (143, "killed by SIGTERM"), (None, "still running")])  # fmt: skip
def test_exit_descriptions(code: int | None, text: str) -> None:
    assert describe_exit(code) == text


def test_output_log_rotates_at_its_bound_and_keeps_one_older_file(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "engine.log"
    out = EngineOutputLog(path, max_bytes=4096)
    out.begin("starting: engine")
    for i in range(100):
        out.write(f"line {i:03d} ".encode() + b"x" * 90 + b"\n")
    out.close()
    older = path.with_name("engine.log.1")
    assert path.stat().st_size <= 4096 and older.stat().st_size <= 4096
    assert path.read_text().endswith("line 099 " + "x" * 90 + "\n")
    assert not path.with_name("engine.log.2").exists()


def test_output_log_tail_is_the_runs_last_lines_only(tmp_path: Path) -> None:
    out = EngineOutputLog(tmp_path / "engine.log")
    out.begin("first run")
    out.write(b"old run said this\n")
    out.begin("second run")
    out.write(b"starting\n\n  error:   no   licence \r\n")
    assert out.tail_lines(5) == ["starting", "error: no licence"]
    out.close()


def test_output_log_in_an_unwritable_place_still_keeps_the_tail(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    out = EngineOutputLog(blocker / "engine.log")
    out.begin("run")
    out.write(b"still remembered\n")
    assert out.tail_lines() == ["still remembered"]


def test_windows_job_limits_have_the_documented_64_bit_layout() -> None:
    """The Windows job object is only exercised on Windows; its ctypes layout is checkable anywhere."""
    import ctypes

    from desktop.streaming.engine_host import winjob

    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("layout sizes below are for 64-bit builds")
    # JOBOBJECT_BASIC_LIMIT_INFORMATION is 64 bytes and the extended one 144 on x64 (winnt.h).
    assert ctypes.sizeof(winjob._BasicLimits) == 64
    assert ctypes.sizeof(winjob._ExtendedLimits) == 144
    assert winjob.contain(1) is None or sys.platform == "win32"  # a no-op elsewhere
