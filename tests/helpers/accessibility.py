"""Accessibility checks in a real browser: axe-core run by headless Chromium (Debian's), driven by Playwright.

One call for the common case::

    found = violations("http://127.0.0.1:8080/site/maurepas")   # or a file: Path("report.html")
    assert not serious(found), describe(found)

``violations`` returns axe-core's own violation dicts (``id``, ``impact``, ``help``, ``nodes``...),
every impact included; :func:`serious` keeps the ``serious`` and ``critical`` ones. The page is
laid out at a phone's width (360 CSS pixels) unless told otherwise: contrast and reflow problems
show there first. :func:`browser_page` gives a page for other measurements (screenshots, layout).

Playwright drives ``/usr/bin/chromium`` (the Debian package) and never downloads a browser;
axe-core comes inside the ``axe-playwright-python`` package.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from helpers.processes import INSTALL_HINT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

#: The impacts that fail a page.
SERIOUS = frozenset({"serious", "critical"})
#: A small phone's width in CSS pixels.
PHONE_WIDTH = 360
_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail(f"chromium is not installed: {INSTALL_HINT.format(package='chromium')}", pytrace=False)
    return exe


_BROWSER: list[tuple[Playwright, Browser]] = []


def _browser() -> Browser:
    """Return the shared headless Chromium, started on first use; :func:`close_browser` stops it.

    Starting Playwright's driver and the browser costs seconds; each page still gets a fresh
    browser context (its own cookies, storage and cache), so tests stay independent. While it
    runs, Playwright's sync API leaves its event loop marked as running in this thread, so that
    ``asyncio.run`` fails: ``tests/conftest.py`` closes it after each test module.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "playwright is not installed: pip install -e '.[test]' (scripts/test.sh does it)", pytrace=False
        )
    if _BROWSER and _BROWSER[0][1].is_connected():
        return _BROWSER[0][1]
    close_browser()
    exe = _chromium()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=exe, args=_FLAGS)
    except BaseException:
        playwright.stop()
        raise
    _BROWSER.append((playwright, browser))
    return browser


@atexit.register
def close_browser() -> None:
    """Stop the shared Chromium and Playwright's driver, if they run."""
    while _BROWSER:
        playwright, browser = _BROWSER.pop()
        with contextlib.suppress(Exception):  # a browser that died is already closed
            browser.close()
        playwright.stop()


@contextmanager
def browser_page(width: int = PHONE_WIDTH, height: int = 800) -> Iterator[Page]:
    """Yield a Playwright page of headless Chromium with a ``width`` × ``height`` CSS-pixel viewport.

    The page lives in a browser context of its own, closed afterwards (the browser is shared by
    the tests of one module: see :func:`_browser`).
    """
    context = _browser().new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    try:
        yield context.new_page()
    finally:
        context.close()


def _address(url_or_file: str | Path) -> str:
    if isinstance(url_or_file, Path) or "://" not in url_or_file:
        return Path(url_or_file).resolve().as_uri()
    return url_or_file


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return its violations."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    found: list[dict[str, Any]] = result.response["violations"]
    return found


def violations(url_or_file: str | Path, *, width: int = PHONE_WIDTH) -> list[dict[str, Any]]:
    """Open a URL (or an HTML file) in headless Chromium and return axe-core's violations, all impacts."""
    with browser_page(width) as page:
        response = page.goto(_address(url_or_file), wait_until="load")
        if response is not None and not response.ok and response.status != 404:
            pytest.fail(f"{url_or_file}: HTTP {response.status}", pytrace=False)
        return run_axe(page)


def serious(found: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the violations whose impact is serious or critical."""
    return [v for v in found if v.get("impact") in SERIOUS]


def describe(found: Iterable[dict[str, Any]]) -> str:
    """Return one line per violation and per element: impact, rule, help, the element's selector."""
    lines = []
    for v in found:
        targets = ", ".join(str(node.get("target")) for node in v.get("nodes", [])[:5])
        lines.append(f"{v.get('impact')}: {v.get('id')} — {v.get('help')} [{targets}]")
    return "\n".join(lines) or "no violation"
