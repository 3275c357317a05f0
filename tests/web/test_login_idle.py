"""The login idle time-out holds to within seconds of the documented limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outcomes_chat.outcomes.models import LoginSession, utcnow
from tests.conftest import login


def test_every_request_restarts_the_idle_time_within_seconds(app, client, make_user, db):
    make_user("amir")
    login(client, "amir")
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    login_session = db.scalar(select(LoginSession))
    login_session.last_seen_at = utcnow() - timedelta(seconds=30)
    db.commit()
    assert client.get("/").status_code == 200  # activity, 30 seconds after the last
    # Almost the whole idle time later (measured from that request) the login is still open.
    db.refresh(login_session)
    login_session.last_seen_at -= idle - timedelta(seconds=10)
    db.commit()
    assert client.get("/").status_code == 200


def test_a_login_ends_once_idle_for_the_limit(app, client, make_user, db):
    make_user("amir")
    login(client, "amir")
    login_session = db.scalar(select(LoginSession))
    login_session.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"]
    db.commit()
    assert client.get("/").status_code == 302
