"""Debian's XMLTV validator accepts /epg.xml: channel ids, times, programmes, placeholders and all."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.m3u import parse
from desktop.streaming.guide.host import GuideHost
from tests.guide.conftest import GuideSite, frozen_clock

VALIDATOR = shutil.which("tv_validate_file")  # Debian's xmltv-util: `make test` installs it (TEST_DEBS)

PLAYLIST = """#EXTM3U
#EXTINF:-1 tvg-id="bbc1.uk",BBC One <HD> & "friends"
acestream://{a}
#EXTINF:-1,Rai 1
infohash://{b}
#EXTINF:-1 tvg-shift="+1",Sport 1
acestream://{c}
#EXTINF:-1,\x07Nothing\x01 at all
acestream://{d}
"""


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    assert VALIDATOR is not None, "tv_validate_file is missing: apt-get install xmltv-util"
    env = dict(os.environ, XMLTV_SUPPLEMENT="/usr/share/xmltv")  # the DTD, read offline
    return subprocess.run(
        [VALIDATOR, str(path)], capture_output=True, text=True, errors="replace", env=env, timeout=120
    )


async def test_tv_validate_file_accepts_the_written_guide(tmp_path: Path, guide_site: GuideSite) -> None:
    text = PLAYLIST.format(a="a" * 40, b="b" * 40, c="c" * 40, d="d" * 40)
    parsed = parse(f'#EXTM3U url-tvg="{guide_site.url("/guide.xml.gz")}"\n' + text)
    host = GuideHost(interval_hours=6, config_folder=tmp_path / "c", cache_folder=tmp_path / "k", clock=frozen_clock())
    try:
        host.set_catalog(Catalog.merge([parsed.channels], [parsed.epg_urls]))
        await host.refresh_all()
        output = await host.output()
    finally:
        await host.close()
    assert output.counts.placeholders == 1  # "Nothing at all" has no guide
    result = validate(output.plain)
    assert result.returncode == 0, result.stdout + result.stderr
    assert gzip.decompress(output.packed.read_bytes()) == output.plain.read_bytes()  # what gzip clients get


async def test_the_validator_is_strict_enough_to_catch_a_bad_channel_id(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tv><channel id="no dots here"><display-name>X</display-name>'
        '</channel><programme start="20260101000000 +0000" channel="no dots here"><title>X</title></programme></tv>\n'
    )
    assert validate(bad).returncode != 0
