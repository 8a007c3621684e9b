"""Each setting is declared once, and its rule holds the same in the file, the dialog and on the command line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from desktop import paths
from desktop import settings as settings_store
from desktop.cli import build_serve_parser, build_tray_parser, options_from_args
from desktop.launch import LaunchOptions, effective_settings, launch_problem, override_problem, proxy_config
from desktop.settings import Settings, specs
from desktop.streaming.config import ProxyConfig

RANGED = [(name, spec) for name, spec in specs() if spec.minimum is not None]


@pytest.mark.parametrize(("name", "spec"), RANGED, ids=[name for name, _ in RANGED])
def test_a_value_outside_the_range_is_refused_alike_by_the_file_and_the_command_line(name, spec, tmp_path: Path):
    too_big = spec.maximum + 1
    message = Settings(**{name: too_big}).errors()[name]
    # The command line (serve) says the same sentence, naming its flag.
    args = build_serve_parser().parse_args([spec.flag, str(too_big)])
    assert override_problem(options_from_args(args)) == f"{spec.flag}: {message}"
    # The settings file is kept aside with the same reason.
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({name: too_big}))
    loaded = settings_store.load(path)
    assert loaded.settings == Settings()
    assert message.rstrip(".") in loaded.problem


def test_a_port_below_1024_is_refused_with_the_reason_alike_by_the_file_and_the_command_line():
    message = Settings(port=80).errors()["port"]
    assert message == (
        "Port 80 is below 1024: ports below 1024 are for system services and need an administrator; use 1024 to 65535."
    )
    args = build_serve_parser().parse_args(["--port", "80"])
    assert override_problem(options_from_args(args)) == f"--port: {message}"


def test_every_core_tunable_comes_from_exactly_one_setting():
    fed = [spec.core for _name, spec in specs() if spec.core]
    assert len(fed) == len(set(fed))
    config = proxy_config(Settings())
    # The core's own defaults are the settings' defaults: one home for each value
    # (the listen address and the engine's log file are this run's, not settings).
    assert dataclasses.replace(config, host=ProxyConfig().host, engine_log="") == ProxyConfig()
    assert config.engine_log == str(paths.log_dir() / "engine.log")


def test_serve_has_a_flag_for_every_flagged_setting_and_the_tray_app_for_its_own():
    serve_flags = {a for action in build_serve_parser()._actions for a in action.option_strings}
    tray_flags = {a for action in build_tray_parser()._actions for a in action.option_strings}
    for _name, spec in specs():
        if spec.flag:
            assert spec.flag in serve_flags
            assert (spec.flag in tray_flags) == spec.tray_flag


def test_overrides_apply_for_this_run_with_the_settings_own_normalisation():
    args = build_serve_parser().parse_args(["--engine", "http://10.0.0.2:6878/", "--port", "7000", "--demo"])
    options = options_from_args(args)
    effective = effective_settings(Settings(), options)
    assert (effective.engine_url, effective.port, effective.demo_engine) == ("http://10.0.0.2:6878", 7000, True)
    assert proxy_config(effective).engine_url == "http://10.0.0.2:6878"
    assert effective_settings(Settings(), LaunchOptions(host="0.0.0.0")).lan_sharing


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"player_command": "\xff"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'["a list"]', "does not hold a JSON object"),
        (b"not json", "Expecting value"),
    ],
    ids=["not-utf8", "deep-nesting", "not-an-object", "not-json"],
)
def test_an_unreadable_settings_file_is_kept_aside_and_defaults_are_used(content: bytes, why: str, tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = settings_store.load(path)
    assert loaded.settings == Settings()
    assert why in loaded.problem and "Defaults are in use" in loaded.problem
    assert not path.exists()
    assert [p.read_bytes() for p in tmp_path.glob("settings.broken-*.json")] == [content]


def test_a_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_bytes("\ufeff".encode() + json.dumps({"port": 7001, "linger": 3}).encode())
    loaded = settings_store.load(path)
    assert loaded.problem is None
    assert (loaded.settings.port, loaded.settings.linger) == (7001, 3.0)


def test_playlist_flags_repeat_resolve_against_the_current_folder_and_reach_the_core_for_this_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    for parser in (build_serve_parser(), build_tray_parser()):
        args = parser.parse_args(
            ["--playlist", "lists/a.m3u", "--playlist", "https://example.org/b.m3u", "--playlist", "lists/a.m3u"]
        )
        options = options_from_args(args)
        assert options.playlists == (str(tmp_path / "lists" / "a.m3u"), "https://example.org/b.m3u")
        assert proxy_config(Settings(), playlists=options.playlists).playlists == options.playlists
    with pytest.raises(SystemExit):
        build_serve_parser().parse_args(["--playlist", "rtmp://example.org/live"])


def test_guide_flags_repeat_resolve_against_the_current_folder_and_reach_the_core_for_this_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    for parser in (build_serve_parser(), build_tray_parser()):
        args = parser.parse_args(
            ["--guide", "epg/tv.xml.gz", "--guide", "https://epg.example/g.xml", "--guide", "epg/tv.xml.gz"]
        )
        options = options_from_args(args)
        assert options.guides == (str(tmp_path / "epg" / "tv.xml.gz"), "https://epg.example/g.xml")
        assert proxy_config(Settings(), guides=options.guides).guides == options.guides
    with pytest.raises(SystemExit):
        build_serve_parser().parse_args(["--guide", "ftp://example.org/g.xml"])


def test_the_refresh_interval_is_whole_hours_with_zero_meaning_only_when_asked():
    assert Settings().playlist_refresh_hours == 6 == ProxyConfig().playlist_refresh_hours
    assert Settings(playlist_refresh_hours=0).errors() == {}
    assert Settings(playlist_refresh_hours=169).errors() == {
        "playlist_refresh_hours": "Must be between 0 and 168 hours."
    }
    args = build_tray_parser().parse_args(["--playlist-refresh-hours", "2"])
    assert proxy_config(effective_settings(Settings(), options_from_args(args))).playlist_refresh_hours == 2


def test_warm_favourites_are_off_by_default_and_serve_warm_sets_them_for_this_run():
    assert Settings().warm_favourites == 0 == ProxyConfig().warm
    args = build_serve_parser().parse_args(["--demo", "--warm", "2"])
    assert proxy_config(effective_settings(Settings(), options_from_args(args))).warm == 2
    assert Settings(warm_favourites=9).errors() == {"warm_favourites": "Favourites kept ready must be between 0 and 8."}


def test_lan_sharing_always_has_a_token_and_loopback_never_asks_for_one():
    from desktop.launch import RunSettings

    saved: list[Settings] = []
    run = RunSettings(Settings(lan_sharing=True), LaunchOptions(), saved.append)
    token = run.effective.access_token
    assert len(token) >= 16 and saved[-1].access_token == token  # made once, kept
    assert run.proxy_config().token == token == run.proxy_config().token
    assert RunSettings(Settings(), LaunchOptions(), saved.append).proxy_config().token is None
    # `--host` beyond loopback without LAN sharing saved: its token is made and kept too, so links last.
    run = RunSettings(Settings(), LaunchOptions(host="0.0.0.0"), saved.append)
    assert run.proxy_config().token == saved[-1].access_token == run.proxy_config().token
    assert not saved[-1].lan_sharing
    assert Settings(access_token="short").errors()["access_token"].startswith("The access token must be")


@pytest.mark.parametrize("shown", [True, False], ids=["settings-dialog", "share-dialog"])
def test_turning_lan_sharing_on_gives_the_core_the_very_token_that_is_saved(shown: bool):
    from desktop.launch import RunSettings

    written: list[Settings] = []
    run = RunSettings(Settings(), LaunchOptions(), written.append)  # a fresh config: no token yet
    chosen = dataclasses.replace(run.saved, lan_sharing=True)
    proposal = run.propose(chosen, run.effective if shown else None)
    token = proposal.config.token
    assert token and len(token) == 24  # made before the config, for the config
    assert proposal.saved.access_token == token
    assert written == []  # nothing saved until the core has taken it
    run.commit(proposal)
    assert written[-1].access_token == token == run.proxy_config().token == run.effective.access_token


def test_the_core_config_never_invents_a_token():
    with pytest.raises(ValueError, match="access token"):
        proxy_config(Settings(lan_sharing=True))
    assert proxy_config(Settings(lan_sharing=True, access_token="a" * 24)).token == "a" * 24
    assert proxy_config(Settings(access_token="a" * 24)).token is None  # loopback asks for none


def test_an_empty_token_on_the_command_line_is_refused_in_words():
    args = build_serve_parser().parse_args(["--lan", "--token", ""])
    assert override_problem(options_from_args(args)) == (
        "--token: give a token, or leave the flag out and AceTray makes one."
    )


def test_a_chosen_token_weaker_than_the_one_acetray_makes_gets_a_warning():
    from desktop.launch import new_token
    from desktop.settings import token_weakness

    assert token_weakness(new_token()) is None and token_weakness("") is None
    assert token_weakness("a" * 24) is None
    assert token_weakness("a" * 16) == (
        "This access token has 16 characters; the ones AceTray makes have 24. A shorter token is easier to guess."
    )


def test_engine_command_and_docker_flags_choose_who_runs_the_engine():
    parse = build_serve_parser().parse_args
    command = options_from_args(parse(["--engine-command", "acestreamengine --http-port {port}"]))
    assert command.overrides == {"engine_program": "acestreamengine --http-port {port}", "engine_mode": "program"}
    docker = options_from_args(parse(["--engine-docker", "example/engine:1", "--engine-start", "first-play"]))
    assert docker.overrides == {
        "docker_image": "example/engine:1",
        "engine_mode": "docker",
        "engine_start": "first-play",
    }
    # An explicit mode is not overridden by what another flag implies.
    explicit = options_from_args(parse(["--engine-docker", "x", "--engine-mode", "external"]))
    assert explicit.overrides["engine_mode"] == "external"


def test_an_engine_acetray_starts_must_be_on_this_computer():
    remote = Settings(engine_url="http://192.168.1.20:6878")
    assert remote.errors() == {}  # someone else's engine may be anywhere
    assert "use http://127.0.0.1:6878" in dataclasses.replace(remote, engine_mode="program").errors()["engine_url"]
    assert dataclasses.replace(remote, engine_mode="docker", demo_engine=True).errors() == {}  # demo needs none
    assert "No closing quotation" in Settings(engine_program='"unbalanced').errors()["engine_program"]
    assert "no spaces" in Settings(docker_image="two words").errors()["docker_image"]


def test_serve_refuses_an_engine_command_with_a_saved_remote_engine_url():
    saved = Settings(engine_url="http://192.168.1.20:6878")
    options = options_from_args(build_serve_parser().parse_args(["--engine-command", "acestreamengine"]))
    assert "use http://127.0.0.1:6878" in launch_problem(saved, options)
    assert launch_problem(Settings(), options) is None


@pytest.mark.parametrize("image", ["--privileged", "-v/:/host"])
def test_a_docker_image_that_starts_with_a_dash_is_refused_everywhere(image: str, tmp_path: Path):
    message = "A Docker image name cannot start with '-'."
    assert Settings(docker_image=image).errors() == {"docker_image": message}
    args = build_serve_parser().parse_args([f"--engine-docker={image}"])
    assert override_problem(options_from_args(args)) == f"--engine-docker: {message}"
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"engine_mode": "docker", "docker_image": image}))
    loaded = settings_store.load(path)
    assert loaded.settings.docker_image == Settings().docker_image and loaded.settings.engine_mode == "docker"
    assert message.rstrip(".") in (loaded.problem or "")


def test_serve_tuner_turns_the_network_tuner_on_for_the_run_and_it_is_off_by_default() -> None:
    assert Settings().tuner is False and proxy_config(Settings()).tuner is False
    options = options_from_args(build_serve_parser().parse_args(["--tuner"]))
    assert proxy_config(effective_settings(Settings(), options)).tuner is True
