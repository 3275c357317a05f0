"""Administrators manage accounts from the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outcomes_chat.outcomes.models import Role, User
from tests.conftest import login


@pytest.fixture
def admin_client(client, make_user):
    make_user("admin", role=Role.ADMIN)
    login(client, "admin")
    return client


def _new_user(**overrides):
    data = {
        "username": "newbie",
        "display_name": "New Bie",
        "role": "practitioner",
        "agency": "health",
        "password": "long enough pw",
        "confirm": "long enough pw",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_account_that_can_log_in(admin_client, app):
    assert admin_client.post("/admin/users/new", data=_new_user()).status_code == 302
    other = app.test_client()
    assert login(other, "newbie", "long enough pw").status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "Please fill this in."),
        ({"username": "has space"}, "Use letters, numbers"),
        ({"password": "short", "confirm": "short"}, "Use between 10 and 256 characters."),
        ({"confirm": "different password"}, "The two passwords do not match."),
        ({"role": "superuser"}, "Not a valid choice."),
        ({"username": "admin"}, "That username is already taken."),
    ],
)
def test_bad_account_input_changes_nothing(admin_client, db, overrides, message):
    response = admin_client.post("/admin/users/new", data=_new_user(**overrides))
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_admin_resets_a_password(admin_client, make_user, app):
    target = make_user("amir")
    admin_client.post(
        f"/admin/users/{target.id}/password",
        data={"password": "fresh password!", "confirm": "fresh password!"},
    )
    assert login(app.test_client(), "amir", "fresh password!").status_code == 302


def test_admin_deactivates_an_account_and_its_logins_end(admin_client, make_user, app):
    target = make_user("amir")
    amir = app.test_client()
    login(amir, "amir")
    assert amir.get("/").status_code == 200
    admin_client.post(f"/admin/users/{target.id}/deactivate")
    assert amir.get("/").status_code == 302


def test_admin_cannot_deactivate_themselves(admin_client, db):
    me = db.scalar(select(User).where(User.username == "admin"))
    response = admin_client.post(f"/admin/users/{me.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, me.id).active
