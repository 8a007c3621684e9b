"""`acetray serve --playlist FILE --guide FILE`, end to end: a real process answers /epg.xml with the guide."""

from __future__ import annotations

import gzip
import time
import urllib.request
from pathlib import Path

from lxml import etree

from desktop.streaming.channels.guide_id import xmltv_id
from tests.channels.test_serve_playlist import poll, start_serve
from tests.guide.xmltv import guide_xml
from tests.test_e2e_player import wait_for_health

SPORT = "1111111111111111111111111111111111111111"


def fetch(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
        return resp.read()


def test_serve_with_a_guide_file_writes_its_programmes_under_the_playlists_channel(tmp_path: Path) -> None:
    (tmp_path / "tv.m3u").write_text(f"#EXTM3U\n#EXTINF:-1,Sport One HD\nacestream://{SPORT}\n", encoding="utf-8")
    now = time.time()
    (tmp_path / "epg.xml.gz").write_bytes(gzip.compress(guide_xml([("s1.tv", "Sport One")], start=now - 600)))
    port, proc = start_serve(tmp_path, "--playlist", "tv.m3u", "--guide", "epg.xml.gz")
    try:
        wait_for_health(port, proc)
        channel = xmltv_id(("id", SPORT))  # type: ignore[arg-type]

        def titles(body: bytes) -> list[str | None]:
            tree = etree.fromstring(body)
            return [p.findtext("title") for p in tree.iterfind(f"programme[@channel='{channel}']")]

        found = poll(lambda: titles(fetch(port, "/epg.xml")), lambda t: t[:1] == ["Sport One show 0"], proc)
        assert found == [f"Sport One show {n}" for n in range(4)]
    finally:
        proc.terminate()
        proc.wait(10)
