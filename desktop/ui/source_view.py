"""How the window and the tray speak of a channel's sources: which one plays, and a channel in trouble."""

from __future__ import annotations

from desktop.streaming.snapshot import StreamSnapshot

FAILING_STATES = ("reconnecting", "stalled", "failed")  # nothing reaches the players now
SOURCE_HEADER_TIP = (
    "Which of the channel's sources it plays from. A channel listed several times in the playlists "
    "has several; AceTray moves to the next when one fails, and the players stay."
)


def source_cell(stream: StreamSnapshot) -> str:
    """ "source 2 of 3"; "—" for a channel of one source."""
    return stream.source_phrase or "—"


def source_tip(stream: StreamSnapshot) -> str:
    if stream.sources <= 1:
        return "This channel has one source."
    kind = "Infohash" if stream.source_kind == "infohash" else "Content id"
    lines = [f"Plays from {stream.source_phrase}", f"{kind}: {stream.source_id}"]
    if stream.switches:
        lines.append(f"Switched sources {stream.switches} time{'s' if stream.switches != 1 else ''}")
    if stream.last_switch:
        lines.append(f"Last switch — {stream.last_switch}")
    return "\n".join(lines)


def trouble(stream: StreamSnapshot) -> str:
    """What a tooltip line adds for a channel that fails or plays from a backup ("" for one that plays well)."""
    if stream.state == "stalled":  # still on its source, which sends nothing for now
        return f" — stalled on {stream.source_phrase}" if stream.source_phrase else " — stalled"
    if stream.state in FAILING_STATES:
        why = f": {stream.last_error}" if stream.last_error else ""
        trying = f", trying {stream.source_phrase}" if stream.source_phrase else ""
        return f" — {stream.state}{why}{trying}"
    if stream.sources > 1 and stream.source_number > 1:
        return f" — on {stream.source_phrase}" + (f" ({stream.last_switch})" if stream.last_switch else "")
    return ""
