"""A real HTTP server answering eSCL requests, as a network scanner would."""

from __future__ import annotations

import http.server
import threading


class EsclServer:
    """A real HTTP server answering eSCL requests with documents a test can change."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[int, bytes]] = {}
        documents = self.documents

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = documents.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Return the eSCL root URL."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/eSCL"

    def serve(self, path: str, body: bytes, status: int = 200) -> None:
        """Answer ``GET /eSCL/<path>`` with ``body``."""
        self.documents[f"/eSCL/{path}"] = (status, body)

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
