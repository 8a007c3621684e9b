"""Numbers as people read them: "1.2 MB/s", "3m 12s", "12:04:33"."""

from __future__ import annotations

import time

_UNITS = ("B", "KB", "MB", "GB", "TB")


def format_bytes(count: float) -> str:
    """Decimal units (what players and network tools show): 1_234_567 → "1.2 MB"."""
    value = float(max(count, 0))
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def format_rate(bytes_per_second: float | None) -> str:
    if bytes_per_second is None:
        return "—"
    return f"{format_bytes(bytes_per_second)}/s"


def format_kbps(kilobytes_per_second: int | None) -> str:
    """The engine reports speeds in KB/s; shown in the same units as our own rates."""
    if kilobytes_per_second is None:
        return "—"
    return format_rate(kilobytes_per_second * 1000)


def format_duration(seconds: float) -> str:
    """45 → "45s", 192 → "3m 12s", 7380 → "2h 03m", 200000 → "2d 07h"."""
    total = int(max(seconds, 0))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def format_clock(unix_time: float) -> str:
    """Local wall-clock time of day: "12:04:33"."""
    return time.strftime("%H:%M:%S", time.localtime(unix_time))


def format_when(unix_time: float, now: float | None = None) -> str:
    """Local time, with the day when it is not today: "today 18:40", "5 Dec 18:40"."""
    when = time.localtime(unix_time)
    today = time.localtime(time.time() if now is None else now)
    if when[:3] == today[:3]:
        return time.strftime("today %H:%M", when)
    return f"{when.tm_mday} {time.strftime('%b %H:%M', when)}"


def count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    """1 → "1 stream", 3 → "3 streams"."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count} {word}"


def format_ago(unix_time: float | None, now: float) -> str:
    """How long ago, roughly: "just now" within a minute, "3m 12s ago", "never" for None."""
    if unix_time is None:
        return "never"
    seconds = now - unix_time
    return "just now" if seconds < 60 else f"{format_duration(seconds)} ago"
