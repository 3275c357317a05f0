"""Who can see which person: a table of roles and memberships."""

from __future__ import annotations

import pytest

from outcomes_chat.outcomes.models import Role
from tests.conftest import login


@pytest.fixture
def team(make_user, make_person):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    member = make_user("amir")
    make_user("outsider")
    make_user("otherlead", role=Role.LEAD_PROFESSIONAL)
    make_user("admin", role=Role.ADMIN)
    return make_person(lead, members=(member,))


@pytest.mark.parametrize(
    ("username", "page", "status"),
    [
        ("morag", "", 200),
        ("amir", "", 200),
        ("outsider", "", 404),
        ("otherlead", "", 404),
        ("admin", "", 200),
        ("morag", "/edit", 200),
        ("amir", "/edit", 200),
        ("outsider", "/edit", 404),
        ("morag", "/team", 200),
        ("amir", "/team", 403),
        ("otherlead", "/team", 404),
        ("admin", "/team", 200),
        ("morag", "/audit", 200),
        ("amir", "/audit", 403),
        ("otherlead", "/audit", 404),
        ("admin", "/audit", 200),
    ],
)
def test_person_pages_by_role_and_membership(client, team, username, page, status):
    login(client, username)
    assert client.get(f"/persons/{team.id}{page}").status_code == status


def test_unknown_person_is_not_found(client, team):
    login(client, "admin")
    assert client.get("/persons/999999").status_code == 404


def test_dashboard_lists_only_my_persons(client, team, make_user, make_person, db):
    other_lead = db.merge(team.lead.user)
    make_person(other_lead, case_reference="CASE-2", name="Someone Else")
    login(client, "amir")
    page = client.get("/").get_data(as_text=True)
    assert "Margaret Wilson" in page
    assert "Someone Else" not in page


def test_outsider_cannot_change_a_person_by_url(client, team, db):
    login(client, "outsider")
    response = client.post(
        f"/persons/{team.id}/edit",
        data={
            "name": "Changed",
            "case_reference": "CASE-1",
            "kind": "carer",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 404
    db.expire_all()
    assert db.get(type(team), team.id).name == "Margaret Wilson"


@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new"])
def test_admin_pages_are_for_admins(client, team, url):
    login(client, "amir")
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(client, "admin")
    assert client.get(url).status_code == 200
