"""The dashboard and safety flags on the team's pages: what a practitioner sees and does."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from outcomes_chat.outcomes import review
from outcomes_chat.outcomes.conversations import Said, Sender, start_conversation, take_turn
from outcomes_chat.outcomes.models import (
    ActionStatus,
    Agency,
    Assessment,
    AuditEvent,
    Consent,
    ConsentPurpose,
    OutcomeAction,
    PlanStage,
    RecordedOutcome,
    Role,
    SafetyFlag,
)
from outcomes_chat.web import persons as person_pages
from tests.conftest import login

TODAY = date(2026, 12, 2)
RISK = "Honestly some nights I want to end it all."
_ids = itertools.count(1)


@pytest.fixture
def team(make_user, make_person):
    """Morag leads Margaret's team, Amir is in it, Olga is not, and there is an admin."""
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir")
    make_user("olga")
    make_user("admin", role=Role.ADMIN)
    return make_person(lead, members=(nurse,)), lead


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(person_pages, "today", lambda: TODAY)


def said_in_conversation(app, db, person, user, words: str) -> Assessment:
    """A carer conversation in which, after agreeing, the carer says `words`."""
    from outcomes_chat.web.engines import engine_for

    with app.app_context():
        engine = engine_for("carer")
    consents = {ConsentPurpose.RECORD: True, ConsentPurpose.SHARE_TEAM: True}
    assessment = start_conversation(db, engine, person, user, "carer", "en", consents)
    db.commit()
    for said in (Said(language="en"), Said(button="start"), Said(button="yes"), Said(text=words)):
        take_turn(db, engine, assessment, f"d{next(_ids)}", said, assessment.last_seq, Sender(user))
        db.commit()
    return assessment


@pytest.fixture
def flagged(app, db, team) -> tuple[Assessment, SafetyFlag]:
    person, lead = team
    assessment = said_in_conversation(app, db, person, lead, RISK)
    assert len(assessment.flags) == 1
    return assessment, assessment.flags[0]


def agreed_plan(db, person, review_date, **action) -> Assessment:
    """An agreed plan with one outcome and, if given, one action."""
    assessment = Assessment(
        person=person,
        framework="carer",
        language="en",
        status="finished",
        state={},
        stage=PlanStage.AGREED,
        review_date=review_date,
    )
    outcome = RecordedOutcome(key="o1", domains=["finance"], words="Manage the bills myself")
    assessment.outcomes.append(outcome)
    assessment.consents.append(Consent(purpose=ConsentPurpose.SHARE_TEAM, given=True))
    if action:
        assessment.actions.append(OutcomeAction(outcome=outcome, who="Someone", **action))
    db.add(assessment)
    db.commit()
    return assessment


# -- the dashboard ---------------------------------------------------------------------------


def test_an_open_flag_is_listed_first_with_its_kind_and_urgency_in_plain_words(
    client, flagged, team
):
    _assessment, flag = flagged
    login(client, "amir")
    page = client.get("/").get_data(as_text=True)
    flags_at = page.index("Safety flags to act on")
    assert flags_at < page.index("Reviews due or overdue") < page.index("Open actions by agency")
    row = page[flags_at : page.index("Reviews due or overdue")]
    assert "Thoughts of suicide or self-harm" in row
    assert "Urgent: may be in danger now" in row
    assert "self_harm" not in row and "immediate" not in row  # ids are data, not words
    assert f'href="/persons/{team[0].id}#flag-{flag.id}"' in row
    # The words themselves stay on the person's page, for those who act on them.
    assert RISK not in page


def test_a_cleared_flag_leaves_the_dashboard(client, db, flagged, team):
    assessment, flag = flagged
    review.clear_flag(db, assessment, flag.id, "Phoned her GP with her", team[1])
    db.commit()
    login(client, "amir")
    page = client.get("/").get_data(as_text=True)
    assert "No safety flags are waiting." in page
    assert "Thoughts of suicide or self-harm" not in page


