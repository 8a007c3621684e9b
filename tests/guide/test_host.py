"""The guide inside a running core: sources, last good copies, matches, picks and the written guide."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lxml import etree

from desktop.streaming.channels.catalog import Catalog
from desktop.streaming.channels.fetch import FetchLimits
from desktop.streaming.channels.guide_id import xmltv_id
from desktop.streaming.channels.m3u import parse
from desktop.streaming.guide.host import GuideHost
from desktop.streaming.guide.match import GuideRef
from desktop.streaming.guide.state import GuideView
from tests.core.conftest import wait_until
from tests.guide.conftest import GuideSite, frozen_clock

BBC = "1" * 40
RAI = "2" * 40
OTHER = "3" * 40
SHIFTED = "4" * 40


def catalog(guide_url: str = "", extra: str = "") -> Catalog:
    header = f'#EXTM3U url-tvg="{guide_url}"' if guide_url else "#EXTM3U"
    text = f"""{header}
#EXTINF:-1 tvg-id="bbc1.uk" group-title="UK",BBC One HD
acestream://{BBC}
#EXTINF:-1 tvg-logo="http://logos.example/rai.png",Rai 1 (backup)
acestream://{RAI}
#EXTINF:-1,Nothing Like It
acestream://{OTHER}
#EXTINF:-1 tvg-shift="-2",Sport 1 HD
acestream://{SHIFTED}
{extra}"""
    parsed = parse(text, playlist="list.m3u")
    return Catalog.merge([parsed.channels], [parsed.epg_urls])


class Hosts:
    """GuideHosts sharing one config and cache folder, as one run after another would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[GuideHost] = []
        self.views: list[GuideView] = []
        self.events: list[tuple[str, str]] = []

    def make(self, **kwargs: object) -> GuideHost:
        kwargs.setdefault("interval_hours", 6)
        kwargs.setdefault("clock", frozen_clock())
        host = GuideHost(
            config_folder=self.folder / "config",
            cache_folder=self.folder / "cache",
            on_view=self.views.append,
            on_event=lambda level, message: self.events.append((level, message)),
            **kwargs,  # type: ignore[arg-type]
        )
        self.made.append(host)
        return host


@pytest_asyncio.fixture
async def hosts(tmp_path: Path) -> AsyncIterator[Hosts]:
    made = Hosts(tmp_path)
    yield made
    for host in made.made:
        await host.close()


async def guide_tree(host: GuideHost) -> etree._Element:
    output = await host.output()
    return etree.fromstring(output.plain.read_bytes())


def titles(tree: etree._Element, key_hex: str) -> list[str]:
    channel = xmltv_id(("id", key_hex))  # type: ignore[arg-type]
    return [p.findtext("title") for p in tree.iterfind(f"programme[@channel='{channel}']")]


def starts(tree: etree._Element, key_hex: str) -> list[str]:
    channel = xmltv_id(("id", key_hex))  # type: ignore[arg-type]
    return [p.get("start") for p in tree.iterfind(f"programme[@channel='{channel}']")]


