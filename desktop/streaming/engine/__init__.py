"""The AceStream engine as the proxy speaks to it: the HTTP client, which player parameters may reach it, how an engine AceTray runs is planned and owned."""
