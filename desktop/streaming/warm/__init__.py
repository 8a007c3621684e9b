"""Warm zapping: the first N favourites kept open in the engine without players (`keeper.WarmKeeper`)."""

from desktop.streaming.warm.keeper import WarmKeeper

__all__ = ["WarmKeeper"]
