"""AceTray: a tray app and streaming proxy in front of the AceStream engine."""

__version__ = "0.1.0"
