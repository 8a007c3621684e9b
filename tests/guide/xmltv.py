"""Making XMLTV guides for tests and benchmarks: a few channels, or 100 MB of them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr


def xmltv_time(seconds: float, offset: str = "+0000") -> str:
    hours = int(offset[1:3]) * 3600 + int(offset[3:5]) * 60
    local = seconds + (hours if offset[0] == "+" else -hours)
    return time.strftime("%Y%m%d%H%M%S ", time.gmtime(local)) + offset


def guide_xml(
    channels: list[tuple[str, str]],
    *,
    start: float,
    programmes: int = 4,
    minutes: int = 60,
    offset: str = "+0000",
    doctype: str = '<!DOCTYPE tv SYSTEM "xmltv.dtd">',
) -> bytes:
    """A guide: each (id, display name) with `programmes` programmes of `minutes` from `start`."""
    return b"".join(_parts(channels, start, programmes, minutes, offset, doctype))


def _parts(
    channels: list[tuple[str, str]], start: float, programmes: int, minutes: int, offset: str, doctype: str
) -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<tv generator-info-name="test">\n'.encode()
    for channel_id, name in channels:
        yield (
            f'<channel id={quoteattr(channel_id)}><display-name lang="en">{escape(name)}</display-name>'
            f'<icon src="http://logos.example/{escape(channel_id)}.png"/></channel>\n'
        ).encode()
    for channel_id, name in channels:
        for n in range(programmes):
            begin = start + n * minutes * 60
            yield (
                f'<programme start="{xmltv_time(begin, offset)}" stop="{xmltv_time(begin + minutes * 60, offset)}" '
                f'channel={quoteattr(channel_id)}><title lang="en">{escape(name)} show {n}</title>'
                f'<desc lang="en">Episode {n} of the show on {escape(name)} &amp; friends.</desc>'
                f'<credits><director>Someone</director></credits><category lang="en">Sport</category>'
                f'<episode-num system="xmltv_ns">0.{n}.</episode-num><rating system="MPAA"><value>PG</value></rating>'
                "</programme>\n"
            ).encode()
    yield b"</tv>\n"


def big_guide_parts(channels: int, programmes_per_channel: int, start: float) -> Iterator[bytes]:
    """A large guide in pieces (the benchmark writes ~100 MB without holding it)."""
    names = [(f"ch{n}.bench", f"Bench Channel {n}") for n in range(channels)]
    return _parts(names, start, programmes_per_channel, 30, "+0100", "")
