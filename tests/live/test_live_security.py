"""What a real server process says about itself: security headers, and no version banner."""

from __future__ import annotations

import pytest
import requests

from .conftest import Database, ServerFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_no_response_names_the_server_software_and_every_one_has_the_headers(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    server = make_server(fresh_sqlite)
    for path in ("/login", "/static/chat.js", "/socket.io/?EIO=4&transport=polling", "/nowhere"):
        response = requests.get(server.url + path, timeout=10)
        assert "Server" not in response.headers, (path, response.headers.get("Server"))
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
