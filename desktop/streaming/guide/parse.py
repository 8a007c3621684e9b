"""Reading an XMLTV guide (plain or gzip) as a stream: its channels, then its programmes.

A guide is untrusted input from the internet, often 100 MB or more:

- it is read with lxml's `iterparse` and every element is cleared once used, so a
  1 M-programme guide takes the memory of one programme at a time;
- no entity is ever expanded and nothing is fetched: a guide that declares
  entities is refused before parsing (entity bombs), the parser resolves none
  and loads no DTD, and has no network;
- more than `max_bytes` once decompressed is refused (a gzip bomb, or a guide
  nobody meant);
- each programme keeps only elements whose form the XMLTV DTD fixes and readers
  use (title, sub-title, desc, date, category, icon, episode-num, new), in the
  DTD's order and with the DTD's attributes, so what AceTray writes back passes
  `tv_validate_file` whatever came in. Programmes without a channel, a start
  time or a title are skipped and counted.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from lxml import etree

from desktop.regular_files import open_regular_file
from desktop.streaming.guide.match import GuideChannel
from desktop.streaming.guide.xmltv_time import parse_time

MAX_GUIDE_BYTES = 500 * 1024 * 1024  # decompressed
MAX_NAMES = 8  # display names kept per channel
MAX_TEXT = 2000  # characters kept of one title, description, …
_HEAD = 64 * 1024  # what is searched for entity declarations before parsing
_GZIP_MAGIC = b"\x1f\x8b"

# Programme children kept, in the DTD's order, with the attributes the DTD allows them.
_KEPT: dict[str, tuple[int, frozenset[str]]] = {
    tag: (order, frozenset(attributes))
    for order, (tag, attributes) in enumerate(
        (
            ("title", ("lang",)),
            ("sub-title", ("lang",)),
            ("desc", ("lang",)),
            ("date", ()),
            ("category", ("lang",)),
            ("icon", ("src", "width", "height")),
            ("episode-num", ("system",)),
            ("new", ()),
        )
    )
}
_CLOSE = b"</programme>"


class GuideError(Exception):
    """The guide cannot be read; str() is a sentence for the person."""


class Programme(NamedTuple):
    channel: str  # the guide's channel id
    start: int  # epoch seconds
    stop: int | None
    body: bytes  # the kept children as XML (UTF-8), ready to write back


def open_guide(path: Path, max_bytes: int = MAX_GUIDE_BYTES, stopping: Callable[[], bool] | None = None) -> BinaryIO:
    """The guide's XML bytes (gzip undone when the file is gzip), refused past `max_bytes`.

    `stopping()` true ends reading early (AceTray is quitting: a long read must not hold it up).
    """
    raw = open_regular_file(path)  # a FIFO or a device named as a guide file must not hang the reader
    try:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
    except OSError:
        raw.close()
        raise
    stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw  # type: ignore[assignment]
    return _Capped(stream, raw, max_bytes, stopping)  # type: ignore[return-value]


class GuideReader:
    """Iterating gives the guide's channels and programmes in file order; GuideError (a
    sentence) for a guide that cannot be read. `skipped` counts the programmes left out."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        self._stream = stream
        self._source = source
        self.skipped = 0

    def __iter__(self) -> Iterator[GuideChannel | Programme]:
        try:
            yield from self._records()
        except etree.XMLSyntaxError as exc:
            raise GuideError(f"The guide is not readable XML ({_short(exc)}).") from None
        except gzip.BadGzipFile:
            raise GuideError("The guide's gzip data is damaged.") from None
        except EOFError:
            raise GuideError("The guide's gzip data ends too early.") from None

    def _records(self) -> Iterator[GuideChannel | Programme]:
        head = self._stream.read(_HEAD)
        _check_head(head)
        events = etree.iterparse(
            _Prefixed(head, self._stream),
            events=("end",),
            tag=("channel", "programme"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,  # libxml2's limits on one text or name stay in force
            remove_comments=True,
            remove_pis=True,
            recover=True,  # a stray "&" or a bad byte in one title must not lose the guide
        )
        for _event, element in events:
            record = _programme(element) if element.tag == "programme" else _channel(element, self._source)
            _forget(element)
            if record is not None:
                yield record
            elif element.tag == "programme":
                self.skipped += 1
        root = events.root
        if root is None or root.tag != "tv":
            what = f"<{root.tag}>" if root is not None and isinstance(root.tag, str) else "no XML element"
            raise GuideError(f"This is not an XMLTV guide: it holds {what}, not <tv>.")


def _check_head(head: bytes) -> None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise GuideError("The guide is empty.")
    if not text.startswith(b"<"):
        raise GuideError("This is not an XMLTV guide (it does not start with XML).")
    if b"<!entity" in head.lower():
        # An entity can stand for a billion characters (a "billion laughs") or for a
        # local file: no guide needs one, so a guide that declares one is not read.
        raise GuideError("The guide declares XML entities, which AceTray never expands; it was not read.")


def _channel(element: etree._Element, source: str) -> GuideChannel | None:
    channel_id = (element.get("id") or "").strip()
    if not channel_id or len(channel_id) > 200:
        return None
    names: list[str] = []
    icon = ""
    for child in element:
        if child.tag == "display-name" and len(names) < MAX_NAMES:
            text = " ".join((child.text or "").split())[:MAX_TEXT]
            if text and text not in names:
                names.append(text)
        elif child.tag == "icon" and not icon:
            icon = (child.get("src") or "").strip()[:MAX_TEXT]
    return GuideChannel(source, channel_id, tuple(names), icon)


def _programme(element: etree._Element) -> Programme | None:
    # This runs a million times for a big guide: the common case (a valid programme)
    # touches each child once and changes nothing; only what is wrong is mended.
    channel = element.get("channel")
    start = parse_time(element.get("start"))
    if not channel or start is None:
        return None
    stop = parse_time(element.get("stop"))
    if stop is not None and stop <= start:
        stop = None
    titled, in_order = False, True
    last = -1
    dropped: list[etree._Element] = []
    for child in element:
        rule = _KEPT.get(child.tag)  # type: ignore[arg-type]  # comments and entities have no str tag
        if rule is None:
            dropped.append(child)
            continue
        order, allowed = rule
        if child.attrib:
            for name in [n for n in child.attrib if n not in allowed]:
                del child.attrib[name]
        if len(child):  # the kept elements hold text only
            child[:] = []
        text = child.text
        if text is not None:
            trimmed = text.strip()[:MAX_TEXT]
            if trimmed != text:
                child.text = text = trimmed or None
        if not text and (child.tag != "icon" or not child.get("src")) and child.tag != "new":
            dropped.append(child)  # an empty title or desc is a validation error, and says nothing
            continue
        titled = titled or order == 0
        in_order = in_order and order >= last
        last = order
        child.tail = None
    if not titled:
        return None
    for child in dropped:
        element.remove(child)
    if not in_order:  # a stable sort: the guide's order within one tag stays
        element[:] = sorted(element, key=lambda child: _KEPT[child.tag][0])  # type: ignore[index]
    element.text = None
    body = etree.tostring(element, encoding="utf-8", with_tail=False)
    # The programme's own start tag (its attributes) is written anew: keep what is inside.
    return Programme(channel.strip(), start, stop, body[body.index(b">") + 1 : -len(_CLOSE)])


def _forget(element: etree._Element) -> None:
    """Free what has been read: the element, and everything before it under the root."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


class _Capped:
    """A read-only stream that refuses to give more than `max_bytes`."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO, max_bytes: int, stopping: Callable[[], bool] | None) -> None:
        self._stream, self._raw, self._left, self._max = stream, raw, max_bytes, max_bytes
        self._stopping = stopping

    def read(self, size: int = -1) -> bytes:
        if self._stopping is not None and self._stopping():
            raise GuideError("Reading the guide was stopped.")
        data = self._stream.read(size if size >= 0 else self._left + 1)
        self._left -= len(data)
        if self._left < 0:
            raise GuideError(f"The guide is larger than {_size(self._max)} unpacked; it was not read.")
        return data

    def close(self) -> None:
        self._stream.close()
        self._raw.close()

    def __enter__(self) -> _Capped:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _Prefixed:
    """`head` (already read) and then the rest of `stream`, as one stream for the parser."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = (
                (self._head, b"")
                if size < 0 or size >= len(self._head)
                else (
                    self._head[:size],
                    self._head[size:],
                )
            )
            return data
        return self._stream.read(size)