def test_reviews_due_or_overdue_show_their_date_counted_from_today(client, db, team):
    person, _lead = team
    overdue = TODAY - timedelta(days=3)
    due = TODAY + timedelta(days=14)
    agreed_plan(db, person, overdue)
    agreed_plan(db, person, due)
    agreed_plan(db, person, TODAY + timedelta(days=200))
    login(client, "morag")
    page = client.get("/").get_data(as_text=True)
    reviews = page[page.index("Reviews due or overdue") : page.index("Conversations and plans")]
    assert reviews.index(format_date(overdue, locale="en_GB")) < reviews.index(
        format_date(due, locale="en_GB")
    )
    assert "Review overdue" in reviews and "Review due soon" in reviews
    assert format_date(TODAY + timedelta(days=200), locale="en_GB") not in reviews
    plans = page[page.index("Conversations and plans") : page.index("Open actions by agency")]
    assert 'Agreed <span class="count">(1)</span>' in plans


def test_open_actions_are_counted_by_agency(client, db, team):
    person, _lead = team
    far = TODAY + timedelta(days=200)
    agreed_plan(db, person, far, what="Book a carers assessment", agency=Agency.SOCIAL_WORK)
    agreed_plan(db, person, far, what="Ask about respite", agency=Agency.SOCIAL_WORK)
    agreed_plan(db, person, far, what="Sleep clinic referral", agency=Agency.HEALTH)
    agreed_plan(
        db, person, far, what="Old referral", agency=Agency.HEALTH, status=ActionStatus.DONE
    )
    login(client, "morag")
    page = client.get("/").get_data(as_text=True)
    actions = page[page.index("Open actions by agency") : page.index('id="persons"')]
    assert 'Social work <span class="count">(2)</span>' in actions
    assert 'Health <span class="count">(1)</span>' in actions
    assert "Ask about respite" in actions and "Old referral" not in actions


def test_a_plan_opens_its_review_page(client, db, team):
    person, _lead = team
    plan = agreed_plan(db, person, TODAY + timedelta(days=200))
    login(client, "morag")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/assessments/{plan.id}/review"' in page


def test_outsiders_and_admins_outside_the_team_see_no_flags(client, flagged):
    for username in ("olga", "admin"):
        login(client, username)
        page = client.get("/").get_data(as_text=True)
        assert "Thoughts of suicide or self-harm" not in page, username
        client.post("/logout")


# -- a flag on the person's page and the conversation ----------------------------------------


def test_the_team_sees_each_flag_with_its_words_and_a_form_to_clear_it(client, flagged, team):
    assessment, flag = flagged
    login(client, "amir")
    page = client.get(f"/persons/{team[0].id}").get_data(as_text=True)
    section = page[page.index('id="flags"') : page.index("The team around")]
    assert f'id="flag-{flag.id}"' in section
    assert "Thoughts of suicide or self-harm" in section
    assert "Urgent: may be in danger now" in section
    assert RISK in section
    assert f'action="/conversations/{assessment.id}/flags/{flag.id}/clear"' in section
    assert "Record and clear the flag" in section
    conversation = client.get(f"/conversations/{assessment.id}").get_data(as_text=True)
    assert RISK in conversation and "Record and clear the flag" in conversation


def test_an_admin_outside_the_team_does_not_see_the_words(client, flagged, team):
    login(client, "admin")
    page = client.get(f"/persons/{team[0].id}").get_data(as_text=True)
    assert RISK not in page and "Record and clear the flag" not in page


def test_clearing_a_flag_keeps_it_with_what_was_done_by_whom_and_when(client, db, flagged, team):
    assessment, flag = flagged
    login(client, "amir")
    response = client.post(
        f"/conversations/{assessment.id}/flags/{flag.id}/clear",
        data={f"flag-{flag.id}-what_was_done": "  Rang the crisis team with her.  "},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The flag is cleared" in page
    db.expire_all()
    cleared = db.get(SafetyFlag, flag.id)
    assert cleared.what_was_done == "Rang the crisis team with her."
    assert cleared.cleared_by.username == "amir" and cleared.cleared_at is not None
    assert not db.get(Assessment, assessment.id).safety_flag
    audit = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "safety_flag")).all()
    assert [(a.actor.username, a.object_id) for a in audit] == [("amir", str(flag.id))]
    section = page[page.index('id="flags"') : page.index("The team around")]
    assert "Cleared" in section and "Rang the crisis team with her." in section
    assert "Amir" in section and RISK in section
    assert "Record and clear the flag" not in section


