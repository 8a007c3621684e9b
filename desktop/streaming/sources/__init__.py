"""Sources: one AceStream id each (a `ChannelKey`), and what is known of its health.

health       SourceHealth, HealthMap (frozen), HealthStore: `report(source_key, state, reason, peers, speed_kbps)`
health_file  HealthFile: health.json in the config folder
view         CheckProgress, SourcesView: what the window is told
"""

from desktop.streaming.sources.health import (
    STATES,
    UNKNOWN,
    HealthMap,
    HealthStore,
    SourceHealth,
    State,
    iso_time,
)
from desktop.streaming.sources.health_file import HealthFile
from desktop.streaming.sources.view import CheckProgress, SourcesView

__all__ = [
    "STATES",
    "UNKNOWN",
    "CheckProgress",
    "HealthFile",
    "HealthMap",
    "HealthStore",
    "SourceHealth",
    "SourcesView",
    "State",
    "iso_time",
]
