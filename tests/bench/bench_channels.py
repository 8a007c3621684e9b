#!/usr/bin/env python3
"""On-demand benchmark of named channels: prints figures, asserts nothing.

Builds a playlist shaped like the big real ones (10,000 channels by default:
titles in several scripts with commas and quotes, groups, logos, tvg-ids,
#EXTVLCOPT lines, mixed link forms, plain HTTP streams and repeats mixed in,
CRLF and a BOM), then times each step of an import and of searching as you
type. Target (issue 10): an import well under a second, filtering without
visible lag (a keystroke is comfortably under ~16 ms, one frame).

    python tests/bench/bench_channels.py
    python tests/bench/bench_channels.py --channels 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.streaming.channels.fetch import refresh_playlist
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.model import Channel
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.channels.store import ChannelStore
from tests.local_site import local_site

try:
    from desktop.streaming.channels import numbering
except ImportError:  # a release before channel numbers: the same figures without them
    numbering = None  # type: ignore[assignment]
try:
    from desktop.streaming.channels.grouping import name_keys
except ImportError:  # a release before channels of several sources
    name_keys = None  # type: ignore[assignment]

T = TypeVar("T")

WORDS = {
    "latin": ["Sport", "News", "Cinema", "Music", "Kids", "Premier", "Liga", "Arena", "HD", "Live"],
    "cyrillic": ["Первый", "канал", "Матч", "Спорт", "Новости", "Кино", "Россия", "ТВ"],
    "arabic": ["قناة", "الجزيرة", "رياضة", "أخبار", "بي", "إن", "سبورت"],
    "cjk": ["中文", "国际", "体育", "新闻", "电影"],
}
GROUPS = [f"{word} {n}" for word in ("Sport", "Новости", "أفلام", "Music", "Kids") for n in range(10)]


def make_playlist(channels: int, seed: int = 1, backups: int = 0) -> bytes:
    """`backups`: every so many channels, the same one again as a backup entry (0: none)."""
    rng = random.Random(seed)
    lines = ['#EXTM3U url-tvg="http://epg.example.org/guide.xml.gz" x-tvg-url="http://epg.example.org/b.xml"']
    scripts = list(WORDS)
    for n in range(channels):
        words = WORDS[scripts[n % len(scripts)]]
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        if n % 7 == 0:
            title += f', "{rng.choice(words)}" {n}'  # commas and quotes in titles
        else:
            title += f" {n}"
        group = rng.choice(GROUPS)
        attrs = f'tvg-id="ch{n}.example" tvg-logo="http://logos.example.org/{n}.png" group-title="{group}"'
        lines.append(f"#EXTINF:-1 {attrs},{title}")
        if n % 5 == 0:
            lines.append("#EXTVLCOPT:network-caching=1000")
        cid = f"{rng.getrandbits(160):040x}"
        form = n % 4
        if form == 0:
            lines.append(f"acestream://{cid}")
        elif form == 1:
            lines.append(f"http://127.0.0.1:6878/ace/getstream?id={cid}&pid={n}")
        elif form == 2:
            lines.append(cid.upper())
        else:
            lines.append(f"infohash://{cid}")
        if backups and n % backups == 0:  # the same channel again, in HD, without a tvg-id: one channel
            lines.append(f'#EXTINF:-1 group-title="Backups",{title} HD')
            lines.append(f"acestream://{rng.getrandbits(160):040x}")
        if n % 50 == 0:  # junk that real lists carry
            lines.append(f"#EXTINF:-1,Plain stream {n}")
            lines.append(f"http://tv.example.org/live/{n}.m3u8")
            lines.append("")
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8")


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median seconds over `repeat` runs, and the last result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


async def http_import(data: bytes, repeat: int) -> float:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="audio/x-mpegurl")

    app = web.Application()
    app.router.add_get("/list.m3u", handler)
    times = []
    async with local_site(app) as base:
        for _ in range(repeat):
            start = time.perf_counter()
            result = await refresh_playlist(PlaylistState(f"{base}/list.m3u"))
            times.append(time.perf_counter() - start)
            assert result.error is None, result.error
    return statistics.median(times)


async def file_import(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await refresh_playlist(PlaylistState(str(path)))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def typing_figures(state: ChannelsState, text: str) -> list[tuple[str, float, int]]:
    """Each prefix of `text` as a keystroke: (query, seconds, matches)."""
    rows = []
    for end in range(1, len(text) + 1):
        query = text[:end]
        seconds, found = timed(lambda q=query: state.search(q), 5)
        rows.append((query, seconds, len(found)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backups", type=int, default=10, help="a backup entry every N channels (0: none)")
    args = parser.parse_args()
    repeat = args.repeat

    data = make_playlist(args.channels, backups=args.backups)
    lines = data.count(b"\n") + 1
    print(f"playlist: {args.channels} channels, {len(data) / 1e6:.2f} MB, {lines} lines")
    print(f"python {sys.version.split()[0]} on {sys.platform}\n")

    parse_s, parsed = timed(lambda: parse(data), repeat)
    print(
        f"parse (bytes -> channels)          {ms(parse_s)}  ({len(parsed.channels)} kept, "
        f"{parsed.skipped} skipped, {parsed.duplicates} repeated)"
    )
    tracemalloc.start()
    kept = parse(data)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  memory held by the result        {held / 1e6:8.2f} MB (peak {peak / 1e6:.2f} MB)")

    names: tuple[str, ...] = ()
    if name_keys is not None:  # channels with several sources: names compared as normalize_name has them
        make_names: Callable[[tuple[Channel, ...]], tuple[str, ...]] = name_keys
        names_s, names = timed(lambda: make_names(kept.channels), repeat)
        print(f"normalise the names (off the loop) {ms(names_s)}")

    def into_state() -> ChannelsState:
        state = ChannelsState().with_playlist("bench")
        playlist = state.playlists[0]
        done = playlist.succeeded(kept, time.time(), names) if names else playlist.succeeded(kept, time.time())
        state = state.with_update(done)
        state.catalog  # noqa: B018 - build the merged list and its search strings
        return state

    state_s, state = timed(into_state, repeat)
    grouped = f" ({len(state.catalog)} channels of {len(kept.channels)} entries)" if names else ""
    print(f"state + merged catalog             {ms(state_s)}{grouped}")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.m3u"
        path.write_bytes(data)
        file_s = asyncio.run(file_import(path, repeat))
        http_s = asyncio.run(http_import(data, repeat))
        store = ChannelStore(Path(folder))
        save_s, _ = timed(lambda: store.save(state), repeat)
        size = store.playlists_path.stat().st_size
        load_s, loaded = timed(lambda: store.load().state.catalog, repeat)
        starred_one = state.with_favourite(kept.channels[0].key)
        fav_s, _ = timed(lambda: store.save_favourites(starred_one), repeat)
        if numbering is not None:  # channel numbers (issue 20): given on every change of the channels
            fresh_s, numbers = timed(lambda: numbering.EMPTY_NUMBERS.assigned(state.catalog.channels), repeat)
            again_s, _ = timed(lambda: numbering.renumber(numbers, state.catalog.channels), repeat)
            numbered = state.with_numbers(numbers)
            numbers_save_s, _ = timed(lambda: store.save_numbers(numbered), repeat)

    if numbering is not None:
        print(f"number the channels (first time)   {ms(fresh_s)}")
        print(f"number them again (a refresh)      {ms(again_s)}")
        print(f"save channel_numbers.json          {ms(numbers_save_s)}")
    print(f"import from a file (read+parse)    {ms(file_s)}")
    print(f"import over HTTP on 127.0.0.1      {ms(http_s)}")
    print(f"save playlists.json                {ms(save_s)}  ({size / 1e6:.2f} MB)")
    print(f"load at start (+ catalog)          {ms(load_s)}  ({len(loaded)} channels)")
    print(f"save favourites.json (star click)  {ms(fav_s)}")
    total = file_s + state_s
    print(f"  import end to end from a file: {total * 1000:.0f} ms (target: well under 1 s)\n")

    print("search as you type (median of 5 per keystroke; query: ms/matches):")
    for text in ("sport 12", "новости", "الجزيرة", "HD live"):
        rows = typing_figures(state, text)
        worst = max(seconds for _, seconds, _ in rows)
        shown = "  ".join(f"{q!r}:{s * 1000:.2f}/{n}" for q, s, n in rows)
        print(f"  worst {ms(worst)}   {shown}")
    group_s, in_group = timed(lambda: state.search(group=GROUPS[3]), repeat)
    print(f"  one group (exact)             {ms(group_s)}  ({len(in_group)} channels)")
    starred = state
    for channel in kept.channels[::100]:
        starred = starred.with_favourite(channel.key)
    fav_search_s, favs = timed(lambda: starred.search("a", favourites_only=True), repeat)
    print(f"  'a' within {len(starred.favourites)} favourites       {ms(fav_search_s)}  ({len(favs)} matches)")
    keys = [c.key for c in kept.channels[:1000]]
    lookup_s, _ = timed(lambda: [state.catalog.name_for(k) for k in keys], repeat)
    print(f"  1000 name lookups by (kind, id) {ms(lookup_s)}")


if __name__ == "__main__":
    main()
