"""The HTTP side: the aiohttp app, one routes_* module per concern, the access rules and the connection guard in front of them."""
