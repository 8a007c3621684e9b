"""The Qt side of AceTray: tray, window, table models, dialogs, OS glue.

Nothing here opens a socket; it reads the core's snapshots and calls the
service through `desktop.app.CoreHost`.
"""
