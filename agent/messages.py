"""Transitional re-export of :mod:`agent.contract.messages` (removed once every caller moved)."""

from agent.contract.messages import *  # noqa: F403
from agent.contract.messages import LockdownBody, LockdownCheck  # noqa: F401
from agent.shared.config import ConfigError, load_toml  # noqa: F401
