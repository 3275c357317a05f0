"""Adding and changing persons and their teams through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from outcomes_chat.outcomes.models import Person, Role, TeamMember, User
from tests.conftest import login


def _person_form(**overrides):
    data = {
        "name": "Tom Wilson",
        "preferred_name": "",
        "case_reference": "CASE-9",
        "date_of_birth": "1948-05-02",
        "preferred_language": "en",
        "kind": "service_user",
        "cares_for_name": "",
        "lead_team_role": "Social worker",
        "my_team_role": "Community nurse",
    }
    data.update(overrides)
    return data


@pytest.fixture
def lead(make_user):
    return make_user("morag", role=Role.LEAD_PROFESSIONAL)


def test_practitioner_adds_a_person_and_joins_the_team(client, lead, make_user, db):
    make_user("amir")
    login(client, "amir")
    response = client.post("/persons/new", data=_person_form(lead=lead.id))
    assert response.status_code == 302
    person = db.scalar(select(Person).where(Person.case_reference == "CASE-9"))
    roles = {(m.user.username, m.is_lead, m.team_role) for m in person.team}
    assert roles == {("morag", True, "Social worker"), ("amir", False, "Community nurse")}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tom Wilson" in page and "Lead professional" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Please fill this in."),
        ({"name": "x" * 201}, "Please use 200 characters or fewer."),
        ({"case_reference": "   "}, "Please fill this in."),
        ({"case_reference": "<script>"}, "Use letters, numbers"),
        ({"date_of_birth": "last tuesday"}, "Not a valid date value."),
        ({"kind": "alien"}, "Not a valid choice."),
    ],
)
def test_bad_person_input_gets_a_message_and_changes_nothing(client, lead, db, overrides, message):
    login(client, "morag")
    response = client.post("/persons/new", data=_person_form(lead=lead.id, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_duplicate_case_reference_is_refused(client, lead, make_person, db):
    make_person(lead, case_reference="CASE-9")
    login(client, "morag")
    response = client.post("/persons/new", data=_person_form(lead=lead.id))
    assert "already has that case reference" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Person)) == 1


def test_lead_must_have_the_lead_professional_role(client, lead, make_user, db):
    practitioner = make_user("amir")
    login(client, "morag")
    response = client.post("/persons/new", data=_person_form(lead=practitioner.id))
    # Not offered as a choice, so the form refuses it before any rule runs.
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_edit_changes_details(client, lead, make_person, db):
    person = make_person(lead)
    login(client, "morag")
    response = client.post(
        f"/persons/{person.id}/edit",
        data=_person_form(
            name="Margaret W", case_reference="CASE-1", kind="carer", cares_for_name="Tom"
        ),
    )
    assert response.status_code == 302
    db.expire_all()
    changed = db.get(Person, person.id)
    assert (changed.name, changed.cares_for_name) == ("Margaret W", "Tom")


def test_edit_to_an_existing_case_reference_is_refused(client, lead, make_person, db):
    make_person(lead, case_reference="CASE-1")
    second = make_person(lead, case_reference="CASE-2", name="Second Person")
    login(client, "morag")
    response = client.post(f"/persons/{second.id}/edit", data=_person_form(case_reference="CASE-1"))
    assert "already has that case reference" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Person, second.id).case_reference == "CASE-2"


def test_admin_adds_and_removes_a_team_member(client, lead, make_user, make_person, db):
    make_user("admin", role=Role.ADMIN)
    nurse = make_user("amir")
    person = make_person(lead)
    login(client, "admin")
    client.post(f"/persons/{person.id}/team", data={"user": nurse.id, "team_role": "Nurse"})
    member = db.scalar(select(TeamMember).where(TeamMember.user_id == nurse.id))
    assert member.team_role == "Nurse"
    client.post(f"/persons/{person.id}/team/{member.id}/remove")
    db.expire_all()
    assert db.scalar(select(TeamMember).where(TeamMember.user_id == nurse.id)) is None


def test_the_lead_cannot_be_removed(client, lead, make_user, make_person, db):
    make_user("admin", role=Role.ADMIN)
    person = make_person(lead)
    login(client, "admin")
    lead_member = person.team[0]
    response = client.post(
        f"/persons/{person.id}/team/{lead_member.id}/remove", follow_redirects=True
    )
    assert "Choose another lead professional" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(TeamMember)) == 1


def test_making_a_new_lead_leaves_exactly_one(client, lead, make_user, make_person, db):
    make_user("admin", role=Role.ADMIN)
    second = make_user("eilidh", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead, members=(second,))
    login(client, "admin")
    new_lead = next(m for m in person.team if m.user_id == second.id)
    client.post(f"/persons/{person.id}/team/{new_lead.id}/lead")
    db.expire_all()
    leads = db.scalars(select(TeamMember).where(TeamMember.is_lead.is_(True))).all()
    assert [m.user.username for m in leads] == ["eilidh"]


def test_database_refuses_two_leads(lead, make_user, make_person, db):
    second = make_user("eilidh", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead, members=(second,))
    next(m for m in person.team if m.user_id == second.id).is_lead = True
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_person_page_shows_the_whole_team_across_agencies(client, lead, make_user, make_person):
    from outcomes_chat.outcomes.models import Agency

    teacher = make_user("eilidh", agency=Agency.EDUCATION)
    volunteer = make_user("jo", agency=Agency.VOLUNTARY)
    person = make_person(lead, members=(teacher, volunteer))
    login(client, "jo")
    page = client.get(f"/persons/{person.id}").get_data(as_text=True)
    for expected in ("Morag", "Eilidh", "Jo", "Social work", "Education", "Voluntary sector"):
        assert expected in page


# -- the lead professional manages the team and reads the audit trail -----------------------


def _member(db, username):
    return db.scalar(select(TeamMember).join(TeamMember.user).where(User.username == username))


def test_the_lead_sees_manage_the_team_and_the_audit_log(client, lead, make_user, make_person):
    nurse = make_user("amir")
    person = make_person(lead, members=(nurse,))
    login(client, "morag")
    page = client.get(f"/persons/{person.id}").get_data(as_text=True)
    assert "Manage the team" in page and "Audit log" in page
    audit = client.get(f"/persons/{person.id}/audit").get_data(as_text=True)
    assert "Audit log for Margaret Wilson" in audit and "Morag" in audit


def test_the_lead_adds_and_removes_a_team_member(client, lead, make_user, make_person, db):
    nurse = make_user("amir")
    person = make_person(lead)
    login(client, "morag")
    client.post(f"/persons/{person.id}/team", data={"user": nurse.id, "team_role": "Nurse"})
    assert _member(db, "amir").team_role == "Nurse"
    response = client.post(f"/persons/{person.id}/team/{_member(db, 'amir').id}/remove")
    assert response.headers["Location"] == f"/persons/{person.id}/team"
    db.expire_all()
    assert _member(db, "amir") is None


def test_the_lead_cannot_remove_themselves(client, lead, make_person, db):
    person = make_person(lead)
    login(client, "morag")
    response = client.post(
        f"/persons/{person.id}/team/{_member(db, 'morag').id}/remove", follow_redirects=True
    )
    assert "Choose another lead professional" in response.get_data(as_text=True)
    db.expire_all()
    assert _member(db, "morag").is_lead


def test_a_lead_who_hands_the_lead_on_no_longer_manages_the_team(
    client, lead, make_user, make_person, db
):
    second = make_user("eilidh", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead, members=(second,))
    login(client, "morag")
    response = client.post(f"/persons/{person.id}/team/{_member(db, 'eilidh').id}/lead")
    assert response.headers["Location"] == f"/persons/{person.id}"
    db.expire_all()
    assert _member(db, "eilidh").is_lead and not _member(db, "morag").is_lead
    assert client.get(f"/persons/{person.id}/team").status_code == 403
    assert client.get(f"/persons/{person.id}/audit").status_code == 403


def test_a_practitioner_who_is_not_the_lead_cannot_manage_the_team(
    client, lead, make_user, make_person, db
):
    nurse = make_user("amir")
    other = make_user("jo")
    person = make_person(lead, members=(nurse,))
    login(client, "amir")
    page = client.get(f"/persons/{person.id}").get_data(as_text=True)
    assert "Manage the team" not in page and "Audit log" not in page
    add = client.post(f"/persons/{person.id}/team", data={"user": other.id, "team_role": "X"})
    assert add.status_code == 403
    lead_member = _member(db, "morag")
    assert client.post(f"/persons/{person.id}/team/{lead_member.id}/remove").status_code == 403
    own = _member(db, "amir")
    assert client.post(f"/persons/{person.id}/team/{own.id}/lead").status_code == 403
    assert client.get(f"/persons/{person.id}/audit").status_code == 403
    db.expire_all()
    assert {m.user.username: m.is_lead for m in db.get(Person, person.id).team} == {
        "morag": True,
        "amir": False,
    }


def test_the_date_of_birth_hint_is_written_as_dates_are_here(client, lead):
    login(client, lead.username)
    html = client.get("/persons/new").get_data(as_text=True)
    assert "For example 27 March 1950" in html
    assert "1950-03-27" not in html
