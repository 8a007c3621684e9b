"""Test support: the demo engine on a small synthetic stream whose every packet says who it is.

Each 188-byte packet of the synthetic source ends with a trailer carrying its
sequence number (its index in the source), so a test can tell from the bytes
a player received whether they are in order, complete, unduplicated and
packet-aligned. The source opens every `pat_every` packets with a PAT, a PMT
and a keyframe packet (random-access flag + PES header + H.264 IDR start
code), like a real channel's join points.

Use:
    async with running_engine(bytes_per_second=None) as engine: ...
or the fixtures `fake_engine`, `fake_engine_factory`, `dead_engine_url`
(tests/conftest.py registers this module with `pytest_plugins`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio

from desktop.streaming.demo.engine import DemoEngine
from tests.ports import free_port

PACKET = 188
PAT_PID = 0x0000
PMT_PID = 0x1000
VIDEO_PID = 0x0100
TRAILER_MAGIC = b"AT"
TRAILER_SIZE = 8  # magic (2) + sequence (4, big-endian) + check (2)
FAST_RATE = 2_000_000  # bytes/s: real-time pacing, but fast enough for quick tests
DEFAULT_PACKETS = 1024  # one loop = 192,512 bytes, ~0.1 s at FAST_RATE


# ---- the synthetic source --------------------------------------------------------------


def _crc32_mpeg(data: bytes) -> int:
    """CRC-32/MPEG-2 (no reflection, no final xor), as PSI sections need."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _section(table_id: int, table_id_ext: int, body: bytes) -> bytes:
    length = 5 + len(body) + 4  # header after the length field + body + CRC
    head = bytes([table_id, 0xB0 | (length >> 8), length & 0xFF, table_id_ext >> 8, table_id_ext & 0xFF, 0xC1, 0, 0])
    section = head + body
    return section + _crc32_mpeg(section).to_bytes(4, "big")


PAT_SECTION = _section(0x00, 1, bytes([0x00, 0x01, 0xE0 | (PMT_PID >> 8), PMT_PID & 0xFF]))
PMT_SECTION = _section(
    0x02,
    1,
    bytes([0xE0 | (VIDEO_PID >> 8), VIDEO_PID & 0xFF, 0xF0, 0x00])  # PCR PID, no program info
    + bytes([0x1B, 0xE0 | (VIDEO_PID >> 8), VIDEO_PID & 0xFF, 0xF0, 0x00]),  # H.264 on VIDEO_PID
)
# PES header without timestamps, then an access unit delimiter and an IDR slice start.
KEYFRAME_PAYLOAD = bytes.fromhex("000001e000008000000000000109f000000001650000")


def _trailer(seq: int) -> bytes:
    return TRAILER_MAGIC + seq.to_bytes(4, "big") + ((seq * 40503) & 0xFFFF).to_bytes(2, "big")


def _packet(
    pid: int,
    cc: int,
    seq: int,
    *,
    start: bool = False,
    payload: bytes = b"",
    rai: bool = False,
    adaptation: bytes | None = None,
) -> bytes:
    """One packet: header, optional adaptation field (random access by default), payload, filler, trailer."""
    if adaptation is None:
        adaptation = b"\x01\x40" if rai else b""  # length 1, random_access_indicator
    control = 0x30 if adaptation else 0x10
    header = bytes([0x47, (0x40 if start else 0) | pid >> 8, pid & 0xFF, control | cc])
    filler_size = PACKET - len(header) - len(adaptation) - len(payload) - TRAILER_SIZE
    filler = (b"\xff" if pid in (PAT_PID, PMT_PID) else bytes([seq & 0xFF])) * filler_size
    return header + adaptation + payload + filler + _trailer(seq)


