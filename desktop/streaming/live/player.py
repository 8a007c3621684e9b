"""What a player is to the live side, in words routes and streams share.

Routes make a `ClientInfo` for each request and turn a `StreamEnded` into an
HTTP answer; streams, the fan-out and the registry raise it. Neither owns
the other's module, so these two live here, below both.
"""

from __future__ import annotations

from dataclasses import dataclass


class StreamEnded(Exception):
    """The stream ended for this player; `status`/`message` say why (for an HTTP answer)."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ClientInfo:
    address: str
    user_agent: str
    connected_at: float  # unix time
