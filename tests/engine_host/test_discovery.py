"""Finding the engine on each OS, with every path, registry value and command faked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from desktop.streaming.engine_host.discovery import CommandResult, Discovery, OsAccess, discover

APPDATA = r"C:\Users\Ana\AppData\Roaming"
APPDATA_ENGINE = r"C:\Users\Ana\AppData\Roaming\ACEStream\engine\ace_engine.exe"


@dataclass
class FakeOs:
    """One imaginary computer: files that exist, programs on PATH, registry values, command answers."""

    platform: str
    files: set[str] = field(default_factory=set)
    on_path: dict[str, str] = field(default_factory=dict)
    registry: dict[tuple[str, str], str] = field(default_factory=dict)
    answers: dict[tuple[str, ...], CommandResult | None] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)
    ran: list[tuple[tuple[str, ...], float]] = field(default_factory=list)

    def run(self, argv: Sequence[str], timeout: float) -> CommandResult | None:
        self.ran.append((tuple(argv), timeout))
        return self.answers.get(tuple(argv), CommandResult(1, ""))

    def discover(self) -> Discovery:
        return discover(
            OsAccess(
                platform=self.platform,
                environ=self.environ,
                which=self.on_path.get,
                is_file=self.files.__contains__,
                read_registry=lambda key, value: self.registry.get((key, value)),
                run=self.run,
            )
        )


def docker_answers(docker: str, version: str | None) -> dict[tuple[str, ...], CommandResult | None]:
    argv = (docker, "version", "--format", "{{.Server.Version}}")
    return {argv: CommandResult(0, version + "\n") if version else CommandResult(1, "")}


def summary(found: Discovery) -> list[tuple[str, tuple[str, ...], str]]:
    return [(c.kind, c.argv, c.label) for c in found.candidates]


# --- Windows ----------------------------------------------------------------------------------


def test_windows_engine_path_from_the_registry_comes_first() -> None:
    registered = r"D:\Apps\AceStream\engine\ace_engine.exe"
    pc = FakeOs(
        "win32",
        files={registered, APPDATA_ENGINE},
        registry={(r"Software\AceStream", "EnginePath"): f'"{registered}"'},
        environ={"APPDATA": APPDATA},
    )
    assert summary(pc.discover()) == [
        ("program", (registered,), f"AceStream engine ({registered})"),
        ("program", (APPDATA_ENGINE,), f"AceStream engine ({APPDATA_ENGINE})"),
    ]


def test_windows_registry_value_with_variables_is_expanded() -> None:
    pc = FakeOs(
        "win32",
        files={APPDATA_ENGINE},
        registry={(r"Software\AceStream", "EnginePath"): r"%AppData%\ACEStream\engine\ace_engine.exe"},
        environ={"APPDATA": APPDATA},
    )
    assert [c.argv for c in pc.discover().candidates] == [(APPDATA_ENGINE,)]  # found once, not twice


def test_windows_falls_back_to_appdata_when_the_registry_path_is_stale() -> None:
    pc = FakeOs(
        "win32",
        files={APPDATA_ENGINE},
        registry={(r"Software\AceStream", "EnginePath"): r"C:\Old\ace_engine.exe"},
        environ={"APPDATA": APPDATA},
    )
    assert pc.discover().best is not None and pc.discover().best.argv == (APPDATA_ENGINE,)  # type: ignore[union-attr]


def test_windows_with_nothing_installed_finds_nothing() -> None:
    found = FakeOs("win32", environ={"APPDATA": APPDATA}).discover()
    assert found.candidates == () and found.best is None and found.notes == ()


def test_windows_uses_docker_after_the_native_engine() -> None:
    docker = r"C:\Program Files\Docker\Docker\resources\bin\docker.exe"
    pc = FakeOs(
        "win32",
        files={APPDATA_ENGINE},
        environ={"APPDATA": APPDATA},
        on_path={"docker": docker},
        answers=docker_answers(docker, "27.1.1"),
    )
    assert [c.kind for c in pc.discover().candidates] == ["program", "docker"]


# --- Linux ------------------------------------------------------------------------------------


def test_linux_finds_the_package_the_tarball_and_the_snap_in_that_order() -> None:
    pc = FakeOs(
        "linux",
        files={"/opt/acestream/start-engine"},
        on_path={"acestreamengine": "/usr/bin/acestreamengine", "snap": "/usr/bin/snap"},
        answers={("/usr/bin/snap", "list", "acestreamplayer"): CommandResult(0, "acestreamplayer 3.2.3 …")},
    )
    assert summary(pc.discover()) == [
        ("program", ("/usr/bin/acestreamengine",), "AceStream engine (/usr/bin/acestreamengine)"),
        ("program", ("/opt/acestream/start-engine",), "AceStream engine (/opt/acestream/start-engine)"),
        ("snap", ("/usr/bin/snap", "run", "acestreamplayer.engine"), "AceStream snap (acestreamplayer)"),
    ]


def test_linux_snap_command_without_the_engine_snap_is_not_a_candidate() -> None:
    pc = FakeOs("linux", on_path={"snap": "/usr/bin/snap"})  # `snap list acestreamplayer` exits 1
    assert pc.discover().candidates == ()
    assert pc.ran == [(("/usr/bin/snap", "list", "acestreamplayer"), 5.0)]


def test_linux_snap_found_off_path_as_desktop_sessions_often_have_it() -> None:
    pc = FakeOs(
        "linux",
        files={"/usr/bin/snap"},
        answers={("/usr/bin/snap", "list", "acestreamplayer"): CommandResult(0, "")},
    )
    assert [c.kind for c in pc.discover().candidates] == ["snap"]


# --- macOS and Docker -------------------------------------------------------------------------


def test_macos_has_no_native_engine_only_docker() -> None:
    pc = FakeOs(
        "darwin",
        files={"/opt/acestream/start-engine"},  # ignored: not a macOS location
        on_path={"docker": "/usr/local/bin/docker", "acestreamengine": "/usr/local/bin/acestreamengine"},
        answers=docker_answers("/usr/local/bin/docker", "26.1.4"),
    )
    assert summary(pc.discover()) == [("docker", ("/usr/local/bin/docker",), "Docker 26.1.4")]


@pytest.mark.parametrize(
    "path",
    [
        "/opt/homebrew/bin/docker",
        "/Users/ana/.docker/bin/docker",  # ~/.docker/bin, from $HOME
        "/Applications/Docker.app/Contents/Resources/bin/docker",
    ],
)
def test_macos_finds_docker_off_the_short_path_finder_apps_get(path: str) -> None:
    pc = FakeOs("darwin", files={path}, environ={"HOME": "/Users/ana"}, answers=docker_answers(path, "27.0.3"))
    assert summary(pc.discover()) == [("docker", (path,), "Docker 27.0.3")]


def test_docker_whose_daemon_does_not_answer_is_a_note_not_a_candidate() -> None:
    docker = "/usr/local/bin/docker"
    pc = FakeOs("darwin", on_path={"docker": docker}, answers=docker_answers(docker, None))
    found = pc.discover()
    assert found.candidates == ()
    assert found.notes == ("Docker is installed but not running (start Docker Desktop or the Docker service).",)


def test_docker_check_that_times_out_is_not_running_and_the_wait_is_short() -> None:
    docker = "/usr/bin/docker"
    check = (docker, "version", "--format", "{{.Server.Version}}")
    pc = FakeOs("linux", on_path={"docker": docker}, answers={check: None})
    found = pc.discover()
    assert found.candidates == () and len(found.notes) == 1
    assert pc.ran == [(check, 5.0)]


def test_no_docker_at_all_says_nothing_about_docker() -> None:
    found = FakeOs("linux").discover()
    assert found.candidates == () and found.notes == ()
