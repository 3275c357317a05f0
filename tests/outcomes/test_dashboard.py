"""The dashboard's records: open flags first, plans by state, reviews due, actions by agency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from outcomes_chat.outcomes import dashboard, review
from outcomes_chat.outcomes.models import (
    ActionStatus,
    Agency,
    Assessment,
    AssessmentStatus,
    Consent,
    ConsentPurpose,
    OutcomeAction,
    PlanStage,
    RecordedOutcome,
    Role,
)

TODAY = date(2026, 12, 2)


@pytest.fixture
def plan(db):
    """Store a conversation at a plan stage: plan(person, PlanStage.AGREED, review_date=...)."""
    made = iter(range(1, 1000))

    def make(person, stage=PlanStage.AWAITING_REVIEW, review_date=None, started_days_ago=0):
        assessment = Assessment(
            person=person,
            framework="carer",
            language="en",
            status=AssessmentStatus.FINISHED,
            state={},
            stage=stage,
            review_date=review_date,
            started_at=datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=started_days_ago),
        )
        assessment.outcomes.append(
            RecordedOutcome(key=f"o{next(made)}", domains=["finance"], words="Manage the bills")
        )
        assessment.consents.append(Consent(purpose=ConsentPurpose.SHARE_TEAM, given=True))
        db.add(assessment)
        db.commit()
        return assessment

    return make


def flag(db, assessment, category, tier, minutes):
    """Raise a flag `minutes` after midnight on the first of November."""
    (raised,) = review.raise_flags(
        assessment, [{"category": category, "tier": tier, "words": "...", "turn": 3}]
    )
    raised.raised_at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    db.commit()
    return raised


def action(db, assessment, agency, status=ActionStatus.OPEN, due=None):
    added = OutcomeAction(
        outcome=assessment.outcomes[0],
        what=f"{agency.value} {status.value}",
        who="Someone",
        agency=agency,
        status=status,
        due=due,
    )
    assessment.actions.append(added)
    db.commit()
    return added


def test_open_flags_come_first_by_urgency_then_longest_waiting(db, team, plan):
    person, lead, _nurse, _outsider = team
    assessment = plan(person)
    worry = flag(db, assessment, "cant_cope", "wellbeing", minutes=1)
    later_danger = flag(db, assessment, "danger_at_home", "immediate", minutes=20)
    danger = flag(db, assessment, "self_harm", "immediate", minutes=10)
    cleared = flag(db, assessment, "self_harm", "immediate", minutes=5)
    review.clear_flag(db, assessment, cleared.id, "Phoned her; she is safe", lead)
    db.commit()
    shown = dashboard.for_user(db, lead, TODAY)
    assert shown.flags == [danger, later_danger, worry]
    assert shown.flagged == {person.id}


def test_plans_are_grouped_by_state_and_reviews_counted_from_today(db, team, plan):
    person, lead, _nurse, _outsider = team
    talking = plan(person, PlanStage.IN_CONVERSATION)
    waiting = plan(person, PlanStage.AWAITING_REVIEW)
    agreed = plan(person, PlanStage.AGREED, TODAY + timedelta(days=120))
    due = plan(person, PlanStage.AGREED, TODAY + timedelta(days=10))
    overdue = plan(person, PlanStage.AGREED, TODAY - timedelta(days=1))
    long_overdue = plan(person, PlanStage.AGREED, TODAY - timedelta(days=40), started_days_ago=30)
    shown = dashboard.for_user(db, lead, TODAY)
    assert shown.by_state == {
        "in_conversation": [talking],
        "awaiting_review": [waiting],
        "agreed": [agreed],
        "review_due": [due],
        "overdue": [overdue, long_overdue],
    }
    assert shown.reviews == [long_overdue, overdue, due]
    # The same plans a month later: the agreed one is due, the due one overdue.
    later = dashboard.for_user(db, lead, TODAY + timedelta(days=100))
    assert later.by_state["review_due"] == [agreed]
    assert due in later.by_state["overdue"]


def test_open_actions_are_listed_by_agency_without_done_or_dropped(db, team, plan):
    person, lead, _nurse, _outsider = team
    first, second = plan(person), plan(person, PlanStage.AGREED, TODAY + timedelta(days=90))
    undated = action(db, first, Agency.HEALTH)
    soon = action(db, second, Agency.HEALTH, ActionStatus.IN_PROGRESS, due=TODAY)
    voluntary = action(db, second, Agency.VOLUNTARY)
    action(db, first, Agency.SOCIAL_WORK, ActionStatus.DONE)
    action(db, second, Agency.SOCIAL_WORK, ActionStatus.DROPPED)
    shown = dashboard.for_user(db, lead, TODAY)
    assert shown.actions == {Agency.HEALTH: [soon, undated], Agency.VOLUNTARY: [voluntary]}


def test_only_the_records_of_my_teams_are_shown(db, team, plan, make_user):
    person, _lead, nurse, outsider = team
    assessment = plan(person)
    flag(db, assessment, "self_harm", "immediate", minutes=1)
    action(db, assessment, Agency.HEALTH)
    assert dashboard.for_user(db, nurse, TODAY).flags
    for stranger in (outsider, make_user("admin", role=Role.ADMIN)):
        shown = dashboard.for_user(db, stranger, TODAY)
        assert (shown.flags, shown.reviews, shown.actions) == ([], [], {})
        assert not any(shown.by_state.values())
    # An administrator sees every person, and that one has a concern, but not its records.
    admin_view = dashboard.for_user(db, db.merge(make_user("admin2", role=Role.ADMIN)), TODAY)
    assert admin_view.persons == [person] and admin_view.flagged == {person.id}


def test_the_dashboard_takes_as_many_queries_for_many_persons_as_for_one(
    app, db, team, plan, make_person
):
    person, lead, _nurse, _outsider = team

    def fill(someone):
        for stage in PlanStage:
            assessment = plan(someone, stage, TODAY + timedelta(days=5))
            flag(db, assessment, "cant_cope", "wellbeing", minutes=1)
            action(db, assessment, Agency.HEALTH)

    def queries() -> int:
        db.expire_all()
        seen: list[str] = []
        engine = app.extensions["db_engine"]

        def count(*args):
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            shown = dashboard.for_user(db, lead, TODAY)
            # What the page reads of each row, so a lazy load would be counted too.
            for item in shown.flags:
                _ = (item.assessment.person.name, item.category)
            for agency_actions in shown.actions.values():
                _ = [a.assessment.person.name for a in agency_actions]
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    fill(person)
    one = queries()
    for number in range(2, 5):
        fill(make_person(lead, case_reference=f"CASE-{number}", name=f"Person {number}"))
    assert queries() == one


def test_a_persons_flags_list_open_ones_first(db, team, plan):
    person, lead, _nurse, _outsider = team
    assessment = plan(person)
    old = flag(db, assessment, "self_harm", "immediate", minutes=1)
    cleared = flag(db, assessment, "cant_cope", "wellbeing", minutes=30)
    new = flag(db, assessment, "neglect", "safeguarding", minutes=60)
    review.clear_flag(db, assessment, cleared.id, "Talked it through", lead)
    db.commit()
    assert list(dashboard.flags_for_person(db, person)) == [new, old, cleared]


def test_a_conversation_kept_private_to_its_starter_shows_only_to_them(db, make_user, make_person):
    lead = make_user("morag-private", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir-private")
    person = make_person(lead, case_reference="PRIV-1", members=(nurse,))
    private = Assessment(
        person=person,
        framework="carer",
        language="en",
        status=AssessmentStatus.FINISHED,
        state={},
        stage=PlanStage.AWAITING_REVIEW,
        started_by=lead,
    )
    private.consents.append(Consent(purpose=ConsentPurpose.SHARE_TEAM, given=False))
    db.add(private)
    db.commit()
    today = date(2026, 12, 2)
    assert private in dashboard.for_user(db, lead, today).by_state["awaiting_review"]
    assert private not in dashboard.for_user(db, nurse, today).by_state["awaiting_review"]


def test_an_action_carried_over_to_a_review_is_listed_once_from_the_review(
    app, db, finished, team, carer_framework
):
    from outcomes_chat.outcomes import over_time
    from outcomes_chat.web.engines import engine_for

    _person, lead, nurse, _ = team
    outcome = next(o for o in finished.outcomes if o.active)
    details = review.ActionDetails("Refer to the falls service", "Amir", "health")
    review.add_action(db, finished, outcome.id, details, nurse, TODAY)
    seen = review.plan_fingerprint(db, finished)
    review.sign_off(db, finished, lead, TODAY + timedelta(days=90), carer_framework, TODAY, seen)
    db.commit()
    with app.app_context():
        engine = engine_for("carer")
    consents = {ConsentPurpose.RECORD: True, ConsentPurpose.SHARE_TEAM: True}
    started = over_time.start_review(db, engine, finished, lead, "en", consents)
    db.commit()

    listed = [a for mine in dashboard.for_user(db, nurse, TODAY).actions.values() for a in mine]
    assert [(a.what, a.assessment_id) for a in listed] == [
        ("Refer to the falls service", started.id)
    ]
