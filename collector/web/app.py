"""The collector's WSGI application: ``/metrics``, ``/healthz`` and the status pages.

Pages: ``/`` (the sites), ``/site/<id>`` (one site), ``/site/<id>/socle`` and
``/site/<id>/socle.json`` (its socle serviciel in the open: promises and real availability last
month, :mod:`collector.web.socle`), ``/accessibilite`` (the accessibility statement);
``?actualiser=1`` makes a page reload itself every minute (the reader's choice, RGAA 13.1);
anything else is a French « Page introuvable » (404).

The HTTP server that runs it lives elsewhere (``collector.service``); this module only maps a
path to a response, so it can be tested without a socket.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, make_wsgi_app

from collector import __version__
from collector.state import FleetState
from collector.web.status import StatusPages

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment


def make_app(
    state: FleetState,
    registry: CollectorRegistry,
    pages: StatusPages | None = None,
    *,
    metrics: Callable[[], bytes] | None = None,
) -> WSGIApplication:
    """Return the collector's WSGI application (``/metrics``, ``/healthz``, the status pages).

    ``metrics`` renders ``/metrics`` in the text format 0.0.4 (``FleetCollector.render``, faster
    than the registry's own rendering); without it, the registry's WSGI application serves it.
    """
    metrics_app = make_wsgi_app(registry) if metrics is None else None

    def metrics_page(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        assert metrics is not None
        body = metrics()
        headers = [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]
        if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
            body = gzip.compress(body, compresslevel=1)  # level 1: a fifth of the size, at 100+ MB/s
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [body]

    def html(start_response: StartResponse, body: str | None) -> Iterable[bytes]:
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
            return [pages.not_found().encode() if pages is not None else b""]
        start_response(
            "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        )
        return [body.encode()]

    def socle(start_response: StartResponse, path: str, *, refresh: bool) -> Iterable[bytes]:
        from collector.web.socle import render_socle, socle_view  # noqa: PLC0415

        assert pages is not None
        site_id, _, leaf = path.removeprefix("/site/").partition("/")
        if site_id not in pages.sites.sites:
            return html(start_response, None)
        view = socle_view(site_id, pages.sites, pages.history, now=pages.clock())
        if leaf == "socle.json":
            body = json.dumps(view.json(), ensure_ascii=False, indent=2)
            start_response(
                "200 OK", [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
            )
            return [body.encode()]
        return html(start_response, render_socle(view, refresh=refresh))

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            if metrics_app is None:
                return metrics_page(environ, start_response)
            response: Iterable[bytes] = metrics_app(environ, start_response)
            return response
        if path == "/healthz":
            with state.lock:
                connected = state.mqtt_connected
                agents = len(state.agents)
                storage = state.storage_error
            body = json.dumps(
                {"mqtt_connected": connected, "storage_ok": storage is None, "storage_error": storage,
                 "agents": agents, "version": __version__}
            )  # fmt: skip
            status = "200 OK" if connected and storage is None else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body.encode()]
        if pages is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found\n"]
        refresh = "actualiser" in parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/":
            return html(start_response, pages.index(refresh=refresh))
        if path.startswith("/site/") and path.rstrip("/").endswith(("/socle", "/socle.json")):
            return socle(start_response, path.rstrip("/"), refresh=refresh)
        if path.startswith("/site/"):
            return html(start_response, pages.site(path.removeprefix("/site/").strip("/"), refresh=refresh))
        if path.rstrip("/") == "/accessibilite":
            return html(start_response, pages.statement())
        return html(start_response, None)

    return app
