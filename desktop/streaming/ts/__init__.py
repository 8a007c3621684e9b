"""MPEG-TS: packet alignment, PAT/keyframe/PCR scans, the stream clock, PSI tables.

A leaf: it imports nothing else of the core.
"""
