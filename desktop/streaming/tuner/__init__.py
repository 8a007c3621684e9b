"""AceTray as an HDHomeRun-compatible network tuner, for Plex, Jellyfin, Emby, Channels DVR and Kodi.

identity   the tuner's DeviceID (a valid HDHomeRun checksum) and DeviceAuth, kept in the config folder
device     what the HTTP side answers: discover.json, the lineup, lineup_status.json, device.xml
packets    SiliconDust's UDP discovery packets: read (never trusting them) and written
discovery  the UDP listener on port 65001: answers discover requests, changes nothing
host       TunerHost: the identity and the listener inside a running core (started, applied, stopped)

The HTTP routes are in `http/routes_tuner.py`; who may use them without the
token is `http/tuner_access.py`.
"""
