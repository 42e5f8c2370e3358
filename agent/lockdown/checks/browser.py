r"""``[browser]``: the browsers' managed policies keep the kiosk on the declared sites.

Pure evaluation (:func:`evaluate`) of an effective policy dictionary, plus the readers of the
standard locations:

* Linux: Chromium ``/etc/chromium/policies/managed/*.json`` (and ``/etc/chromium-browser/…``),
  Google Chrome ``/etc/opt/chrome/policies/managed/*.json``, Edge ``/etc/opt/edge/…``; the
  files of one folder merge in name order. Firefox: the first of ``/etc/firefox/policies/
  policies.json`` and the ``distribution/policies.json`` of its install folders.
* Windows: ``HKLM\SOFTWARE\Policies\Chromium``, ``…\Google\Chrome``, ``…\Microsoft\Edge``
  (list policies are subkeys with values "1", "2"…) and ``…\Mozilla\Firefox\WebsiteFilter``.

URL filters, worked example: Chromium ``URLAllowlist = ["caf.fr", "https://www.ameli.fr/assure"]``
gives the hosts ``caf.fr`` and ``www.ameli.fr``, both under declared sites; ``URLBlocklist = ["*"]``
blocks everything else. Firefox ``WebsiteFilter = {"Block": ["<all_urls>"], "Exceptions":
["https://*.caf.fr/*"]}`` is the same policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec

from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.registry import register
from agent.shared.config import Section

Browser = Literal["chromium", "chrome", "edge", "firefox"]


class BrowserSection(Section, frozen=True):
    """The ``[browser]`` table: which browsers, which sites, which other policies."""

    browsers: Annotated[tuple[Browser, ...], msgspec.Meta(min_length=1)]
    allowed_sites: Annotated[tuple[str, ...], msgspec.Meta(min_length=1, max_length=200)]
    require_block_all: bool = True
    #: Other managed policies whose effective value must be exactly this (Chromium names).
    settings: dict[str, bool | int | str] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse URLs where domain names are expected; keep the names lowercase, without ``*.``."""
        for site in self.allowed_sites:
            if "/" in site or " " in site or not site.strip("*."):
                msg = f"allowed_sites: domain names such as 'caf.fr', got {site!r}"
                raise ValueError(msg)
        sites = tuple(s.lower().lstrip("*.") for s in self.allowed_sites)
        msgspec.structs.force_setattr(self, "allowed_sites", sites)


CHROMIUM_FOLDERS: dict[str, tuple[str, ...]] = {
    "chromium": ("/etc/chromium/policies/managed", "/etc/chromium-browser/policies/managed"),
    "chrome": ("/etc/opt/chrome/policies/managed",),
    "edge": ("/etc/opt/edge/policies/managed",),
}
FIREFOX_FILES = (
    "/etc/firefox/policies/policies.json",
    "/usr/lib/firefox/distribution/policies.json",
    "/usr/lib/firefox-esr/distribution/policies.json",
    "/usr/lib64/firefox/distribution/policies.json",
)
WINDOWS_KEYS = {
    "chromium": r"HKLM\SOFTWARE\Policies\Chromium",
    "chrome": r"HKLM\SOFTWARE\Policies\Google\Chrome",
    "edge": r"HKLM\SOFTWARE\Policies\Microsoft\Edge",
    "firefox": r"HKLM\SOFTWARE\Policies\Mozilla\Firefox",
}
BLOCK_ALL = frozenset({"*", "<all_urls>", "*://*/*", "*://*"})


def url_host(entry: str) -> str:
    """Return the host an URL-filter entry or match pattern is about ('' for none).

    >>> url_host("https://*.caf.fr/*")
    'caf.fr'
    >>> url_host(".impots.gouv.fr:443/particulier")
    'impots.gouv.fr'
    """
    text = entry.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    for sep in ("/", "@", "?"):
        text = text.split(sep, 1)[0]
    text = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return text.lstrip("*").lstrip(".")


def _allowed(host: str, sites: Iterable[str]) -> bool:
    return bool(host) and any(host == s or host.endswith("." + s) for s in sites)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [value]
    return []


