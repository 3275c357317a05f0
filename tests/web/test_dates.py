"""Dates and times are written for the reader's locale: English the British way."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outcomes_chat.outcomes.models import Assessment, Role
from tests.conftest import login


@pytest.fixture
def started(client, make_user, make_person, db) -> Assessment:
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead)
    login(client, "morag")
    client.post(
        f"/persons/{person.id}/conversations/new",
        data={"framework": "carer", "language": "en", "consent_record": "y", "consent_share": "y"},
    )
    assessment = db.scalar(select(Assessment))
    assessment.started_at = datetime(2026, 12, 1, 19, 31, tzinfo=UTC)
    db.commit()
    return assessment


@pytest.mark.parametrize("browser_language", ["en-GB", "en-US", "en"])
def test_a_moment_is_written_with_the_month_in_words_and_a_24_hour_clock(
    client, started, browser_language
):
    page = client.get(
        f"/persons/{started.person_id}", headers={"Accept-Language": browser_language}
    ).get_data(as_text=True)
    assert "1 Dec 2026, 19:31" in page
    assert "01/12/2026" not in page
    # A 12-hour time ("7:31 PM"), not just the letters, which a random form token may hold.
    assert "12/1/26" not in page and not re.search(r"\d\s?[AP]M\b", page)
    assert '<html lang="en-GB"' in page


def test_a_summer_time_is_shown_in_uk_time(client, started, db):
    started.started_at = datetime(2026, 7, 1, 18, 31, tzinfo=UTC)
    db.commit()
    page = client.get(f"/persons/{started.person_id}").get_data(as_text=True)
    assert "1 Jul 2026, 19:31" in page


def test_today_is_the_uk_day_on_every_page(app, monkeypatch):
    from outcomes_chat.web import persons, review

    # 23:30 UTC on 1 July is 00:30 on 2 July in the UK (summer time).
    monkeypatch.setattr(review, "utcnow", lambda: datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    with app.test_request_context("/"):
        assert review.today().isoformat() == "2026-07-02"
        assert persons.today() == review.today()
