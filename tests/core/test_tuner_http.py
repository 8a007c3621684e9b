"""The network tuner inside the running core: what TV apps read, what they may do without the token."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import socket
from pathlib import Path
from xml.etree import ElementTree

import pytest

from desktop.streaming.channels import m3u
from desktop.streaming.tuner import packets
from desktop.streaming.tuner.device import playback_key
from desktop.streaming.tuner.identity import is_valid_device_id
from tests.core.conftest import CHANNEL, OTHER_CHANNEL
from tests.core.test_channels_service import HASH, write_playlist

TOKEN = "tuner-Token_0123456789"
NAMELESS = "fedcba9876543210fedcba9876543210fedcba00"
PLAYLIST = f"""#EXTM3U
#EXTINF:-1 tvg-chno="7" group-title="Sport",Sport One
acestream://{CHANNEL}
#EXTINF:-1,By hash
infohash://{HASH}
#EXTINF:-1,
acestream://{NAMELESS}
"""
TUNER_PATHS = ("/discover.json", "/lineup.json", "/lineup_status.json", "/device.xml")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def tuner_proxy(proxy_factory, engine_url: str, tmp_path: Path, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("discovery_port", free_udp_port())
    fields.setdefault("tuner", True)
    proxy = await proxy_factory(engine_url, **fields)
    await proxy.service.channels.add(str(write_playlist(tmp_path, PLAYLIST)))
    return proxy


async def get(proxy, path: str, **headers: str):  # type: ignore[no-untyped-def]
    async with proxy.http.get(proxy.base + path, headers=headers) as resp:
        return resp.status, await resp.read()


async def test_discover_json_describes_the_tuner_with_urls_built_from_the_host_the_app_used(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path)
    port = proxy.base.rsplit(":", 1)[1]
    status, body = await get(proxy, "/discover.json", Host=f"192.168.1.20:{port}")
    assert status == 200
    found = json.loads(body)
    assert found["BaseURL"] == f"http://192.168.1.20:{port}"
    assert found["LineupURL"] == f"http://192.168.1.20:{port}/lineup.json"
    assert found["TunerCount"] == 16  # the channel cap
    assert (
        is_valid_device_id(int(found["DeviceID"], 16))
        and found["DeviceID"] == proxy.service.tuner.identity.device_id_text
    )
    assert {"FriendlyName", "Manufacturer", "ModelNumber", "FirmwareName", "FirmwareVersion", "DeviceAuth"} <= set(
        found
    )
    status, xml = await get(proxy, "/device.xml")
    assert status == 200 and b"<UDN>uuid:" in xml and found["DeviceID"].encode() in xml
    status, body = await get(proxy, "/lineup_status.json")
    assert json.loads(body)["ScanInProgress"] == 0
    async with proxy.http.post(proxy.base + "/lineup.post?scan=start&source=Cable") as resp:
        assert resp.status == 200  # an app's scan succeeds at once


async def test_the_lineup_and_the_device_playlist_agree_on_numbers_and_names(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path)
    _, body = await get(proxy, "/lineup.json")
    lineup = json.loads(body)
    assert [(c["GuideNumber"], c["GuideName"]) for c in lineup] == [
        ("1", "By hash"),
        ("2", "fedcba98…fedcba00"),  # a nameless channel, as the Channels tab shows it
        ("7", "Sport One"),
    ]
    assert lineup[2]["URL"] == f"{proxy.base}/ace/getstream?id={CHANNEL}"
    assert lineup[0]["URL"] == f"{proxy.base}/ace/getstream?infohash={HASH}"
    _, playlist = await get(proxy, "/playlist.m3u")
    in_playlist = {c.id: c.chno for c in m3u.parse(playlist).channels}
    in_lineup = {c["URL"].split("=")[1]: c["GuideNumber"] for c in lineup}
    assert in_playlist == in_lineup


async def test_auto_v_number_plays_the_same_channel_and_an_unknown_number_is_404(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path)
    first = await proxy.read(f"{proxy.base}/auto/v7", 188)
    assert first[0] == 0x47
    assert [s.content_id for s in proxy.service.snapshot().streams] == [CHANNEL]
    status, body = await get(proxy, "/auto/v99")
    assert status == 404 and b"No channel has the number" in body


async def test_with_the_tuner_off_its_paths_are_not_there(fake_engine, proxy_factory, tmp_path: Path) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, tuner=False)
    for path in (*TUNER_PATHS, "/auto/v7"):
        status, body = await get(proxy, path)
        assert status == 404 and b"tuner is off" in body, path
    assert proxy.service.tuner.discovery_address is None


async def test_in_lan_mode_tv_apps_use_the_tuner_without_the_token_and_nothing_else(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, token=TOKEN)
    for path in (*TUNER_PATHS, "/lineup.json?show=found"):
        status, body = await get(proxy, path)
        assert status == 200, path
        assert TOKEN.encode() not in body  # the token never travels in what the tuner says
    _, body = await get(proxy, "/lineup.json")
    url = next(c["URL"] for c in json.loads(body) if c["GuideNumber"] == "7")
    assert url.endswith(f"id={CHANNEL}&key={playback_key(TOKEN)}")
    assert (await proxy.read(url, 188))[0] == 0x47
    assert (await proxy.read(f"{proxy.base}/auto/v7", 188))[0] == 0x47
    key = playback_key(TOKEN)
    for refused in (
        f"/ace/getstream?id={OTHER_CHANNEL}&key={key}",  # not in the lineup
        f"/ace/manifest.m3u8?id={CHANNEL}&key={key}",  # the key is for the lineup's TS URLs only
        f"/ace/getstream?id={CHANNEL}&key=wrong",
        f"/ace/getstream?id={CHANNEL}&key={TOKEN}",
        f"/api/streams?key={key}",
        f"/playlist.m3u?key={key}",
        "/api/channels",
        "/",
    ):
        status, _ = await get(proxy, refused)
        assert status == 401, refused
    # A TV app handed a key for another channel is told what the key is for (the log says so too).
    _, body = await get(proxy, f"/ace/getstream?id={OTHER_CHANNEL}&key={key}")
    assert b"plays only the channels of AceTray's tuner lineup" in body
    _, body = await get(proxy, f"/ace/getstream?id={CHANNEL}&key=from-an-old-token")  # a lineup channel, old key
    assert b"scan for the tuner again" in body
    status, _ = await get(proxy, f"/playlist.m3u?token={TOKEN}")
    assert status == 200


async def test_in_lan_mode_with_the_tuner_off_its_paths_still_ask_for_the_token(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, token=TOKEN, tuner=False)
    for path in (*TUNER_PATHS, "/auto/v7", f"/ace/getstream?id={CHANNEL}&key={playback_key(TOKEN)}"):
        status, _ = await get(proxy, path)
        assert status == 401, path


async def test_discovery_answers_on_the_proxys_address_and_follows_the_settings(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path)
    where = proxy.service.tuner.discovery_address
    assert where is not None and where[0] == "127.0.0.1"
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as app:
        app.bind(("127.0.0.1", 0))
        app.setblocking(False)
        await loop.sock_sendto(app, packets.discover_request(), where)
        async with asyncio.timeout(5):
            data, _ = await loop.sock_recvfrom(app, 2048)
    port = proxy.base.rsplit(":", 1)[1]
    assert packets.parse(data).tags[packets.TAG_BASE_URL] == f"http://127.0.0.1:{port}".encode()
    await proxy.service.apply(dataclasses.replace(proxy.service.config, tuner=False))
    assert proxy.service.tuner.discovery_address is None
    await proxy.events.wait_for("Network tuner off")


async def test_port_65001_taken_is_told_and_everything_else_keeps_working(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        taken = holder.getsockname()[1]
        proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, discovery_port=taken)
        event = await proxy.events.wait_for("TV apps cannot find AceTray by themselves")
        assert event.level == "warning" and f"another program already uses port {taken} (UDP)" in event.message
        assert proxy.service.tuner.discovery_address is None
        status, _ = await get(proxy, "/discover.json")
        assert status == 200
        assert (await proxy.read(proxy.url(), 188))[0] == 0x47


@pytest.mark.e2e
@pytest.mark.skipif(not shutil.which("hdhomerun_config"), reason="needs Debian's hdhomerun-config")
async def test_silicondusts_own_hdhomerun_config_finds_acetray(fake_engine, proxy_factory, tmp_path: Path) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, discovery_port=packets.DISCOVER_PORT)
    assert proxy.service.tuner.discovery_address == ("127.0.0.1", packets.DISCOVER_PORT), "port 65001 is taken here"
    # Always with the address: without one hdhomerun_config broadcasts to the network.
    found = await asyncio.create_subprocess_exec(
        "hdhomerun_config", "discover", "127.0.0.1", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(found.communicate(), 20)
    device_id = proxy.service.tuner.identity.device_id_text
    assert out.decode().strip() == f"hdhomerun device {device_id} found at 127.0.0.1"


@pytest.mark.e2e
@pytest.mark.skipif(not shutil.which("ffprobe"), reason="needs ffprobe")
async def test_ffprobe_reads_a_lineup_url_and_an_auto_url_against_the_demo_engine(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, demo=True, token=TOKEN)
    _, body = await get(proxy, "/lineup.json")
    url = next(c["URL"] for c in json.loads(body) if c["GuideNumber"] == "7")
    for target in (url, f"{proxy.base}/auto/v1"):
        probe = await asyncio.create_subprocess_exec(
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
            target,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(probe.communicate(), 60)
        assert probe.returncode == 0 and {"video", "audio"} <= set(out.decode().split()), target


async def test_the_lineup_the_device_playlist_and_the_guide_agree_on_numbers_and_ids(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path)

    async def numbers_seen() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """content id → number, as the lineup, /playlist.m3u and /epg.xml (by the m3u's tvg-id) say it."""
        _, body = await get(proxy, "/lineup.json")
        lineup = {c["URL"].split("=")[1]: c["GuideNumber"] for c in json.loads(body)}
        _, body = await get(proxy, "/playlist.m3u")
        channels = m3u.parse(body).channels
        _, body = await get(proxy, "/epg.xml")
        # The guide names each channel "<number> <name>" first, under the id the playlist gives as tvg-id.
        first_names = {
            e.get("id"): e.findtext("display-name", "") for e in ElementTree.fromstring(body).iter("channel")
        }
        in_guide = {c.id: first_names[c.tvg_id].split(" ", 1)[0] for c in channels}
        return lineup, {c.id: c.chno for c in channels}, in_guide

    lineup, playlist, guide = await numbers_seen()
    assert lineup == playlist == guide and playlist[CHANNEL] == "7"
    await proxy.service.channels.set_number(("id", CHANNEL), "42")  # a person renumbers it: all three follow
    lineup, playlist, guide = await numbers_seen()
    assert lineup == playlist == guide and playlist[CHANNEL] == "42"
