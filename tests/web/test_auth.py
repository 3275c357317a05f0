"""Logging in and out: passwords, server-side sessions, rate limits, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from outcomes_chat.outcomes.models import LoginFailure, LoginSession, Role, utcnow
from tests.conftest import PASSWORD, login


def test_login_with_right_password_reaches_dashboard(client, make_user):
    make_user("amir")
    response = login(client, "amir")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "My persons" in client.get("/").get_data(as_text=True)


def test_username_is_case_insensitive(client, make_user):
    make_user("amir")
    assert login(client, "  AMIR ").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_user, db):
    make_user("amir")
    response = login(client, "amir", "not the password")
    assert response.status_code == 200
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client):
    response = login(client, "nobody")
    assert "do not match an active account" in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client, make_user, db):
    user = make_user("amir")
    user.active = False
    db.commit()
    assert "do not match" in login(client, "amir").get_data(as_text=True)


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_next_is_followed_only_within_the_site(client, make_user):
    make_user("amir")
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "amir", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_logout_ends_the_session_on_the_server(client, make_user, db):
    make_user("amir")
    login(client, "amir")
    copied_cookie = client.get_cookie("outcomes_session").value
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    # Someone who copied the cookie before logout is not let in either.
    client.set_cookie("outcomes_session", copied_cookie)
    assert client.get("/").status_code == 302
    ended = db.scalar(select(LoginSession))
    assert ended.ended_at is not None


def test_idle_session_times_out(client, make_user, db):
    make_user("amir")
    login(client, "amir")
    login_session = db.scalar(select(LoginSession))
    login_session.last_seen_at = utcnow() - timedelta(hours=1)
    db.commit()
    assert client.get("/").status_code == 302


def test_password_change_ends_open_logins(client, make_user, db):
    from outcomes_chat.outcomes import accounts

    user = make_user("amir")
    login(client, "amir")
    accounts.set_password(db, db.merge(user), "a brand new password")
    db.commit()
    assert client.get("/").status_code == 302


def test_failures_per_account_are_rate_limited(client, make_user, app):
    make_user("amir")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, "amir", "wrong password")
    # Even the right password is refused while the account is cooling down.
    response = login(client, "amir")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_failures_per_address_are_rate_limited(client, make_user, app):
    make_user("amir")
    for attempt in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        login(client, f"guess{attempt}", "wrong password")
    assert login(client, "amir").status_code == 429


def test_old_failures_expire(client, make_user, app, db):
    make_user("amir")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, "amir", "wrong password")
    for failure in db.scalars(select(LoginFailure)):
        failure.failed_at = utcnow() - timedelta(hours=1)
    db.commit()
    assert login(client, "amir").status_code == 302


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_forged_form_without_csrf_token_is_refused(csrf_app, make_user, make_person, db):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead)
    client = csrf_app.test_client()
    # Log in with a real token, as a browser would.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "morag", "password": PASSWORD, "csrf_token": token})
    response = client.post(
        f"/persons/{person.id}/edit",
        data={
            "name": "Forged",
            "case_reference": "X-1",
            "kind": "carer",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 400
    assert "could not be accepted" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(type(person), person.id).name == "Margaret Wilson"


def test_login_without_csrf_token_is_refused(csrf_app, make_user):
    make_user("amir")
    client = csrf_app.test_client()
    assert login(client, "amir").status_code == 400
