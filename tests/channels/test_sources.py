"""What may be a playlist source, and the one form each is stored in."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.streaming.channels.sources import InvalidSource, normalize_source, parse_source


def test_web_addresses_are_kept_as_given_apart_from_surrounding_space() -> None:
    url = "https://lists.example/get.php?user=me&type=m3u_plus"
    assert normalize_source(f"  {url}\n") == url
    assert parse_source(url).url == url


def test_paths_become_absolute_from_the_given_folder(tmp_path: Path) -> None:
    assert normalize_source("lists/../a.m3u", base=tmp_path) == str(tmp_path / "a.m3u")
    assert parse_source("a.m3u", base=tmp_path).path == tmp_path / "a.m3u"


def test_home_is_expanded(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert normalize_source("~/a.m3u") == str(tmp_path / "a.m3u")


def test_file_urls_become_paths(tmp_path: Path) -> None:
    path = tmp_path / "my list ü.m3u"
    assert normalize_source(path.as_uri()) == str(path)
    assert normalize_source(f"file://localhost{path}") == str(path)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("", "Enter a playlist address"),
        ("ftp://files.example/a.m3u", "Only http, https and local files"),
        ("rtmp://tv.example/live", "Only http, https and local files"),
        ("https:///a.m3u", "https:///a.m3u has no host name"),
        ("file://other-pc/share/a.m3u", "Only files on this computer"),
        ("http://[::1/a.m3u", "http://[::1/a.m3u is not a valid address"),
    ],
)
def test_anything_else_is_refused_with_a_sentence(text: str, start: str) -> None:
    with pytest.raises(InvalidSource) as refused:
        parse_source(text)
    assert str(refused.value).startswith(start)
    assert isinstance(refused.value, ValueError)


def test_a_windows_drive_letter_is_a_path_not_a_scheme(tmp_path: Path) -> None:
    assert parse_source("C:\\Users\\me\\a.m3u", base=tmp_path).path is not None