def test_clearing_from_the_conversation_returns_to_it(client, flagged):
    assessment, flag = flagged
    login(client, "morag")
    response = client.post(
        f"/conversations/{assessment.id}/flags/{flag.id}/clear",
        data={f"flag-{flag.id}-what_was_done": "Talked with her now", "back": "conversation"},
    )
    assert response.headers["Location"] == f"/conversations/{assessment.id}#flags"


def _clear(client, assessment_id, flag_id, words="Done something", **extra):
    return client.post(
        f"/conversations/{assessment_id}/flags/{flag_id}/clear",
        data={f"flag-{flag_id}-what_was_done": words, **extra},
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    ("username", "words", "which", "message"),
    [
        ("amir", "   ", "this", "The flag was not cleared: Please fill this in."),
        ("amir", "x" * 4001, "this", "Please use 4000 characters or fewer."),
        ("amir", "Again", "cleared", "That safety flag was already cleared. Nothing was changed."),
        ("amir", "Done", "unknown", "That safety flag was not found. Nothing was changed."),
        ("admin", "Done", "this", "Only the team around this person can clear a safety flag."),
    ],
)
def test_a_refused_clearing_says_why_and_changes_nothing(
    client, db, flagged, team, username, words, which, message
):
    assessment, flag = flagged
    _person, lead = team
    target = flag.id
    if which == "cleared":
        (second,) = review.raise_flags(
            assessment, [{"category": "cant_cope", "tier": "wellbeing", "words": "w", "turn": 9}]
        )
        db.flush()
        review.clear_flag(db, assessment, second.id, "First time", lead)
        db.commit()
        target = second.id
    elif which == "unknown":
        target = 999999
    login(client, username)
    page = _clear(client, assessment.id, target, words).get_data(as_text=True)
    assert message in page
    db.expire_all()
    assert db.get(SafetyFlag, flag.id).cleared_at is None
    if which == "cleared":
        assert db.get(SafetyFlag, target).what_was_done == "First time"
    # Only the clearing made while arranging the test is in the audit log.
    changes = select(func.count()).where(AuditEvent.object_type == "safety_flag")
    assert db.scalar(changes) == (1 if which == "cleared" else 0)


def test_someone_who_may_not_see_the_person_is_not_told_the_flag_exists(client, db, flagged):
    assessment, flag = flagged
    login(client, "olga")
    response = client.post(
        f"/conversations/{assessment.id}/flags/{flag.id}/clear",
        data={f"flag-{flag.id}-what_was_done": "Done"},
    )
    assert response.status_code == 404
    db.expire_all()
    assert db.get(SafetyFlag, flag.id).cleared_at is None


def test_clearing_without_the_csrf_token_is_refused(app, client, db, flagged):
    assessment, flag = flagged
    login(client, "amir")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        f"/conversations/{assessment.id}/flags/{flag.id}/clear",
        data={f"flag-{flag.id}-what_was_done": "Done"},
    )
    assert response.status_code == 400
    db.expire_all()
    assert db.get(SafetyFlag, flag.id).cleared_at is None


def test_the_person_holding_the_tablet_does_not_see_the_teams_flags(client, flagged):
    assessment, _flag = flagged
    login(client, "morag")
    client.post(f"/conversations/{assessment.id}/handover", data={"pin": ""})
    page = client.get(f"/conversations/{assessment.id}").get_data(as_text=True)
    assert 'data-mode="handover"' in page
    assert "Safety flags" not in page and "Record and clear the flag" not in page
