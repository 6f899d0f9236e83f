"""Serve one rendered page on the loopback interface with the standard library's http.server."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["page_server"]


def page_server(html: str, *, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server (not yet serving) that answers GET / with `html` and 404 for anything else.

    `port=0` picks a free port (read it from `server.server_address`). Call
    `serve_forever()` to serve and `shutdown()` from another thread to stop.
    """
    body = html.encode("utf-8")

    class PageHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] not in ("/", "/index.html"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep the terminal quiet
            return

    return ThreadingHTTPServer((host, port), PageHandler)