def evaluate(browser: str, policies: dict[str, Any] | None, section: BrowserSection) -> list[str]:
    """Return the violations of one browser's effective policies (empty list: compliant)."""
    if policies is None:
        return [f"{browser} : aucune politique gérée trouvée"]
    if browser == "firefox":
        website_filter = policies.get("WebsiteFilter") or {}
        block = _as_list(website_filter.get("Block"))
        allow = _as_list(website_filter.get("Exceptions"))
        block_name, allow_name = "WebsiteFilter.Block", "WebsiteFilter.Exceptions"
    else:
        block = _as_list(policies.get("URLBlocklist", policies.get("URLBlacklist")))
        allow = _as_list(policies.get("URLAllowlist", policies.get("URLWhitelist")))
        block_name, allow_name = "URLBlocklist", "URLAllowlist"
    problems = []
    if section.require_block_all and not BLOCK_ALL.intersection(b.strip() for b in block):
        problems.append(f"{browser} : {block_name} ne bloque pas tous les sites (*)")
    if not allow:
        problems.append(f"{browser} : {allow_name} est vide")
    for entry in allow:
        if not _allowed(url_host(entry), section.allowed_sites):
            problems.append(f"{browser} : {allow_name} autorise un site non déclaré : {entry[:80]}")
    if browser != "firefox":
        for name, expected in section.settings.items():
            actual = policies.get(name)
            if actual != expected:
                problems.append(f"{browser} : {name} vaut {actual!r} au lieu de {expected!r}")
    return problems


def linux_policies(browser: str, ctx: Context) -> tuple[dict[str, Any] | None, list[str]]:
    """Return the effective managed policies of a browser on Linux, and the files that made them."""
    if browser == "firefox":
        for path in FIREFOX_FILES:
            text = ctx.read_text(path)
            if text is None:
                continue
            try:
                data = json.loads(text)
            except ValueError:
                return {}, [f"{path} (JSON invalide)"]
            policies = data.get("policies") if isinstance(data, dict) else None
            return (policies if isinstance(policies, dict) else {}), [path]
        return None, []
    merged: dict[str, Any] = {}
    sources: list[str] = []
    for folder in CHROMIUM_FOLDERS[browser]:
        directory = ctx.path(folder)
        if not directory.is_dir():
            continue
        for file in sorted(directory.glob("*.json")):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                sources.append(f"{folder}/{file.name} (JSON invalide)")
                continue
            if isinstance(data, dict):
                merged.update(data)
                sources.append(f"{folder}/{file.name}")
    return (merged if sources else None), sources


def windows_policies(browser: str, ctx: Context) -> tuple[dict[str, Any] | None, list[str]]:
    """Return the effective managed policies of a browser from the Windows registry."""
    source = ctx.windows
    if source is None:
        return None, []
    key = WINDOWS_KEYS[browser]
    if browser == "firefox":
        block = source.registry_values(key + r"\WebsiteFilter\Block")
        allow = source.registry_values(key + r"\WebsiteFilter\Exceptions")
        if block is None and allow is None:
            return None, []
        ordered = {"Block": _ordered(block), "Exceptions": _ordered(allow)}
        return {"WebsiteFilter": ordered}, [key + r"\WebsiteFilter"]
    values = source.registry_values(key)
    if values is None:
        return None, []
    policies: dict[str, Any] = dict(values)
    for sub in source.registry_subkeys(key):
        policies[sub] = _ordered(source.registry_values(f"{key}\\{sub}"))
    return policies, [key]


def _ordered(values: dict[str, Any] | None) -> list[str]:
    """Return list-policy values ("1", "2", …) in their numeric order."""
    if not values:
        return []
    return [str(values[k]) for k in sorted(values, key=lambda k: int(k) if k.isdigit() else 1 << 30)]


@register
class BrowserPolicy(Check[BrowserSection]):
    """The browsers' managed policies limit them to the declared administrative sites."""

    id = "browser_policy"
    label = "Le navigateur est limité aux sites administratifs déclarés"
    section = "browser"

    def run(self, ctx: Context) -> CheckResult:
        """Evaluate each declared browser's effective policy."""
        section = self.config
        problems = []
        for name in section.browsers:
            read = windows_policies if ctx.platform == "windows" else linux_policies
            policies, _sources = read(name, ctx)
            problems += evaluate(name, policies, section)
        return CheckResult.of(self, "fail" if problems else "pass", problems)
