"""The secretariat's status page: what needs doing now, and each service's availability."""
