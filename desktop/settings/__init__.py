"""User settings: declared once in `schema`, stored as JSON by `store`."""

from desktop.settings.schema import (
    ENGINE_MODES,
    ENGINE_STARTS,
    GROUPS,
    LINK_ACTIONS,
    TOKEN_BYTES,
    Settings,
    Spec,
    default_of,
    engine_url_problem,
    spec_of,
    specs,
    token_weakness,
)
from desktop.settings.store import LoadResult, load, save

__all__ = [
    "ENGINE_MODES",
    "ENGINE_STARTS",
    "GROUPS",
    "LINK_ACTIONS",
    "TOKEN_BYTES",
    "LoadResult",
    "Settings",
    "Spec",
    "default_of",
    "engine_url_problem",
    "load",
    "save",
    "spec_of",
    "specs",
    "token_weakness",
]
