#!/usr/bin/env python3
"""On-demand benchmark of zapping latency: prints figures, asserts nothing.

Three processes, as in bench_proxy.py: the demo engine (paced), the proxy
(`acetray serve`), and this one, which times with plain blocking sockets so
that no event loop of its own adds to the figures. Each zap is timed from
opening the connection to the first byte of the body:

  engine   the engine's own first byte: `/ace/getstream?format=json&id=…` on
           the engine, then GET its playback_url (what the proxy does for a
           new channel), a fresh content id each time
  new      a new channel through the proxy: `/ace/getstream?id=…`, a fresh
           content id each time (from its own loopback address each, so the
           per-address quota of new channels never answers 429)
  linger   a channel played, left, then asked for again while it lingers
           (its engine session still open, no players)
  hls-new  HLS on a new channel: the playlist (answered once the first
           segments are cut, so a segment's duration is in it), then the first
           byte of the segment a player starts at (the third from the live edge)
  hls-lng  HLS on a lingering channel whose segments are already cut: the
           playlist, then that segment's first byte

Goals (issue 14): linger ≤ 5 ms; new − engine ≤ 5 ms; the same figures for HLS.

    python tests/bench/bench_zap.py                 # 20 zaps of each kind
    python tests/bench/bench_zap.py --zaps 40 --rate 1000000
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.processes import demo_and_serve

LINGER_ID = "c0ffee00112233445566778899aabbccddeeff00"


def _request(port: int, path: str, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: bench-zap\r\n\r\n".encode())
    return sock


def _until_body(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read until the first body byte has arrived: (head, body so far). Chunked framing is skipped."""
    data = b""
    while True:
        part = sock.recv(65536)
        if not part:
            raise RuntimeError(f"connection closed before the body: {data[:200]!r}")
        data += part
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            continue
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"not 200: {head[:200]!r}")
        if b"transfer-encoding: chunked" in head.lower():
            _size, nl, rest = body.partition(b"\r\n")
            if nl and rest:
                return head, rest
        elif body:
            return head, body


def _json_answer(port: int, path: str) -> dict:
    return json.loads(_answer(port, path))


def _answer(port: int, path: str, source: str = "127.0.0.1") -> bytes:
    """The whole body of a response with a Content-Length."""
    with _request(port, path, source) as sock:
        head, body = _until_body(sock)
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            None,
        )
        while length is not None and len(body) < length:
            body += sock.recv(65536)
    return body


def zap_engine(engine_port: int) -> float:
    """The engine's own first byte for a new session: start it, then read its playback URL."""
    content_id = secrets.token_hex(20)
    begin = time.perf_counter()
    answer = _json_answer(engine_port, f"/ace/getstream?format=json&id={content_id}&pid={secrets.token_hex(8)}")
    playback = urlsplit(answer["response"]["playback_url"])
    with _request(engine_port, f"{playback.path}?{playback.query}" if playback.query else playback.path) as sock:
        _until_body(sock)
        elapsed = time.perf_counter() - begin
    command = urlsplit(answer["response"]["command_url"])
    _json_answer(engine_port, f"{command.path}?method=stop")  # leave the engine as it was
    return elapsed


def zap_new(port: int, index: int) -> float:
    """A channel nobody has opened yet, through the proxy."""
    content_id = secrets.token_hex(20)
    source = f"127.0.{1 + index // 200}.{10 + index % 200}"  # one address per new channel: no quota refusals
    begin = time.perf_counter()
    with _request(port, f"/ace/getstream?id={content_id}", source) as sock:
        _until_body(sock)
        return time.perf_counter() - begin


def _players_of(port: int, content_id: str) -> int:
    return int(_json_answer(port, f"/ace/status?id={content_id}")["clients"])


def zap_lingering(port: int) -> float:
    """LINGER_ID was played and left: ask for it again."""
    deadline = time.monotonic() + 10
    while _players_of(port, LINGER_ID):  # the proxy notices the last player gone at its next write
        if time.monotonic() > deadline:
            raise RuntimeError("the channel kept its player")
        time.sleep(0.02)
    time.sleep(0.2)  # settle: the zap is timed on a quiet, lingering channel
    begin = time.perf_counter()
    with _request(port, f"/ace/getstream?id={LINGER_ID}") as sock:
        _until_body(sock)
        return time.perf_counter() - begin


def zap_hls(port: int, content_id: str, source: str = "127.0.0.1") -> float:
    """The playlist, then the first byte of the segment a player starts at (third from the live edge)."""
    begin = time.perf_counter()
    playlist = _answer(port, f"/ace/manifest.m3u8?id={content_id}", source).decode()
    segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    with _request(port, f"/ace/{segments[max(0, len(segments) - 3)]}", source) as sock:
        _until_body(sock)
        return time.perf_counter() - begin


def zap_hls_new(port: int, index: int) -> float:
    return zap_hls(port, secrets.token_hex(20), f"127.0.{101 + index // 200}.{10 + index % 200}")


def _figures(name: str, times: list[float]) -> str:
    ms = sorted(1000 * t for t in times)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"{name:<8} {statistics.median(ms):>8.2f} {p90:>8.2f} {ms[0]:>8.2f} {ms[-1]:>8.2f}"


def _series(zaps: int, zap: Callable[[int], float], pause: float) -> list[float]:
    times = []
    for index in range(zaps):
        times.append(zap(index))
        time.sleep(pause)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zaps", type=int, default=20, help="zaps of each kind")
    parser.add_argument("--rate", type=float, default=1_000_000, help="the channel's bytes per second")
    parser.add_argument("--pause", type=float, default=0.3, help="s between zaps")
    args = parser.parse_args()
    with demo_and_serve(("--rate", str(args.rate)), ("--linger", "60"), env={"PYTHONUNBUFFERED": "1"}) as served:
        port, engine_port = served.port, served.engine_port
        zap_new(port, 10_000)  # warm-up: the proxy's first request imports and connects lazily
        engine_times = _series(args.zaps, lambda _i: zap_engine(engine_port), args.pause)
        new_times = _series(args.zaps, lambda i: zap_new(port, i), args.pause)
        with _request(port, f"/ace/getstream?id={LINGER_ID}") as sock:
            _until_body(sock)  # played, then left
        linger_times = _series(args.zaps, lambda _i: zap_lingering(port), 0.0)
        hls_new_times = _series(max(3, args.zaps // 4), lambda i: zap_hls_new(port, i), args.pause)
        zap_hls(port, LINGER_ID)  # the lingering channel's segmenter starts cutting
        hls_linger_times = _series(args.zaps, lambda _i: zap_hls(port, LINGER_ID), args.pause)
    print(f"zaps: {args.zaps} of each kind, channel at {args.rate / 1e6:g} MB/s; ms from connect to first body byte")
    print(f"{'kind':<8} {'median':>8} {'p90':>8} {'min':>8} {'max':>8}")
    kinds = (
        ("engine", engine_times),
        ("new", new_times),
        ("linger", linger_times),
        ("hls-new", hls_new_times),
        ("hls-lng", hls_linger_times),
    )
    for name, times in kinds:
        print(_figures(name, times))
    added = statistics.median(new_times) - statistics.median(engine_times)
    print(f"AceTray adds to a new channel (median new - engine): {1000 * added:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
