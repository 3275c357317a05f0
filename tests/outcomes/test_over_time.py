"""Reviews over time: a review starts from the agreed plan, carries over open actions, and
the change since is read from the records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outcomes_chat.outcomes import over_time, review
from outcomes_chat.outcomes.conversations import Said, Sender, take_turn
from outcomes_chat.outcomes.errors import NotInTeam, WrongStage
from outcomes_chat.outcomes.models import ActionStatus, ConsentPurpose, PlanStage

TODAY = date(2026, 12, 2)
CONSENTS = {ConsentPurpose.RECORD: True, ConsentPurpose.SHARE_TEAM: True}


@pytest.fixture
def engine(app):
    from outcomes_chat.web.engines import engine_for

    with app.app_context():
        return engine_for("carer")


@pytest.fixture
def agreed(finished, team, db, carer_framework):
    _person, lead, nurse, _ = team
    outcomes = [o for o in finished.outcomes if o.active]
    review.add_action(
        db,
        finished,
        outcomes[0].id,
        review.ActionDetails("Refer for respite", "Amir", "health"),
        nurse,
    )
    review.add_action(
        db,
        finished,
        outcomes[0].id,
        review.ActionDetails("Old call", "Amir", "health", status="done"),
        nurse,
    )
    seen = review.plan_fingerprint(db, finished)
    review.sign_off(db, finished, lead, TODAY + timedelta(days=90), carer_framework, TODAY, seen)
    db.commit()
    return finished


def test_a_review_starts_from_the_agreed_outcomes_and_carries_open_actions(
    db, engine, agreed, team
):
    lead = team[1]
    started = over_time.start_review(db, engine, agreed, lead, "en", CONSENTS)
    db.commit()
    assert started.review_of_id == agreed.id and started.stage == PlanStage.IN_CONVERSATION
    looking_back = [o for o in started.outcomes if o.review_of_id]
    assert [o.words for o in looking_back] == [o.words for o in agreed.outcomes if o.active]
    assert [o.previous_rating for o in looking_back] == [
        o.rating for o in agreed.outcomes if o.active
    ]
    assert [(a.what, a.status) for a in started.actions] == [
        ("Refer for respite", ActionStatus.OPEN)
    ]
    assert [a.what for a in agreed.actions] == ["Refer for respite", "Old call"]  # kept as agreed


def test_the_persons_new_words_and_rating_are_kept_beside_the_agreed_ones(db, engine, agreed, team):
    lead = team[1]
    started = over_time.start_review(db, engine, agreed, lead, "en", CONSENTS)
    db.commit()
    sender = Sender(user=lead, via_handover=True)
    for number, said in enumerate(
        [
            Said(button="start"),
            Said(button="yes"),
            Said(button="met"),
            Said(text="My daughter comes on Sundays now, so I sleep then."),
        ]
    ):
        take_turn(db, engine, started, f"r{number}", said, started.last_seq, sender)
        db.commit()
    change = next(iter(over_time.changes(db, started).values()))
    assert change.now.rating == "met"
    assert change.now.update == "My daughter comes on Sundays now, so I sleep then."
    assert change.then["words"] == change.now.words and change.then["rating"] != "met"


def test_a_plan_not_agreed_cannot_be_reviewed(db, engine, finished, team):
    with pytest.raises(WrongStage):
        over_time.start_review(db, engine, finished, team[1], "en", CONSENTS)
    assert finished.stage == PlanStage.AWAITING_REVIEW


def test_an_outsider_cannot_start_a_review(db, engine, agreed, team):
    with pytest.raises(NotInTeam):
        over_time.start_review(db, engine, agreed, team[3], "en", CONSENTS)


def test_reviews_due_and_the_review_that_closes_one(db, engine, agreed, team, carer_framework):
    lead = team[1]
    assert over_time.reviews_due(db, TODAY, within_days=28) == []
    assert over_time.reviews_due(db, TODAY, within_days=100) == [agreed]
    started = over_time.start_review(db, engine, agreed, lead, "en", CONSENTS)
    review.send_for_review(db, started, lead)
    seen = review.plan_fingerprint(db, started)
    review.sign_off(db, started, lead, TODAY + timedelta(days=180), carer_framework, TODAY, seen)
    db.commit()
    assert agreed.review_date is None and agreed.agreed.review_date == TODAY + timedelta(days=90)
    assert over_time.reviews_due(db, TODAY, within_days=200) == [started]


def test_achieved_is_the_teams_view_of_an_outcome_looked_back_on(
    db, engine, agreed, team, carer_framework
):
    _person, lead, nurse, _ = team
    started = over_time.start_review(db, engine, agreed, lead, "en", CONSENTS)
    db.commit()
    back = next(o for o in started.outcomes if o.review_of_id)
    review.edit_outcome(
        db,
        started,
        back.id,
        back.revision,
        {"achieved": "partly", "note": "Sleeps on Sundays"},
        nurse,
        carer_framework,
    )
    assert back.achieved == "partly"
    from outcomes_chat.outcomes.errors import BadValue

    with pytest.raises(BadValue):
        review.edit_outcome(
            db, started, back.id, back.revision, {"achieved": "done"}, nurse, carer_framework
        )
