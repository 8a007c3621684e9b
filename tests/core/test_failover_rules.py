"""Failover's rules on a fake clock: where a channel goes when a source fails, and where TS resumes."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.streaming.ids import ChannelKey
from desktop.streaming.snapshot import EngineStats
from desktop.streaming.sources.dead_watch import DeadWatch
from desktop.streaming.sources.failover import BACKOFF_FIRST, FORGIVEN_AFTER, Rotation
from desktop.streaming.sources.health import SourceHealth
from desktop.streaming.sources.lineup import ChannelSources
from desktop.streaming.sources.splice import MAX_HELD, PAT_WAIT, FrameTail, SpliceGate
from tests.fake_engine import PACKET, make_ts_source

KEYS = tuple(ChannelKey("id", f"{n:040x}") for n in range(1, 5))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Health:
    """A stand-in health store: what was reported, and what is dead."""

    dead: set[ChannelKey] = field(default_factory=set)
    reports: list[tuple[int, str, str | None]] = field(default_factory=list)

    def get(self, key: ChannelKey) -> SourceHealth:
        return SourceHealth("dead") if key in self.dead else SourceHealth()

    def report(self, source_key, state, reason, peers=None, speed_kbps=None) -> None:  # type: ignore[no-untyped-def]
        self.reports.append((KEYS.index(source_key) + 1, state, reason))
        (self.dead.add if state == "dead" else self.dead.discard)(source_key)


def rotation(count: int = 3, dead: set[ChannelKey] | None = None) -> tuple[Rotation, Clock, Health]:
    clock, health = Clock(), Health(dead=set(dead or ()))
    lineup = ChannelSources(KEYS[0], "Sport 1", KEYS[:count])
    return Rotation(lineup, health, clock), clock, health


def test_a_channel_starts_from_its_first_source_not_known_dead() -> None:
    assert rotation(dead={KEYS[0]})[0].position == 2
    assert rotation(dead={KEYS[0], KEYS[1]})[0].position == 3
    assert rotation(dead=set(KEYS[:3]))[0].position == 1  # all dead: the first is tried anyway


def test_a_failed_source_moves_the_channel_to_the_next_at_once_and_is_reported_dead() -> None:
    rot, _clock, health = rotation()
    rot.flowing()
    assert rot.fail("no data for 10 s") == 0.0
    switch = rot.advance()
    assert switch is not None and switch.sentence() == "Sport 1 switched to source 2 of 3 (source 1: no data for 10 s)"
    assert (rot.position, rot.switches) == (2, 1)
    assert health.reports == [(1, "alive", None), (1, "dead", "no data for 10 s")]


def test_the_engines_words_are_the_reason_without_their_prefix() -> None:
    rot, _clock, _health = rotation()
    rot.fail("AceStream engine error: failed to load content")
    switch = rot.advance()
    assert switch is not None and switch.reason == "failed to load content"


def test_no_flapping_a_source_that_failed_waits_out_its_backoff_before_it_is_tried_again() -> None:
    rot, clock, health = rotation()
    rot.fail("no data for 10 s")  # 1 → 2
    rot.advance()
    rot.flowing()
    health.dead.clear()  # say the link check found source 1 alive meanwhile: its backoff still holds
    clock.now += BACKOFF_FIRST / 2
    assert rot.fail("no data for 10 s") == 0.0  # 2 fails: on to 3, not back to 1
    rot.advance()
    assert rot.position == 3
    pause = rot.fail("no data for 10 s")  # 3 fails too: every source has failed
    assert rot.exhausted_since == clock.now
    assert pause == BACKOFF_FIRST / 2  # round again from the first, once its backoff is over
    rot.advance()
    assert rot.position == 1


def test_every_source_failed_the_channel_goes_round_again_from_the_first_pausing_longer_each_time() -> None:
    rot, clock, _health = rotation()
    pauses = []
    for _ in range(7):
        pauses.append(rot.fail("failed to load content"))
        clock.now += pauses[-1]  # the reader waits the pause, then tries the next
        rot.advance()
        clock.now += 0.01  # the try
    # 1 → 2 → 3 at once; then round again from the first, each try after a pause that grows
    # (0.5 s doubling, as reconnects) or, when longer, once that source's own backoff is over.
    assert [round(p, 2) for p in pauses] == [0.0, 0.0, 4.98, 1.0, 2.0, 6.98, 5.0]
    assert rot.position == 2
    assert rot.why_none_played() == (
        "None of the 3 sources of Sport 1 played (source 1: failed to load content; "
        "source 2: failed to load content; source 3: failed to load content)"
    )
    rot.flowing()  # one plays again: the next failure moves on at once
    assert rot.exhausted_since is None


def test_a_source_that_played_a_while_is_forgiven_its_backoff() -> None:
    rot, clock, _health = rotation(count=2)
    for _ in range(6):  # both fail again and again: their backoffs grow
        clock.now += rot.fail("no data for 10 s")
        rot.advance()
    assert rot.position == 1
    rot.flowing()
    clock.now += FORGIVEN_AFTER  # source 1 plays a minute, then fails: tried again after the first backoff
    assert rot.fail("no data for 10 s") == BACKOFF_FIRST


def test_ts_resumes_at_the_new_sources_first_pat_and_drops_what_came_before() -> None:
    source = make_ts_source()
    gate = SpliceGate()
    assert gate.feed(source[10 * PACKET : 30 * PACKET], 0.0) == b""  # no PAT yet: held
    out = gate.feed(source[30 * PACKET : 70 * PACKET], 0.1)
    assert out == source[64 * PACKET : 70 * PACKET] and gate.open
    assert gate.feed(source[70 * PACKET : 80 * PACKET], 0.2) == source[70 * PACKET : 80 * PACKET]


def test_without_a_pat_within_a_second_of_data_it_resumes_at_the_packet_boundary() -> None:
    source = make_ts_source()
    gate = SpliceGate()
    assert gate.feed(source[10 * PACKET : 20 * PACKET], 5.0) == b""
    assert gate.feed(source[20 * PACKET : 30 * PACKET], 5.0 + PAT_WAIT / 2) == b""
    assert gate.feed(source[30 * PACKET : 40 * PACKET], 5.0 + PAT_WAIT) == source[10 * PACKET : 40 * PACKET]
    assert gate.open


def test_the_gate_holds_at_most_a_few_megabytes() -> None:
    packets = (make_ts_source()[PACKET : 64 * PACKET]) * (MAX_HELD // (63 * PACKET) + 1)  # never a PAT
    gate = SpliceGate()
    out = gate.feed(packets, 0.0)
    assert out == packets and gate.open


def stats(peers: int | None, speed: int | None) -> EngineStats:
    return EngineStats(status="prebuf", peers=peers, speed_down_kbps=speed, speed_up_kbps=0, downloaded=0)


def test_the_engine_calls_a_source_dead_after_no_peers_and_no_speed_for_the_stall_timeout_without_data() -> None:
    watch = DeadWatch()
    assert watch.seen(stats(0, 0), now=10.0, last_data=0.0, stall_timeout=5.0) is None
    assert watch.seen(stats(0, 0), now=14.0, last_data=0.0, stall_timeout=5.0) is None
    assert watch.seen(stats(0, 0), now=15.0, last_data=0.0, stall_timeout=5.0) == "no peers for 5 s"
    watch.reset()
    assert watch.seen(stats(0, 0), now=20.0, last_data=0.0, stall_timeout=5.0) is None
    assert watch.seen(stats(3, 0), now=26.0, last_data=0.0, stall_timeout=5.0) is None  # peers again
    assert watch.seen(stats(None, None), now=40.0, last_data=0.0, stall_timeout=5.0) is None  # figures not given
    assert watch.seen(stats(0, 0), now=50.0, last_data=48.0, stall_timeout=1.0) is None  # data came meanwhile
    assert watch.stat_error("AceStream engine stat error: got error") == "the engine's stat says: got error"


def test_the_frame_still_arriving_is_held_back_and_a_switch_drops_it() -> None:
    source = make_ts_source()  # a video PES opens at packet 2 of every 64
    tail = FrameTail()
    assert tail.feed(source[: 40 * PACKET]) == source[: 2 * PACKET]  # the frame from packet 2 may go on
    assert tail.feed(source[40 * PACKET : 70 * PACKET]) == source[2 * PACKET : 66 * PACKET]  # packet 66 opens one
    tail.drop()  # the source switched away: packets 66 to 69 never reach a player
    assert tail.feed(source[128 * PACKET : 140 * PACKET]) == source[128 * PACKET : 130 * PACKET]


def test_a_stream_without_pictures_is_not_held_back() -> None:
    audio_only = make_ts_source()[3 * PACKET : 63 * PACKET]  # video packets that open nothing
    assert FrameTail().feed(audio_only) == audio_only
