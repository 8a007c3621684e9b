"""The AceStream engine as the proxy speaks to it.

The HTTP client, which player parameters may reach it, and how an engine AceTray runs is planned and owned.
"""
