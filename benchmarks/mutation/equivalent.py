"""Surviving mutants judged equivalent: no input can tell them from the original (each with why).

They are listed in the score apart and not counted. Keys are mutmut's mutant names (function
bodies) or the AST mutator's ids (tables), as the script prints them.
"""

from __future__ import annotations

#: mutmut mutant name -> why it cannot change behaviour.
BODIES: dict[str, str] = {}

#: module path -> {table mutant id -> why it cannot change behaviour}.
TABLES: dict[str, dict[str, str]] = {}
