"""The seam where Qt meets the streaming core (see `core_host`; `placement`: where the core's loop runs)."""

from desktop.app.core_host import (
    CoreHost,
    QasyncCoreHost,
    ThreadCoreHost,
    make_core_host,
)
from desktop.app.placement import CorePlacement, placement_from_env

__all__ = ["CoreHost", "CorePlacement", "QasyncCoreHost", "ThreadCoreHost", "make_core_host", "placement_from_env"]
