"""Which logos AceTray fetches, and from where: a web playlist's from the web only, a local playlist's
also from files on this computer; nothing else, and nothing a playlist does not name."""

from __future__ import annotations

from pathlib import Path

from desktop.streaming.channels import Catalog, Channel
from desktop.streaming.logos import LogoRef, logo_id

WEB_PLAYLIST = "http://lists.example/all.m3u"


def channel(logo: str, playlist: str, n: int = 1) -> Channel:
    return Channel(f"Channel {n}", "", logo, "", "id", f"{n:040x}", playlist)


def index_of(*channels: Channel):  # type: ignore[no-untyped-def]
    return Catalog.merge([channels]).logos


def test_web_logos_are_fetched_whoever_names_them(tmp_path: Path) -> None:
    url = "https://logos.example/one.png"
    for playlist in (WEB_PLAYLIST, str(tmp_path / "mine.m3u")):
        logos = index_of(channel(url, playlist))
        assert logos.id_for(url) == logo_id(url)
        assert logos.ref(logo_id(url)) == LogoRef(url=url)


def test_a_web_playlist_never_names_a_file_on_this_computer(tmp_path: Path) -> None:
    picture = tmp_path / "private.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    named = [str(picture), picture.as_uri(), "/dev/ptmx", "logo.png", "C:\\logos\\one.png"]
    logos = index_of(*(channel(logo, WEB_PLAYLIST, n) for n, logo in enumerate(named)))
    assert [logos.id_for(logo) for logo in named] == [None] * len(named)
    assert [logos.ref(logo_id(logo)) for logo in named] == [None] * len(named)
    assert len(logos) == 0


def test_a_local_playlist_names_files_absolute_relative_to_its_folder_or_as_file_urls(tmp_path: Path) -> None:
    playlist = str(tmp_path / "lists" / "mine.m3u")
    absolute = str(tmp_path / "a.png")
    logos = index_of(
        channel(absolute, playlist, 1),
        channel("logos/b.png", playlist, 2),
        channel((tmp_path / "c.png").as_uri(), playlist, 3),
    )
    assert logos.ref(logo_id(absolute)) == LogoRef(path=tmp_path / "a.png")
    assert logos.ref(logo_id("logos/b.png")) == LogoRef(path=tmp_path / "lists" / "logos" / "b.png")
    assert logos.ref(logo_id((tmp_path / "c.png").as_uri())) == LogoRef(path=tmp_path / "c.png")


def test_other_kinds_of_address_and_unknown_ids_have_no_logo(tmp_path: Path) -> None:
    playlist = str(tmp_path / "mine.m3u")
    named = ["ftp://logos.example/x.png", "data:image/png;base64,AAAA", "http://", ""]
    logos = index_of(*(channel(logo, playlist, n) for n, logo in enumerate(named)))
    assert [logos.id_for(logo) for logo in named] == [None] * len(named)
    assert logos.ref(logo_id("https://never.named/x.png")) is None


def test_a_path_a_local_playlist_names_is_read_even_if_a_web_playlist_named_it_first(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.png")
    logos = index_of(channel(path, WEB_PLAYLIST, 1), channel(path, str(tmp_path / "mine.m3u"), 2))
    assert logos.ref(logo_id(path)) == LogoRef(path=Path(path))
