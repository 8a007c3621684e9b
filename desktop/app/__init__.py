"""The seam where Qt meets the streaming core (see `core_host`)."""

from desktop.app.core_host import (
    CoreHost,
    CorePlacement,
    QasyncCoreHost,
    ThreadCoreHost,
    make_core_host,
    placement_from_env,
)

__all__ = ["CoreHost", "CorePlacement", "QasyncCoreHost", "ThreadCoreHost", "make_core_host", "placement_from_env"]
