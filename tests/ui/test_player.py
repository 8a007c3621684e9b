"""Finding a player on each OS (faked) and building its command line."""

from __future__ import annotations

from desktop.ui.player import PlayerSystem, build_command, command_problem, detect_player

URL = "http://127.0.0.1:6880/ace/getstream?id=" + "0" * 40


def system(platform: str, files: set[str] = frozenset(), on_path: dict[str, str] | None = None, **environ: str):
    on_path = on_path or {}
    return PlayerSystem(platform=platform, environ=environ, which=on_path.get, is_file=files.__contains__)


def test_player_on_path_wins():
    found = system("linux", on_path={"mpv": "/usr/bin/mpv"})
    assert detect_player(found) == "/usr/bin/mpv"
    assert build_command("", URL, found).args == (URL,)


def test_windows_usual_install_places():
    vlc = r"C:\Program Files\VideoLAN\VLC\vlc.exe"
    found = system("win32", {vlc}, ProgramFiles=r"C:\Program Files")
    assert detect_player(found) == vlc
    scoop = r"C:\Users\me\scoop\apps\mpv\current\mpv.exe"
    assert detect_player(system("win32", {scoop}, USERPROFILE=r"C:\Users\me")) == scoop


def test_macos_app_bundles():
    found = system("darwin", {"/Applications/VLC.app/Contents/MacOS/VLC"}, HOME="/Users/me")
    assert detect_player(found) == "/Applications/VLC.app/Contents/MacOS/VLC"
    brew = system("darwin", {"/opt/homebrew/bin/mpv"}, HOME="/Users/me")
    assert detect_player(brew) == "/opt/homebrew/bin/mpv"


def test_nothing_installed_gives_no_command():
    assert build_command("", URL, system("linux")) is None


def test_configured_command_with_and_without_placeholder():
    anywhere = system("linux", on_path={"mpv": "/usr/bin/mpv", "vlc": "/usr/bin/vlc"})
    assert build_command("mpv --force-window", URL, anywhere).args == ("--force-window", URL)
    placed = build_command("vlc --input-title-format={url} --fullscreen", URL, anywhere)
    assert placed.args == (f"--input-title-format={URL}", "--fullscreen")


def test_a_command_that_does_not_exist_is_a_readable_problem():
    assert command_problem("", system("linux")) is None
    assert command_problem("mpv", system("linux", on_path={"mpv": "/usr/bin/mpv"})) is None
    problem = command_problem("notaplayer --fs", system("linux"))
    assert problem == "No program “notaplayer” found. Give its full path, or leave empty to auto-detect."
    assert command_problem('mpv "unclosed', system("linux")).startswith("The player command cannot be read")
