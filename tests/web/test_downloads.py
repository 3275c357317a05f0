"""Downloads for a case file from the review and person pages: the agreed version, team only,
refused without the person's consent or before agreement, each one audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from outcomes_chat.outcomes.models import AuditEvent, ConsentPurpose
from tests.conftest import login
from tests.web.test_review_pages import TODAY, sign_off


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from outcomes_chat.web import review as review_views

    monkeypatch.setattr(review_views, "today", lambda: TODAY)


def consent_to_export(db, assessment, given: bool = True) -> None:
    (consent,) = [c for c in assessment.consents if c.purpose == ConsentPurpose.EXPORT]
    consent.given = given
    db.commit()


@pytest.fixture
def agreed(client, db, finished):
    consent_to_export(db, finished)
    login(client, "morag")
    assert sign_off(client, finished, "2027-03-01").status_code == 302
    client.post("/logout")
    return finished


def exports(db) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "export")))


def test_a_team_member_downloads_the_agreed_plan_as_json_and_it_is_audited(client, db, agreed):
    login(client, "amir")
    response = client.get(f"/assessments/{agreed.id}/export/json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"-{agreed.id}-v1.json" in disposition
    view = json.loads(response.get_data(as_text=True))
    words = {o["words"] for o in view["outcomes"]}
    assert words == {o.words for o in agreed.outcomes if o.active}
    assert view["assessment"]["agreed"] is True
    (event,) = exports(db)
    assert (event.actor_label, event.person_id, event.object_id) == (
        "amir",
        agreed.person_id,
        f"{agreed.id} v1 json",
    )


def test_the_csv_download_has_one_row_per_outcome(client, agreed):
    login(client, "amir")
    response = client.get(f"/assessments/{agreed.id}/export/csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["words"] for row in rows] == [o.words for o in agreed.outcomes if o.active]


def test_someone_outside_the_team_gets_not_found_and_nothing_is_audited(client, db, agreed):
    login(client, "olga")
    for fmt in ("json", "csv"):
        assert client.get(f"/assessments/{agreed.id}/export/{fmt}").status_code == 404
    assert exports(db) == []


def test_a_logged_out_visitor_is_sent_to_log_in(client, agreed):
    response = client.get(f"/assessments/{agreed.id}/export/json")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_without_the_persons_consent_the_download_is_refused_with_a_sentence(client, db, agreed):
    consent_to_export(db, agreed, given=False)
    login(client, "amir")
    response = client.get(f"/assessments/{agreed.id}/export/json")
    assert response.status_code == 403
    assert "did not agree to their plan being copied to their case file" in response.get_data(
        as_text=True
    )
    assert exports(db) == []


def test_a_plan_not_yet_agreed_cannot_be_downloaded(client, db, finished):
    consent_to_export(db, finished)
    login(client, "amir")
    response = client.get(f"/assessments/{finished.id}/export/json")
    assert response.status_code == 409
    assert "has not been agreed yet" in response.get_data(as_text=True)
    assert exports(db) == []


def test_an_unknown_format_or_version_is_not_found(client, agreed):
    login(client, "amir")
    assert client.get(f"/assessments/{agreed.id}/export/xlsx").status_code == 404
    assert client.get(f"/assessments/{agreed.id}/export/json?version=7").status_code == 404


def test_the_review_and_person_pages_offer_the_downloads_to_the_team(client, agreed):
    login(client, "amir")
    link = f'href="/assessments/{agreed.id}/export/json"'
    assert link in client.get(f"/assessments/{agreed.id}/review").get_data(as_text=True)
    assert link in client.get(f"/persons/{agreed.person_id}").get_data(as_text=True)


def test_the_pages_say_why_a_plan_without_consent_is_not_offered(client, db, agreed):
    consent_to_export(db, agreed, given=False)
    login(client, "amir")
    page = client.get(f"/assessments/{agreed.id}/review").get_data(as_text=True)
    assert "/export/" not in page
    assert "did not agree to their plan being copied to their case file" in page


@pytest.mark.parametrize(
    ("fmt", "mimetype", "starts"),
    [
        ("fhir", "application/fhir+json", b'{"resourceType":"Bundle"'),
        ("pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_fhir_and_pdf_downloads_are_the_real_documents(client, db, agreed, fmt, mimetype, starts):
    login(client, "amir")
    response = client.get(f"/assessments/{agreed.id}/export/{fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data.startswith(starts)
    assert (
        f"-{agreed.id}-v1.{'fhir.json' if fmt == 'fhir' else 'pdf'}"
        in response.headers["Content-Disposition"]
    )
    assert [e.object_id for e in exports(db)] == [f"{agreed.id} v1 {fmt}"]


def test_a_version_that_was_never_agreed_is_not_downloaded(client, db, agreed):
    from outcomes_chat.outcomes import review
    from outcomes_chat.outcomes.models import User

    db.expire_all()  # the sign-off was made through the page
    lead = db.scalar(select(User).where(User.username == "morag"))
    review.start_new_version(db, agreed, lead)
    db.commit()
    login(client, "amir")
    response = client.get(f"/assessments/{agreed.id}/export/json?version=2")
    assert response.status_code == 409
    assert "Version 2 of this plan was not agreed" in response.get_data(as_text=True)
    assert client.get(f"/assessments/{agreed.id}/export/json?version=1").status_code == 200
    assert [e.object_id for e in exports(db)] == [f"{agreed.id} v1 json"]


def test_a_plan_that_cannot_be_made_into_a_format_gets_a_sentence_not_a_traceback(
    client, db, agreed, monkeypatch
):
    from outcomes_chat.outcomes import export_fhir

    def refuse(_view):
        raise export_fhir.InvalidBundle("CarePlan activity.0.detail.description: too short")

    monkeypatch.setattr(export_fhir, "to_fhir", refuse)
    login(client, "amir")
    response = client.get(f"/assessments/{agreed.id}/export/fhir")
    assert response.status_code == 500
    assert "could not be made into a HL7 FHIR file" in response.get_data(as_text=True)
    assert exports(db) == []
