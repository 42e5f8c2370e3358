"""Entry point of ``esc-agent``: ``run`` and ``once`` start without the command-line library.

A PC runs ``esc-agent run`` for weeks, so what it loads stays loaded. Typer (with click, rich
and, since typer 0.2x, pydantic to coerce the options it parses) costs the agent about 11 MiB
of its ~39 MiB at rest. This module reads the few options of ``run`` and ``once`` itself
(``--config/-c PATH``, ``--broker URL``, ``--verbose/-v``, ``$ESC_AGENT_CONFIG``) and hands
every other command line — other commands, ``--help``, anything it does not recognise,
errors included — to :mod:`agent.cli` unchanged, so usage errors and help read exactly as
before. The work of both commands is :func:`agent.launch.run_command`, which :mod:`agent.cli` calls too.

Exit codes are :mod:`agent.cli`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from agent.launch import PROG, run_command

__all__ = ["main", "parse_fast"]

_FAST_COMMANDS = ("run", "once")
_VALUE_OPTIONS = {"--config": "config", "-c": "config", "--broker": "broker"}
_FLAGS = {"--verbose", "-v"}


def parse_fast(args: Sequence[str]) -> tuple[str, Path | None, str | None, bool] | None:
    """Return ``(command, config, broker, verbose)`` for a plain ``run``/``once`` line, else ``None``.

    ``None`` means "let the full command line handle it": another command, ``--help``, an
    option this parser does not know, a missing or empty value, a repeated option.
    """
    if not args or args[0] not in _FAST_COMMANDS:
        return None
    values: dict[str, str] = {}
    verbose = False
    rest = list(args[1:])
    while rest:
        token = rest.pop(0)
        if token in _FLAGS:
            verbose = True
            continue
        name, equals, inline = token.partition("=")
        if name not in _VALUE_OPTIONS or (equals and name == "-c"):
            return None
        if equals:
            value = inline
        elif rest and not rest[0].startswith("-"):
            value = rest.pop(0)
        else:
            return None
        key = _VALUE_OPTIONS[name]
        if not value or key in values:
            return None
        values[key] = value
    config = values.get("config")
    return args[0], Path(config) if config else None, values.get("broker"), verbose


def main(args: Sequence[str] | None = None) -> None:
    """Entry point of the ``esc-agent`` console script."""
    argv = list(sys.argv[1:] if args is None else args)
    fast = parse_fast(argv)
    if fast is None:
        from agent.cli import app  # noqa: PLC0415 - the full command line, typer and all
        from agent.shared.cli import run_app  # noqa: PLC0415

        sys.exit(run_app(app, PROG, argv))
    try:
        code = run_command(*fast)
    except KeyboardInterrupt:  # before the agent's own signal handlers: as the full command line says it
        print(f"\n{PROG}: aborted", file=sys.stderr)
        code = 1
    sys.exit(code)
