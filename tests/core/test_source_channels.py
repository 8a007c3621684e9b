"""A channel with several sources in the running core: listed once everywhere, numbered and guided as one."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from desktop.streaming.channels import m3u
from desktop.streaming.channels.guide_id import xmltv_id
from desktop.streaming.ids import ChannelKey
from tests.core.test_channels_service import write_playlist
from tests.core.test_tuner_http import free_udp_port, get

SPORT, SPORT_HD, SPORT_BACKUP, NEWS = (f"{n:040x}" for n in (0xA1, 0xA2, 0xA3, 0xB1))
PLAYLIST = f"""#EXTM3U
#EXTINF:-1 tvg-id="sport1.es" group-title="Sport",Sport 1
acestream://{SPORT}
#EXTINF:-1 group-title="News",News 24
acestream://{NEWS}
#EXTINF:-1 group-title="HD",Sport 1 HD
acestream://{SPORT_HD}
#EXTINF:-1 tvg-id="sport1.es" group-title="Backups",Deportes 1 (backup)
acestream://{SPORT_BACKUP}
"""


async def test_a_channel_with_three_sources_is_one_channel_in_every_list_and_they_agree(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url, tuner=True, discovery_port=free_udp_port())
    source = str(write_playlist(tmp_path, PLAYLIST))
    await proxy.service.channels.add(source)

    _, body = await get(proxy, "/api/channels")
    listed = json.loads(body)["channels"]
    assert [(c["name"], c["number"], c["id"]) for c in listed] == [("Sport 1", "1", SPORT), ("News 24", "2", NEWS)]
    assert [(s["id"], s["playlist"], s["health"]["state"]) for s in listed[0]["sources"]] == [
        (SPORT, source, "unknown"),
        (SPORT_HD, source, "unknown"),
        (SPORT_BACKUP, source, "unknown"),
    ]

    _, body = await get(proxy, "/playlist.m3u")
    in_playlist = m3u.parse(body).channels
    assert [(c.name, c.chno, c.id, c.tvg_id) for c in in_playlist] == [
        ("Sport 1", "1", SPORT, xmltv_id(ChannelKey("id", SPORT))),
        ("News 24", "2", NEWS, xmltv_id(ChannelKey("id", NEWS))),
    ]
    _, body = await get(proxy, "/lineup.json")
    assert [(c["GuideNumber"], c["GuideName"], c["URL"].split("=")[1]) for c in json.loads(body)] == [
        ("1", "Sport 1", SPORT),
        ("2", "News 24", NEWS),
    ]
    _, body = await get(proxy, "/epg.xml")
    guide_ids = [e.get("id") for e in ElementTree.fromstring(body).iter("channel")]
    assert guide_ids == [c.tvg_id for c in in_playlist]
