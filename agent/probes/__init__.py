"""The internet link and the administrative sites, probed by the agent itself (gateway, DNS, HTTPS)."""
