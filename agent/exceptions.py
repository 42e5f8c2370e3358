"""Errors of the agent package."""


class AgentError(Exception):
    """Base class of the agent's own errors."""


class BrokerError(AgentError):
    """The broker cannot be reached or refused us."""


class OutboxError(AgentError):
    """The durable outbox cannot be opened or written."""
