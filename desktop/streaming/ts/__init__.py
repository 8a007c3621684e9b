"""MPEG-TS: packet alignment, PAT/keyframe/PCR scans, the stream clock, PSI tables. A leaf: imports nothing of the core."""
