"""The command-line shell both programs share: every error in one line, the exit codes kept.

Typer prints its own usage errors (a missing option, an unknown command, a value out of range)
in a five-line box, while every error of ours is one line. :func:`run_app` runs a Typer
application so that those errors read like ours::

    esc-collector: error: Missing option '--to' (see: esc-collector report --help)

Exit codes: what the command asked for (``typer.Exit``); 2 for usage errors, as before;
130 on Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

__all__ = ["run_app"]


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip()).removesuffix(".")


def run_app(app: typer.Typer, prog: str, args: Sequence[str] | None = None) -> int:
    """Run ``app`` as the program ``prog`` and return its exit code; usage errors take one line."""
    try:
        result = app(args=list(args) if args is not None else None, prog_name=prog, standalone_mode=False)
    except typer.Abort:
        typer.echo(f"{prog}: aborted", err=True)
        return 1
    except typer.TyperException as err:  # the click exceptions typer vendors (UsageError, ...)
        if type(err).__name__ == "NoArgsIsHelpError":
            # A group called without a command: building the error printed its help already
            # (typer recognises this class by name too, without importing it).
            return err.exit_code
        command_path = getattr(getattr(err, "ctx", None), "command_path", None)
        hint = f" (see: {command_path} --help)" if command_path else ""
        typer.echo(f"{prog}: error: {_one_line(err.format_message())}{hint}", err=True)
        return err.exit_code
    return result if isinstance(result, int) else 0
