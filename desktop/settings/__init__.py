"""User settings: declared once in `schema` (with the rules of `rules`), stored as JSON by `store`."""

from desktop.settings.rules import TOKEN_BYTES, engine_url_problem, token_weakness
from desktop.settings.schema import (
    ENGINE_MODES,
    ENGINE_STARTS,
    GROUPS,
    LINK_ACTIONS,
    Settings,
    default_of,
    spec_of,
    specs,
)
from desktop.settings.spec import Spec
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
