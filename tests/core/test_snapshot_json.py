"""`/api/streams` JSON: the full picture of every stream and player, as plain data."""

import dataclasses
import json

from desktop.streaming.engine_host.state import EngineSnapshot, EngineState
from desktop.streaming.snapshot import ClientSnapshot, ProxySnapshot, StreamSnapshot


def picture(players: int, engine_host: EngineSnapshot | None) -> ProxySnapshot:
    clients = tuple(
        ClientSnapshot(n, f"192.168.1.{n}:5000", "mpv", 1.5, 1000 * n, 2.5, n % 3, "playing") for n in range(players)
    )
    stream = StreamSnapshot(
        content_id="ab" * 20,
        kind="id",
        name="News",
        state="playing",
        engine_status="dl",
        peers=4,
        speed_down_kbps=900,
        speed_up_kbps=10,
        bytes_in=10,
        bytes_out=20,
        started_at=3.0,
        reconnects=1,
        last_error=None,
        clients=clients,
        group="TV",
    )
    return ProxySnapshot(
        running=True,
        listen_url="http://127.0.0.1:6878",
        engine_url="http://127.0.0.1:6878",
        engine_reachable=True,
        engine_version="3.2.3",
        streams=(stream, stream),
        taken_at=9.0,
        engine_host=engine_host,
    )


def test_json_holds_every_field_of_every_stream_and_player() -> None:
    host = EngineSnapshot(state=EngineState.RUNNING, port=6878, label="acestreamengine", owned=True, pid=42)
    for snap in (picture(50, host), picture(0, None)):
        # The reference shape is dataclasses.asdict's: the API's readers rely on it.
        assert json.loads(json.dumps(snap.to_json())) == json.loads(json.dumps(dataclasses.asdict(snap)))


def test_json_is_a_copy_that_later_changes_do_not_touch() -> None:
    snap = picture(2, None)
    plain = snap.to_json()
    plain["streams"][0]["clients"][0]["state"] = "changed"
    plain["running"] = False
    assert snap.streams[0].clients[0].state == "playing" and snap.running
