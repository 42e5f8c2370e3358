"""ESC Fleet collector: ingests agents' messages, keeps the fleet state, exports it."""

__version__ = "0.1.0"
