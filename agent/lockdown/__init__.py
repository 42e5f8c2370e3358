"""Kiosk lockdown integrity: a declared policy, checks on Linux and Windows, baseline and drift."""