def _ts_loop(packets: int, pat_every: int, group_start: Callable[[int, int, int], bytes]) -> bytes:
    """Groups of `pat_every` packets: PAT, PMT, `group_start(cc, seq, group)`, then plain video packets."""
    if packets % pat_every or pat_every < 4:
        raise ValueError("packets must be a multiple of pat_every (>= 4)")
    counters = {PAT_PID: 0, PMT_PID: 0, VIDEO_PID: 0}
    out = bytearray()
    for seq in range(packets):
        phase = seq % pat_every
        if phase == 0:
            packet = _packet(PAT_PID, counters[PAT_PID], seq, start=True, payload=b"\x00" + PAT_SECTION)
        elif phase == 1:
            packet = _packet(PMT_PID, counters[PMT_PID], seq, start=True, payload=b"\x00" + PMT_SECTION)
        elif phase == 2:
            packet = group_start(counters[VIDEO_PID], seq, seq // pat_every)
        else:
            packet = _packet(VIDEO_PID, counters[VIDEO_PID], seq)
        pid = (packet[1] & 0x1F) << 8 | packet[2]
        counters[pid] = (counters[pid] + 1) & 0x0F
        out += packet
    return bytes(out)


def make_ts_source(packets: int = DEFAULT_PACKETS, pat_every: int = 64) -> bytes:
    """A synthetic TS loop: PAT, PMT, keyframe every `pat_every` packets, numbered 0..packets-1."""
    return _ts_loop(
        packets,
        pat_every,
        lambda cc, seq, _group: _packet(VIDEO_PID, cc, seq, start=True, payload=KEYFRAME_PAYLOAD, rai=True),
    )


def _pcr_adaptation(ticks: int) -> bytes:
    """An adaptation field carrying only a PCR (90 kHz base, no extension): no random-access flag."""
    base = ticks % (1 << 33)
    return bytes([7, 0x10]) + (base >> 1).to_bytes(4, "big") + bytes([(base & 1) << 7 | 0x7E, 0])


def make_ts_source_without_keyframes(
    packets: int = DEFAULT_PACKETS, pat_every: int = 64, ticks_per_group: int = 9000, first_pcr: int = 0
) -> bytes:
    """Like make_ts_source, but no packet says "random access": a stream only a clock can cut.

    Each group of `pat_every` packets opens with PAT, PMT, then a video PES
    start whose adaptation field carries a PCR, `ticks_per_group` (90 kHz)
    after the previous group's; the PCR is a 33-bit counter, so it wraps.
    """

    def group_start(cc: int, seq: int, group: int) -> bytes:
        pcr = _pcr_adaptation(first_pcr + group * ticks_per_group)
        return _packet(VIDEO_PID, cc, seq, start=True, payload=KEYFRAME_PAYLOAD, adaptation=pcr)

    return _ts_loop(packets, pat_every, group_start)


# ---- checking what a player received ---------------------------------------------------


def parse_sequence(data: bytes, *, allow_partial_tail: bool = False) -> list[int]:
    """Sequence numbers of the packets in `data`; AssertionError on lost sync or a damaged packet."""
    whole = len(data) - len(data) % PACKET
    assert allow_partial_tail or whole == len(data), f"{len(data)} bytes is not whole packets"
    seqs = []
    for pos in range(0, whole, PACKET):
        packet = data[pos : pos + PACKET]
        assert packet[0] == 0x47, f"no sync byte at offset {pos}"
        trailer = packet[-TRAILER_SIZE:]
        assert trailer[:2] == TRAILER_MAGIC, f"no trailer in the packet at offset {pos}"
        seq = int.from_bytes(trailer[2:6], "big")
        assert trailer == _trailer(seq), f"damaged trailer at offset {pos}"
        seqs.append(seq)
    return seqs


def sequence_breaks(seqs: list[int], period: int = DEFAULT_PACKETS) -> list[tuple[int, int]]:
    """(index, seq) of each packet that does not follow its predecessor (the loop wraps at `period`)."""
    return [(i, seqs[i]) for i in range(1, len(seqs)) if seqs[i] != (seqs[i - 1] + 1) % period]


def assert_continuous(seqs: list[int], period: int = DEFAULT_PACKETS) -> None:
    breaks = sequence_breaks(seqs, period)
    assert not breaks, f"sequence breaks (index, seq): {breaks[:10]}"


# ---- engines ---------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nobody listens on: the 'engine not running' case (leased: no other test's
    server is given it, as a port the system picked could be)."""
    return free_port()


def fake_engine_kwargs(**overrides: Any) -> dict[str, Any]:
    """Fast test defaults for DemoEngine; any argument can be overridden."""
    kwargs: dict[str, Any] = {
        "bytes_per_second": FAST_RATE,
        "burst_seconds": 0.05,
        "write_size": 1000,  # not a multiple of 188, like real TCP reads
        "session_idle_stop": 30.0,
    }
    kwargs.update(overrides)
    return kwargs


@asynccontextmanager
async def running_engine(source: bytes | None = None, **overrides: Any) -> AsyncIterator[DemoEngine]:
    """A started DemoEngine on 127.0.0.1:<free port> with the synthetic source; stopped on exit."""
    engine = DemoEngine(make_ts_source() if source is None else source, **fake_engine_kwargs(**overrides))
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@pytest_asyncio.fixture
async def fake_engine() -> AsyncIterator[DemoEngine]:
    """A running fake engine with the test defaults; `fake_engine.url` is its base URL."""
    async with running_engine() as engine:
        yield engine


@pytest_asyncio.fixture
async def fake_engine_factory() -> AsyncIterator[Callable[..., Awaitable[DemoEngine]]]:
    """`await fake_engine_factory(**DemoEngine kwargs, source=...)`: more engines, all stopped at teardown."""
    engines: list[DemoEngine] = []

    async def make(source: bytes | None = None, **overrides: Any) -> DemoEngine:
        engine = DemoEngine(make_ts_source() if source is None else source, **fake_engine_kwargs(**overrides))
        await engine.start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.stop()


@pytest.fixture
def dead_engine_url() -> str:
    """An engine URL where nothing listens."""
    return f"http://127.0.0.1:{closed_port()}"
