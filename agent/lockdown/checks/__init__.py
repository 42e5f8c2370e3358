"""The lockdown checks, one plug-in module per policy table (Telegraf's ``plugins/inputs/all``).

A module ``checks/<table>.py`` holds the frozen struct of the policy table ``[<table>]``, with
its defaults, and the check(s) reading it, each declared with
:func:`agent.lockdown.registry.register`. Every module of this package is imported here, in
name order, so a new module is picked up without a list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
    importlib.import_module(f"{__name__}.{_module.name}")
