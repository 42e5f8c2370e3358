"""The command-line shell both programs share: every error in one line, the exit codes kept.

Typer prints its own usage errors (a missing option, an unknown command, a value out of range)
in a five-line box, while every error of ours is one line. :func:`run_app` runs a Typer
application so that those errors read like ours::

    esc-collector: error: Missing option '--to' (see: esc-collector report --help)

Exit codes: what the command asked for (``typer.Exit``); 2 for usage errors, as before;
130 on Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from agent.shared.salvage import SalvageReport

__all__ = ["fail", "new_app", "recover", "run_app"]


def new_app(name: str, help: str) -> typer.Typer:
    """Return a program's Typer application: its help when called bare, no completion, plain tracebacks."""
    return typer.Typer(
        name=name, help=help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )


def fail(prog: str, message: str, code: int) -> NoReturn:
    """Print ``<prog>: error: <message>`` on stderr and exit with ``code``."""
    typer.echo(f"{prog}: error: {message}", err=True)
    raise typer.Exit(code)


def recover(prog: str, name: str, path: Path, salvage: Callable[[Path], SalvageReport]) -> None:
    """Save what can be read of the damaged ``name`` at ``path`` with ``salvage``; print the summary, or exit 1."""
    try:
        report = salvage(path)
    except FileNotFoundError:
        fail(prog, f"no {name} at {path}", 1)
    except (RuntimeError, OSError) as err:
        fail(prog, f"cannot recover {path}: {err}", 1)
    typer.echo(report.summary())


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
