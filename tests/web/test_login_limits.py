"""The login limits: an office behind one address is slowed, never locked out of its accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outcomes_chat.outcomes.models import LoginFailure, LoginSession, utcnow
from tests.conftest import login


@pytest.fixture
def amir_logged_in_here_before(app, make_user):
    """Amir has logged in from this address before (and logged out again)."""
    make_user("amir")
    client = app.test_client()
    assert login(client, "amir").status_code == 302
    client.post("/logout")


def fail_from_this_address(app, times: int) -> None:
    """Someone on the same network guesses usernames and passwords."""
    guesser = app.test_client()
    for attempt in range(times):
        assert login(guesser, f"guess{attempt}", "wrong password").status_code == 200


def failures(db) -> int:
    return db.scalar(select(func.count()).select_from(LoginFailure))


def test_a_known_account_still_logs_in_from_a_network_that_is_guessing(
    app, client, amir_logged_in_here_before
):
    fail_from_this_address(app, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    response = login(client, "amir")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_unknown_usernames_from_that_network_are_slowed_and_not_checked(
    app, client, amir_logged_in_here_before, db
):
    fail_from_this_address(app, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    before = failures(db)
    response = login(client, "guess-more", "another guess")
    assert response.status_code == 429
    assert "Too many" in response.get_data(as_text=True)
    # Not checked, so not counted: the network gets its next attempts as the old ones expire.
    assert failures(db) == before


def test_a_wrong_password_from_that_network_looks_the_same_and_counts_for_the_account(
    app, client, amir_logged_in_here_before, db
):
    fail_from_this_address(app, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    wrong = login(client, "amir", "wrong password")
    unknown = login(client, "nobody-here", "wrong password")
    # The same answer either way: the limit does not tell who has an account.
    assert wrong.status_code == unknown.status_code == 429
    shown = unknown.get_data(as_text=True).replace("nobody-here", "amir")  # the form keeps it
    assert wrong.get_data(as_text=True) == shown
    assert db.scalar(select(func.count()).where(LoginFailure.username == "amir")) == 1


def test_an_account_new_to_that_network_waits_until_the_guessing_stops(app, client, make_user, db):
    make_user("amir")
    fail_from_this_address(app, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    assert login(client, "amir").status_code == 429
    for failure in db.scalars(select(LoginFailure)):
        failure.failed_at = utcnow() - app.config["LOGIN_FAILURE_WINDOW"] - timedelta(seconds=1)
    db.commit()
    assert login(client, "amir").status_code == 302


def test_trust_in_an_address_expires(app, client, amir_logged_in_here_before, db):
    for old in db.scalars(select(LoginSession)):
        old.created_at = utcnow() - app.config["LOGIN_ADDRESS_TRUSTED_FOR"] - timedelta(days=1)
    db.commit()
    fail_from_this_address(app, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    assert login(client, "amir").status_code == 429


def test_the_per_account_limit_holds_for_a_trusted_address(app, client, amir_logged_in_here_before):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, "amir", "wrong password")
    assert login(client, "amir").status_code == 429
