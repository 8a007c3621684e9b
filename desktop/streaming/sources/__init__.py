"""Sources: one AceStream id each (a `ChannelKey`); a channel has one or more, and each has a health.

health       SourceHealth, HealthMap (frozen), HealthStore: `report(source_key, state, reason, peers, speed_kbps)`
health_file  HealthFile: health.json in the config folder
view         CheckProgress, SourcesView: what the window is told
playable     which channels a device list offers when dead ones are hidden
lineup       ChannelSources: a channel as the live side opens it; lineup_of(catalog, key)
failover     Rotation: the source in use, where a channel goes when it fails; HealthBook
dead_watch   DeadWatch: the engine's stat calling the source in use dead
splice       SpliceGate, FrameTail: how TS goes on across a switch

How playlist entries become channels of several sources, and a person's choices about it, is the
channels' own work (`channels.grouping`, `channels.source_choices`): this package stands above it.
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
