"""How the core runs in time (leaves: they import nothing of the core).

loops       the core's event loop: uvloop when installed, else asyncio's own
clocks      Clock: what time it is and waiting for a time, one object tests can move on
background  the doubling wait between retries, and cancelling a task and waiting for it
"""
