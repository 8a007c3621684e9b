"""The HTTP side: the aiohttp app and one routes_* module per concern.

The access rules and the connection guard stand in front of every route.
"""
