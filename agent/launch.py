"""``esc-agent run`` and ``esc-agent once`` themselves, shared by both command lines (``agent.main``, ``agent.cli``).

Exit codes are :mod:`agent.cli`'s; every error is one line on stderr.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from agent import PROG

__all__ = ["PROG", "run_command"]


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def run_command(command: str, config: Path | None, broker: str | None, verbose: bool) -> int:
    """Run ``esc-agent run`` or ``esc-agent once``; return the exit code (errors in one line on stderr)."""
    from agent.config import ConfigError, load_agent_config  # noqa: PLC0415
    from agent.exceptions import AgentError  # noqa: PLC0415
    from agent.shared.salvage import EXIT_CORRUPT, CorruptDatabase  # noqa: PLC0415

    try:
        cfg = load_agent_config(config).with_broker(broker)
    except ConfigError as err:
        _error(str(err))
        return 2
    _setup_logging(verbose)
    try:
        if command == "run":
            from agent.runner import run_forever  # noqa: PLC0415

            run_forever(cfg)
            return 0
        from agent.runner import run_once  # noqa: PLC0415

        if not verbose:  # the one-line error below says what went wrong with the broker
            logging.getLogger("agent.publisher").setLevel(logging.CRITICAL)
        sent = run_once(cfg)
    except ConfigError as err:
        _error(str(err))
        return 2
    except CorruptDatabase as err:
        _error(str(err))
        return EXIT_CORRUPT
    except AgentError as err:
        _error(str(err))
        return 1
    print(f"published {sent} message(s) to {cfg.broker.address}")
    return 0
