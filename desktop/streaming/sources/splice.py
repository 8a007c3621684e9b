"""How a channel's MPEG-TS goes on when it switches sources: a whole last frame, then the new source's PAT.

Players keep their one connection across a switch. The new source's bytes are
another stream (other tables, clocks, perhaps other PIDs); a decoder resyncs
soonest when what follows the old source's last packet begins with a PAT. So
the new source's data is held until its first PAT and passed on from there
(`SpliceGate`), as long as one comes within `PAT_WAIT` seconds of its data; if
none does, what was held goes out from its first packet (the reader hands
packet-aligned chunks, so a player's bytes stay 188-aligned either way).

And the old source must not end in half a picture: a source stops anywhere,
and a decoder handed the start of a frame and then another stream reports
errors (ffmpeg: "error while decoding MB"). So a channel of several sources
holds back the video frame still arriving (`FrameTail`: from the last video
PES start of what came) until the next one starts, and a switch drops it.
That costs its players at most one frame's time, and a copy of each chunk.
Each holds at most `MAX_HELD` bytes: past that, what it holds goes on as is.
"""

from __future__ import annotations

from desktop.streaming.ts.packets import find_pats
from desktop.streaming.ts.scan import last_video_start

PAT_WAIT = 1.0  # s of the new source's data within which its first PAT is waited for
MAX_HELD = 4 * 1024 * 1024  # bytes, at most (a fast source's second)


class FrameTail:
    """Holds back the video frame still arriving; `drop` forgets it (the source it came from is gone)."""

    def __init__(self) -> None:
        self._held = b""  # from a video PES start on: that frame's packets (and any interleaved) so far

    def feed(self, chunk: bytes) -> bytes:
        """What may go to players now: everything up to the last video frame's start."""
        held = self._held
        data = held + chunk if held else chunk
        cut = last_video_start(data)
        if cut == -1 and not held:
            return data  # no frame starts here (audio only, or before the first picture): nothing to protect
        if cut == -1:
            cut = 0  # the frame held goes on
        if len(data) - cut > MAX_HELD:
            self._held = b""
            return data
        self._held = data[cut:]
        return data[:cut]

    def drop(self) -> None:
        self._held = b""


class SpliceGate:
    """Holds one switch's first chunks until a PAT (or the wait runs out); then passes everything on."""

    def __init__(self) -> None:
        self._since: float | None = None  # loop time of the new source's first chunk
        self._held: list[bytes] = []
        self._held_bytes = 0
        self.open = False  # passing everything on from now

    def feed(self, chunk: bytes, now: float) -> bytes:
        """What to pass on of `chunk` (and of what was held): b"" while holding."""
        if self.open:
            return chunk
        pats = find_pats(chunk)
        if pats:
            self._release()
            return chunk[pats[0] :]  # whatever was held before it: not needed, the tables follow
        if self._since is None:
            self._since = now
        self._held.append(chunk)
        self._held_bytes += len(chunk)
        if now - self._since >= PAT_WAIT or self._held_bytes >= MAX_HELD:
            return b"".join(self._release())
        return b""

    def _release(self) -> list[bytes]:
        held, self._held, self._held_bytes = self._held, [], 0
        self.open = True
        return held
