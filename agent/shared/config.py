"""Configuration files: TOML read once, converted into frozen msgspec structs, errors in one line.

Every configuration of the project (agent, lockdown policy, collector, ``sites.toml``) goes through
:func:`load_toml`. A problem gives one line naming the file, the key (with the ``id`` of the table
it sits in when there is one), the line of the file and the problem::

    agent.toml:14: printers[1] (id "sharp-etage"): unknown key 'comunity'

Structs validate their own invariants in ``__post_init__`` (raise ``ValueError``); msgspec reports
those with the path of the struct, like any other error.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

__all__ = ["ConfigError", "Section", "convert", "describe", "load_toml", "locate_line"]


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file, key and problem."""


class Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every configuration table: frozen, unknown keys refused, keyword-only."""


def _dec_hook(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    msg = f"Expected `{getattr(kind, '__name__', kind)}`, got `{type(value).__name__}`"
    raise msgspec.ValidationError(msg)


def _enc_hook(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    msg = f"cannot encode {type(value).__name__}"
    raise NotImplementedError(msg)


_PATH_RE = re.compile(r"^(?P<problem>.*?)(?: - at `(?P<path>[^`]*)`(?: in `(?P<outer>[^`]*)`)?)?$", re.S)
_STEP_RE = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\"?([^\]\"]*)\"?\]")
_UNKNOWN_RE = re.compile(r"^Object contains unknown field `(?P<key>[^`]*)`$")


def _steps(path: str) -> list[str | int]:
    """Return the keys of a msgspec path such as ``$.printers[1].community``."""
    steps: list[str | int] = []
    for match in _STEP_RE.finditer(path.removeprefix("$")):
        name, index, quoted = match.groups()
        if name is not None:
            steps.append(name)
        elif index is not None:
            steps.append(int(index))
        else:
            steps.append(quoted)
    return steps


def one_line(text: str) -> str:
    r"""Return ``text`` on one line: a line break that a key or a value carried is shown as ``\n``."""
    return "\\n".join(text.splitlines())


def _render_steps(steps: list[str | int], data: Any) -> str:
    """Return ``printers[1] (id "sharp-etage").community`` from the steps and the raw data."""
    parts: list[str] = []
    node = data
    for step in steps:
        if isinstance(step, int):
            parts.append(f"[{step}]")
            node = node[step] if isinstance(node, list) and step < len(node) else None
            ident = node.get("id") if isinstance(node, dict) else None
            if isinstance(ident, str):
                parts.append(f' (id "{ident}")')
        else:
            parts.append(("." if parts else "") + step)
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts)


def locate_line(text: str, steps: list[str | int]) -> int | None:
    """Return the 1-based line of ``text`` where the key path ``steps`` is written, if found.

    TOML has no positions after parsing, so the path is followed through the text: table
    headers (``[a.b]``, ``[[printers]]``, counted for array indexes) and then the key itself.
    """
    lines = text.splitlines()
    keys = [s for s in steps if isinstance(s, str)]
    if not keys:
        return None
    best: int | None = None
    # Find the deepest table header that is a prefix of the path, honouring array indexes.
    header_re = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
    counts: dict[str, int] = {}
    start = 0
    for number, line in enumerate(lines):
        match = header_re.match(line)
        if not match:
            continue
        name = ".".join(p.strip().strip('"') for p in match.group(2).split("."))
        if match.group(1) == "[[":
            counts[name] = counts.get(name, -1) + 1
        if _header_matches(name, counts.get(name), steps, is_array=match.group(1) == "[["):
            best, start = number + 1, number + 1
    last = keys[-1]
    key_re = re.compile(rf'^\s*"?{re.escape(last)}"?\s*=')
    for number in range(start, len(lines)):
        if number > start and header_re.match(lines[number]):
            break
        if key_re.match(lines[number]):
            return number + 1
    # The key may sit in an inline table or a dotted key further up: search the whole text.
    anywhere = re.compile(rf"(?:^|[\s{{,.]){re.escape(last)}\s*=")
    for number, line in enumerate(lines):
        if anywhere.search(line):
            return number + 1
    return best


def _header_matches(name: str, array_index: int | None, steps: list[str | int], *, is_array: bool) -> bool:
    parts = name.split(".")
    position = 0
    for part in parts:
        if position >= len(steps) or steps[position] != part:
            return False
        position += 1
    if is_array:
        return position < len(steps) and steps[position] == array_index
    return True


def _lower_first(text: str) -> str:
    """Lower the first letter of a sentence, not of an acronym ("SNMP v3 needs ...")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


_MISSING_RE = re.compile(r"^Object missing required field `(?P<key>[^`]*)`$")
_FIELD_FIRST = re.compile(r"^(?P<field>[a-z_][a-z0-9_]*): (?P<rest>.+)$", re.S)


