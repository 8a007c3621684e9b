"""The streaming proxy core: asyncio + aiohttp only, never Qt.

Everything here runs on whatever asyncio loop it is given (plain asyncio,
uvloop, or qasync) and is tested without Qt.
"""
