"""XMLTV times: "20240131203000 +0100" in, seconds since the epoch, and back out in UTC."""

from __future__ import annotations

import calendar
import functools
import re
import time

# YYYYMMDDhhmm, seconds optional, then an offset (+hhmm / -hhmm) or a zone name, optional.
_TIME = re.compile(r"\s*(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?\s*(?:([+-])(\d\d):?(\d\d)|(UTC|GMT|Z))?\s*$", re.I)


def parse_time(text: str | None) -> int | None:
    """Epoch seconds, or None for what is not an XMLTV time. No zone means UTC."""
    return _parse(text) if text else None


@functools.lru_cache(maxsize=16384)
def _parse(text: str) -> int | None:
    # Cached: a guide's programmes share a few thousand start and stop times between them.
    found = _TIME.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, sign, off_h, off_m, _zone = found.groups()
    try:
        fields = (int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and fields[3] <= 23 and fields[4] <= 59):
            return None
        seconds = calendar.timegm((*fields, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if sign:
        offset = int(off_h) * 3600 + int(off_m) * 60
        seconds -= offset if sign == "+" else -offset
    return seconds


def format_time(seconds: int) -> str:
    """ "YYYYMMDDhhmmss +0000": the form `tv_validate_file` accepts and every reader knows."""
    return time.strftime("%Y%m%d%H%M%S +0000", time.gmtime(seconds))
