"""Helpers both ends run: configuration files and the broker connection.

The collector may import :mod:`agent.contract` (the wire contract and its vocabulary) and this
package, nothing else from ``agent`` (see ``docs/architecture.md``).
"""