def describe(
    err: msgspec.ValidationError, data: Any = None, text: str | None = None
) -> tuple[str, int | None]:
    """Return ``(one-line description, line number)`` of a validation error.

    ``agent.colour: unknown key``, ``agent.id: required key missing``,
    ``printers[1] (id "sharp-etage").port: expected int <= 65535``. A struct's own check
    (``__post_init__``) may start its message with a field name (``"url: must start with
    mqtt://"``) to be reported against that field.
    """
    match = _PATH_RE.match(str(err))
    assert match is not None  # the pattern matches any text
    problem, path, outer = match.group("problem"), match.group("path"), match.group("outer")
    if path == "key" and outer:  # a dict key: "Invalid enum value 'x' - at `key` in `$.services`"
        steps = _steps(outer)
        bad_key = re.search(r"'([^']*)'", problem)
        if bad_key:
            steps = [*steps, bad_key.group(1)]
        problem = f"not a valid key here ({_lower_first(problem)})"
    else:
        steps = _steps(path or "$")
    unknown, missing = _UNKNOWN_RE.match(problem), _MISSING_RE.match(problem)
    field_first = _FIELD_FIRST.match(problem)
    if unknown:
        steps, problem = [*steps, unknown.group("key")], "unknown key"
    elif missing:
        steps, problem = [*steps, missing.group("key")], "required key missing"
    elif field_first and field_first.group("field") != "key":
        steps, problem = [*steps, field_first.group("field")], field_first.group("rest")
    else:
        problem = _lower_first(problem) if problem else "invalid value"
    where = _render_steps(steps, data) or "(top level)"
    line = locate_line(text, steps) if text else None
    return one_line(f"{where}: {problem.replace('`', '')}"), line


def _name_dict_keys(err: msgspec.ValidationError, data: Any, kind: type[Any]) -> str:
    """Replace the ``[...]`` msgspec writes for dict keys in an error path by the offending keys.

    msgspec does not say which key of a table failed; the key is found by converting copies of
    the data that keep one key of that table at a time (only ever on the error path).
    """
    text = str(err)
    for _ in range(8):  # one table level per round
        match = _PATH_RE.match(text)
        if match is None:
            return text
        path = match.group("outer") if match.group("path") == "key" else match.group("path")
        if not path or "[...]" not in path:
            return text
        named = _first_key(text, path, data, kind)
        if named is None:
            return text
        text = text.replace(f"`{path}`", f"`{named}`")
    return text


def _first_key(text: str, path: str, data: Any, kind: type[Any]) -> str | None:
    head = path.partition("[...]")[0]
    steps = _steps(head)
    node: Any = data
    for step in steps:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            node = None
    if not isinstance(node, dict):
        return None
    for key in node:
        try:
            msgspec.convert(_keep_only(data, steps, key), kind, dec_hook=_dec_hook)
        except msgspec.ValidationError as other:
            if _same_error(str(other), text):
                return path.replace(f"{head}[...]", f"{head}.{key}", 1)
    return None


def _same_error(other: str, text: str) -> bool:
    """Return whether two errors state the same problem (their paths may be spelled differently)."""
    return other.split(" - at ", maxsplit=1)[0] == text.split(" - at ", maxsplit=1)[0]


def _keep_only(data: Any, steps: list[str | int], key: str) -> Any:
    if not steps:
        return {key: data[key]}
    head, rest = steps[0], steps[1:]
    if isinstance(data, dict):
        return {**data, head: _keep_only(data[head], rest, key)}
    copy = list(data)
    copy[int(head)] = _keep_only(data[int(head)], rest, key)
    return copy


def convert(data: Any, kind: type[T], *, source: str = "configuration", text: str | None = None) -> T:
    """Convert parsed TOML into ``kind``.

    Raises:
        ConfigError: ``source[:line]: key path: problem``.
    """
    try:
        return msgspec.convert(data, kind, dec_hook=_dec_hook)
    except msgspec.ValidationError as err:
        named = msgspec.ValidationError(_name_dict_keys(err, data, kind))
        message, line = describe(named, data, text)
        where = f"{source}:{line}" if line else source
        raise ConfigError(f"{where}: {message}") from None


def load_toml(path: Path, kind: type[T], *, check: Callable[[T], None] | None = None) -> T:
    """Read a TOML file into ``kind``, then run ``check`` (cross-table rules) on it.

    Raises:
        ConfigError: naming the file, the line, the key and the problem, for every kind of problem.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path}: file not found"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as err:
        msg = f"{path}: cannot read: {getattr(err, 'strerror', None) or err}"
        raise ConfigError(msg) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML: {err}"
        raise ConfigError(msg) from None
    config = convert(data, kind, source=str(path), text=text)
    if check is not None:
        try:
            check(config)
        except ValueError as err:
            raise ConfigError(one_line(f"{path}: {err}")) from None
    return config


def to_builtins(value: Any) -> Any:
    """Return a configuration struct as plain data (for ``--json`` outputs and copies)."""
    return msgspec.to_builtins(value, enc_hook=_enc_hook)
