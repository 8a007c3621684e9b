"""The link check: sources probed through the engine, gently, their verdicts kept in `sources.HealthStore`.

pace     SlidingWindow: at most N probe starts in any 60 s, on the core's `clocks.Clock` (tests drive it)
probe    probe(): one source's verdict; its engine session always stopped
checker  LinkChecker: the queue, the limits, giving way to people's channels
host     SourcesHost: health + checker + the favourites' schedule, for the service
"""

from desktop.streaming.probes.checker import CheckUnavailable, LinkChecker
from desktop.streaming.probes.host import SourcesHost
from desktop.streaming.probes.pace import SlidingWindow
from desktop.streaming.probes.probe import EngineGone, Verdict, probe
from desktop.streaming.sources.view import SourcesView  # what SourcesHost tells the window

__all__ = [
    "CheckUnavailable",
    "EngineGone",
    "LinkChecker",
    "SlidingWindow",
    "SourcesHost",
    "SourcesView",
    "Verdict",
    "probe",
]