async def test_before_any_guide_arrives_every_channel_is_listed_with_placeholders(hosts: Hosts) -> None:
    async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.Event().wait()

    server = await asyncio.start_server(never_answers, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/guide.xml"
    try:
        host = hosts.make()
        host.set_catalog(catalog(url))
        await host.start()
        assert host.view.refreshing == frozenset({url})  # the download is under way, and stays so
        tree = await asyncio.wait_for(guide_tree(host), 10)
    finally:
        server.close()
    ids = [c.get("id") for c in tree.iterfind("channel")]
    assert ids == [xmltv_id(("id", h)) for h in (BBC, RAI, OTHER, SHIFTED)]  # type: ignore[arg-type]
    assert titles(tree, BBC) == ["BBC One HD"] * 24  # its own name, 3-hour blocks over 3 days
    # What a person browsing the guide in a TV app reads on each block: why there is no programme.
    assert {p.findtext("desc") for p in tree.iterfind("programme")} == {"AceTray has no guide for this channel."}
    assert starts(tree, BBC)[:2] == ["20260101000000 +0000", "20260101030000 +0000"]


async def test_a_fetched_guide_fills_matched_channels_by_tvg_id_then_name_with_tvg_shift_applied(
    hosts: Hosts, guide_site: GuideSite
) -> None:
    host = hosts.make()
    host.set_catalog(catalog(guide_site.url("/guide.xml.gz")))
    await host.refresh_all()
    tree = await guide_tree(host)
    assert titles(tree, BBC) == [f"BBC One show {n}" for n in range(4)]  # tvg-id
    assert titles(tree, RAI) == [f"Rai 1 show {n}" for n in range(4)]  # name, "(backup)" aside
    assert titles(tree, OTHER) == ["Nothing Like It"] * 24  # no guide: placeholders
    assert starts(tree, SHIFTED)[0] == "20251231220000 +0000"  # tvg-shift -2 h
    assert [(m.ref, m.how) for k, m in sorted(host.view.matches.items())] == [
        (GuideRef(guide_site.url("/guide.xml.gz"), "bbc1.uk"), "tvg-id"),
        (GuideRef(guide_site.url("/guide.xml.gz"), "rai1.it"), "name"),
        (GuideRef(guide_site.url("/guide.xml.gz"), "sport1.de"), "name"),
    ]
    assert ("info", "Guide 127.0.0.1/guide.xml.gz updated: 3 channels, 12 programmes.") in hosts.events


async def test_the_channel_element_says_its_number_and_name_and_shows_its_logo(hosts: Hosts) -> None:
    host = hosts.make()
    host.set_catalog(catalog())
    tree = await guide_tree(host)
    rai = tree.find(f"channel[@id='{xmltv_id(('id', RAI))}']")  # type: ignore[arg-type]
    assert rai is not None
    assert [n.text for n in rai.iterfind("display-name")] == ["2 Rai 1 (backup)", "2", "Rai 1 (backup)"]
    assert rai.find("icon").get("src") == "http://logos.example/rai.png"  # type: ignore[union-attr]


async def test_the_last_good_copy_serves_offline_and_at_the_next_start(hosts: Hosts, guide_site: GuideSite) -> None:
    url = guide_site.url("/guide.xml")
    first = hosts.make()
    first.set_catalog(catalog(url))
    await first.refresh_all()
    await first.close()

    guide_site.down = True
    second = hosts.make()
    second.set_catalog(catalog(url))
    await second.open()
    assert titles(await guide_tree(second), BBC)[0] == "BBC One show 0"  # before any fetch
    (state,) = await second.refresh_all()
    assert state.error == "The server answered 503 Service Unavailable. The last good copy is kept."
    assert titles(await guide_tree(second), BBC)[0] == "BBC One show 0"
    assert (state.channels, state.programmes) == (3, 12)


async def test_a_guide_over_the_size_cap_is_refused_and_the_copy_before_it_kept(
    hosts: Hosts, guide_site: GuideSite
) -> None:
    url = guide_site.url("/guide.xml")
    host = hosts.make()
    host.set_catalog(catalog(url))
    await host.refresh_all()
    guide_site.bodies["/guide.xml"] = (guide_site.bodies["/guide.xml"][0] * 3, "application/xml")
    small = hosts.make(limits=FetchLimits(max_bytes=len(guide_site.bodies["/guide.xml"][0]) - 1))
    small.set_catalog(catalog(url))
    (state,) = await small.refresh_all()
    assert state.error is not None and state.error.startswith("The guide is larger than")
    assert titles(await guide_tree(small), BBC)[0] == "BBC One show 0"


@pytest.mark.parametrize("path", ["/bomb.xml", "/secret.xml", "/page"])
async def test_a_hostile_or_wrong_guide_is_refused_and_channels_keep_placeholders(
    hosts: Hosts, guide_site: GuideSite, path: str
) -> None:
    host = hosts.make()
    host.set_catalog(catalog(guide_site.url(path)))
    (state,) = await host.refresh_all()
    assert state.error and state.updated_at is None
    assert titles(await guide_tree(host), BBC) == ["BBC One HD"] * 24


async def test_a_playlist_may_name_web_guides_only_never_a_file(hosts: Hosts, tmp_path: Path) -> None:
    local = tmp_path / "private.xml"
    local.write_bytes(b"<tv/>")
    host = hosts.make()
    host.set_catalog(catalog(f"{local},{local.as_uri()},ftp://x.example/g.xml"))
    await host.open()
    assert host.view.sources == ()


async def test_a_guide_the_person_adds_may_be_a_file_and_is_kept_for_the_next_run(hosts: Hosts, tmp_path: Path) -> None:
    local = tmp_path / "mine.xml.gz"
    local.write_bytes(gzip.compress((Path(__file__).parent / "fixtures" / "small.xml").read_bytes()))
    host = hosts.make()
    host.set_catalog(catalog())
    added = await host.add_source(str(local))
    assert (added.origin, added.channels, added.error) == ("added", 3, None)
    assert titles(await guide_tree(host), RAI)[0] == "Rai 1 show 0"
    await host.close()
    again = hosts.make()
    await again.open()
    assert [(s.source, s.origin, s.programmes) for s in again.view.sources] == [(str(local), "added", 12)]


async def test_a_pick_and_a_cleared_match_survive_refreshes_and_restarts(hosts: Hosts, guide_site: GuideSite) -> None:
    url = guide_site.url("/guide.xml")
    host = hosts.make()
    host.set_catalog(catalog(url))
    await host.refresh_all()
    await host.pick(("id", OTHER), GuideRef(url, "sport1.de"))  # type: ignore[arg-type]
    await host.pick(("id", BBC), None)  # "no guide"
    await host.refresh_all()
    tree = await guide_tree(host)
    assert titles(tree, OTHER)[0] == "Sport 1 show 0"
    assert titles(tree, BBC) == ["BBC One HD"] * 24
    await host.close()
    again = hosts.make()
    again.set_catalog(catalog(url))
    await again.open()
    tree = await guide_tree(again)
    assert titles(tree, OTHER)[0] == "Sport 1 show 0" and titles(tree, BBC) == ["BBC One HD"] * 24
    await again.unpick(("id", BBC))  # type: ignore[arg-type]
    assert titles(await guide_tree(again), BBC)[0] == "BBC One show 0"


async def test_the_guide_is_written_once_per_change_and_every_client_gets_the_same_file(
    hosts: Hosts, guide_site: GuideSite
) -> None:
    host = hosts.make()
    host.set_catalog(catalog(guide_site.url("/guide.xml")))
    first = await host.output()
    assert await host.output() is first
    await host.refresh_all()
    second = await host.output()
    assert second.plain != first.plain and first.plain.exists()  # a request handed it just now still finds it
    assert gzip.decompress(second.packed.read_bytes()) == second.plain.read_bytes()
    await host.pick(("id", OTHER), None)  # type: ignore[arg-type]
    third = await host.output()
    assert third.plain.exists() and second.plain.exists() and not first.plain.exists()


async def test_a_scheduled_playlist_refresh_is_followed_by_the_guides_fetch(
    hosts: Hosts, guide_site: GuideSite, tmp_path: Path
) -> None:
    from desktop.streaming.channels.host import ChannelsHost
    from desktop.streaming.channels.store import ChannelStore

    playlist = tmp_path / "list.m3u"
    playlist.write_text(f'#EXTM3U url-tvg="{guide_site.url("/guide.xml")}"\n#EXTINF:-1,BBC One\n{BBC}\n')
    guide = hosts.make()
    rounds = asyncio.Event()

    async def then() -> None:
        await guide.refresh_all()  # what the service passes is guide.scheduled_refresh; here: every time
        rounds.set()

    channels = ChannelsHost(
        interval_hours=6,
        run_playlists=[str(playlist)],
        store=ChannelStore(tmp_path / "channels"),
        on_view=lambda view: guide.set_catalog(view.state.catalog),
    )
    try:
        await channels.start_schedule(then=then)  # a playlist never fetched: the first round is due at once
        await asyncio.wait_for(rounds.wait(), 10)
    finally:
        await channels.close()
    assert guide_site.requests == ["/guide.xml"]
    assert titles(await guide_tree(guide), BBC)[0] == "BBC One show 0"


async def test_a_download_under_way_survives_the_guides_changing_meanwhile(hosts: Hosts, guide_site: GuideSite) -> None:
    # Seen in `acetray serve`: a playlist refresh that brought a new guide list tidied the
    # guide folder while the schedule's fetch of the first guide was still downloading.
    guide_site.gate = asyncio.Event()
    host = hosts.make()
    host.set_catalog(catalog(guide_site.url("/guide.xml")))
    await host.start()
    await asyncio.wait_for(guide_site.arrived.wait(), 10)  # the download is under way
    host.set_catalog(catalog(f"{guide_site.url('/guide.xml')},{guide_site.url('/guide.xml.gz')}"))
    # The new guide's fetch starts once the change has been taken in (the folder tidied).
    await wait_until(lambda: guide_site.url("/guide.xml.gz") in host.view.refreshing)
    guide_site.gate.set()
    states = await host.refresh_all(max_age=3600)
    assert [s.error for s in states] == [None, None]
    assert titles(await guide_tree(host), BBC)[0] == "BBC One show 0"
