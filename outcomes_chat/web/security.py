"""Security headers on every response, pages and Socket.IO alike, and no server banner."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Engine.IO's long-polling answers carry turns, the person's words among them.
SOCKETIO_PATH = "/socket.io/"


def init_app(app: Flask) -> None:
    """Wrap the whole WSGI app, Socket.IO included, so every response has the headers.

    Call after socketio.init_app: Flask-SocketIO puts Engine.IO in front of app.wsgi_app, and
    its responses never reach Flask's after_request.
    """
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]


class SecurityHeaders:
    """WSGI middleware: add the security headers a response does not set itself."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        no_store = str(environ.get("PATH_INFO", "")).startswith(SOCKETIO_PATH)

        def with_headers(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            present = {name.lower() for name, _value in headers}
            extra = [(name, value) for name, value in HEADERS if name.lower() not in present]
            content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
            html = content_type.split(";")[0].strip() == "text/html"
            if (no_store or html) and "cache-control" not in present:
                # Personal data: never in a shared cache or the back-button cache.
                extra.append(("Cache-Control", "no-store"))
            return start_response(status, headers + extra, *exc_info)

        return self.app(environ, with_headers)


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's handler, without the Server header naming its versions."""

    def send_header(self, keyword: str, value: str) -> None:
        """Send a header, except Server: what runs here is nobody else's business."""
        if keyword.lower() == "server":
            return
        super().send_header(keyword, value)
