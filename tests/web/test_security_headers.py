"""Security headers on Socket.IO's own responses, which never pass through Flask's views."""

from __future__ import annotations

POLLING = "/socket.io/?EIO=4&transport=polling"


def test_socketio_polling_answers_carry_the_security_headers(client):
    response = client.get(POLLING)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    # Polling answers carry turns, the person's words among them: never cached.
    assert response.headers["Cache-Control"] == "no-store"


def test_socketio_refusals_carry_the_security_headers(client):
    response = client.get("/socket.io/?EIO=4&transport=polling&sid=not-a-session")
    assert response.status_code == 400
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_header_a_view_sets_itself_is_kept(client):
    # Static files set their own caching; the middleware adds only what is missing.
    response = client.get("/static/chat.js")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
