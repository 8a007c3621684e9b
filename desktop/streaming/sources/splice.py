"""Where a channel's MPEG-TS goes on after it switched sources: at the new source's first PAT.

Players keep their one connection across a switch. The new source's bytes are
another stream (other tables, clocks, perhaps other PIDs); a decoder resyncs
soonest when what follows the old source's last packet begins with a PAT. So
the new source's data is held until its first PAT and passed on from there,
as long as one comes within `PAT_WAIT` seconds of its data; if none does, what
was held goes out from its first packet (the reader hands packet-aligned
chunks, so a player's bytes stay 188-aligned either way). At most `MAX_HELD`
bytes are held: a source that sends that much without a PAT is passed on too.
"""

from __future__ import annotations

from desktop.streaming.ts.packets import find_pats

PAT_WAIT = 1.0  # s of the new source's data within which its first PAT is waited for
MAX_HELD = 4 * 1024 * 1024  # bytes, at most (a fast source's second)


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
