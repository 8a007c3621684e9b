"""AceTray's one TV guide, `/epg.xml` (Qt-free): the sources' guides matched to AceTray's channels.

fetch       where guides come from (playlists' url-tvg: web only; the person's: web or files), downloads
parse       XMLTV as a stream (plain or gzip): no entities, no network, a size cap; programmes kept valid
store       each guide's last good copy, parsed, in SQLite: offline, at start, a channel at a time
match       which guide channel is which channel: a pick, then tvg-id, then the name (rapidfuzz)
xmltv_time  XMLTV times in and out
numbers     a channel's number as the guide shows it (one function, to point at the channels' numbering)
entries     the channels as the guide lists them; render writes the guide (placeholders included)
output      the written files, written again only when something changed
saved       guide.json: the guides the person added and the matches they picked
state       GuideSource, GuideView: frozen values for the window
host        GuideHost: all of it inside a running core
"""
