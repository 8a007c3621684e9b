"""Numbers in the window read the way people say them."""

import time

from desktop.ui.formatting import (
    count_phrase,
    format_ago,
    format_bytes,
    format_clock,
    format_duration,
    format_kbps,
    format_rate,
)


def test_sizes_and_rates_use_short_decimal_units():
    assert format_bytes(0) == "0 B"
    assert format_bytes(999) == "999 B"
    assert format_bytes(1_234_567) == "1.2 MB"
    assert format_bytes(350_000_000) == "350 MB"
    assert format_rate(1_200_000) == "1.2 MB/s"
    assert format_rate(None) == "—"
    assert format_kbps(850) == "850 KB/s"  # the engine reports KB/s


def test_durations_show_the_two_largest_units():
    assert format_duration(45) == "45s"
    assert format_duration(192) == "3m 12s"
    assert format_duration(7380) == "2h 03m"
    assert format_duration(200_000) == "2d 07h"
    assert format_duration(-3) == "0s"  # clock skew between snapshot and now


def test_when_a_playlist_or_guide_was_updated_reads_as_how_long_ago():
    assert format_ago(None, 1000.0) == "never"
    assert format_ago(1000.0 - 59, 1000.0) == "just now"
    assert format_ago(1000.0 - 192, 1000.0) == "3m 12s ago"


def test_clock_and_counts():
    moment = time.mktime((2026, 1, 2, 12, 4, 33, 0, 0, -1))
    assert format_clock(moment) == "12:04:33"
    assert count_phrase(1, "stream") == "1 stream"
    assert count_phrase(3, "player") == "3 players"
