"""Coordinator reports: availability during opening hours, per month, with outages and causes."""
