"""The audit log records who viewed or changed which record, never its content."""

from __future__ import annotations

from sqlalchemy import select

from outcomes_chat.outcomes.models import AuditEvent, Role
from tests.conftest import login


def _events(db):
    db.expire_all()
    return db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def test_viewing_a_person_is_audited(client, make_user, make_person, db):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead)
    login(client, "morag")
    client.get(f"/persons/{person.id}")
    [event] = _events(db)
    assert (event.actor_label, event.action, event.object_type, event.person_id) == (
        "morag",
        "view",
        "person",
        person.id,
    )


def test_creating_and_changing_are_audited_without_content(client, make_user, db):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    login(client, "morag")
    client.post(
        "/persons/new",
        data={
            "name": "Secret Name",
            "case_reference": "C-1",
            "kind": "carer",
            "preferred_language": "en",
            "lead": lead.id,
            "lead_team_role": "SW",
        },
    )
    person_id = _events(db)[0].person_id
    client.post(
        f"/persons/{person_id}/edit",
        data={
            "name": "Other Secret",
            "case_reference": "C-1",
            "kind": "carer",
            "preferred_language": "en",
        },
    )
    events = _events(db)
    assert [e.action for e in events] == ["create", "change"]
    for event in events:
        columns = [str(getattr(event, c.key)) for c in AuditEvent.__table__.columns]
        assert not any("Secret" in value for value in columns)


def test_refused_access_writes_no_view(client, make_user, make_person, db):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    make_user("outsider")
    person = make_person(lead)
    login(client, "outsider")
    client.get(f"/persons/{person.id}")
    assert _events(db) == []


def test_admin_reads_the_audit_log_per_person(client, make_user, make_person):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    make_user("admin", role=Role.ADMIN)
    person = make_person(lead)
    login(client, "morag")
    client.get(f"/persons/{person.id}")
    client.post("/logout")
    login(client, "admin")
    page = client.get(f"/persons/{person.id}/audit").get_data(as_text=True)
    assert "Morag" in page and "view" in page
