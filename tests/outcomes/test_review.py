"""Review together: revisions, conflicts, actions, merging, the checklist and the sign-off."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from outcomes_chat.outcomes import review
from outcomes_chat.outcomes.errors import (
    BadReviewDate,
    BadValue,
    ChangedFirst,
    FlagsNotSeen,
    NotInTeam,
    NotLeadProfessional,
    PastDueDate,
    PlanAgreed,
    StaleRevision,
    WrongStage,
)
from outcomes_chat.outcomes.models import AuditEvent, PlanStage, Revision

from .conftest import hold_conversation

TODAY = date(2026, 12, 2)


def seen(db, assessment):
    """The plan as the lead reads it before signing off."""
    return review.plan_fingerprint(db, assessment)


def first_outcome(assessment):
    return next(outcome for outcome in assessment.outcomes if outcome.active)


def test_a_finished_conversation_awaits_review_with_each_outcome_at_revision_one(finished, db):
    assert finished.stage == PlanStage.AWAITING_REVIEW
    assert finished.outcomes
    for outcome in finished.outcomes:
        revisions = review.history(db, "outcome", outcome.id)
        assert [r.number for r in revisions] == list(range(1, outcome.revision + 1))
        assert revisions[-1].values["words"] == outcome.words
        assert {r.by_label for r in revisions} == {"Morag"}  # she typed the answers


def test_a_note_is_a_new_revision_and_the_earlier_one_is_kept(finished, team, db, carer_framework):
    _person, lead, nurse, _ = team
    outcome = first_outcome(finished)
    words, base = outcome.words, outcome.revision
    review.edit_outcome(
        db, finished, outcome.id, base, {"note": "Wants Tuesdays"}, nurse, carer_framework
    )
    review.edit_outcome(
        db, finished, outcome.id, base + 1, {"note": "Tuesdays or Thursdays"}, lead, carer_framework
    )
    db.commit()
    revisions = review.history(db, "outcome", outcome.id)[base - 1 :]
    assert [r.values["note"] for r in revisions] == [
        None,
        "Wants Tuesdays",
        "Tuesdays or Thursdays",
    ]
    assert [r.based_on for r in revisions[1:]] == [base, base + 1]
    assert [r.by_label for r in revisions[1:]] == ["Amir", "Morag"]
    assert revisions[2].changed == ["note"]
    assert outcome.words == words and all(r.values["words"] == words for r in revisions)


def test_a_change_on_a_stale_revision_is_refused_with_the_current_value(
    finished, team, db, carer_framework
):
    _person, lead, nurse, _ = team
    outcome = first_outcome(finished)
    review.edit_outcome(
        db, finished, outcome.id, outcome.revision, {"note": "first"}, lead, carer_framework
    )
    db.commit()
    with pytest.raises(StaleRevision) as refused:
        review.edit_outcome(
            db,
            finished,
            outcome.id,
            outcome.revision - 1,
            {"note": "second"},
            nurse,
            carer_framework,
        )
    assert refused.value.current["note"] == "first"
    db.rollback()
    assert outcome.note == "first" and outcome.revision == refused.value.revision


@pytest.mark.parametrize(
    "changes",
    [{"words": "rewritten"}, {"impact": "enormous"}, {"note": "x" * 4001}, {"note": 3}, {}],
)
def test_the_team_cannot_set_the_persons_words_or_bad_values(
    finished, team, db, carer_framework, changes
):
    outcome = first_outcome(finished)
    words = outcome.words
    with pytest.raises(BadValue):
        review.edit_outcome(
            db, finished, outcome.id, outcome.revision, changes, team[1], carer_framework
        )
    assert outcome.words == words and not outcome.note


def test_disagreement_keeps_both_views_and_impact_comes_from_the_framework(
    finished, team, db, carer_framework
):
    outcome = first_outcome(finished)
    changes = {
        "person_view": "I can manage the nights",
        "practitioner_view": "Nights are not safe alone",
        "impact": "substantial",
    }
    review.edit_outcome(
        db, finished, outcome.id, outcome.revision, changes, team[2], carer_framework
    )
    db.commit()
    assert (outcome.person_view, outcome.practitioner_view, outcome.impact) == tuple(
        changes.values()
    )


def test_what_the_person_says_later_does_not_overwrite_the_teams_note(
    finished, team, db, carer_framework
):
    outcome = first_outcome(finished)
    review.edit_outcome(
        db, finished, outcome.id, outcome.revision, {"note": "kept"}, team[1], carer_framework
    )
    record = {
        "outcomes": [
            {
                "id": o.key,
                "words": o.words + " and more",
                "domains": o.domains,
                "turn": o.source_turn,
            }
            for o in finished.outcomes
            if o.raised_by_id is None
        ]
    }
    review.record_conversation(db, finished, record, None, "person")
    db.commit()
    assert outcome.note == "kept" and outcome.words.endswith(" and more")
    revisions = review.history(db, "outcome", outcome.id)
    assert revisions[-1].by_label == "person" and revisions[-1].based_on == revisions[-2].number
    assert revisions[-2].values["words"] + " and more" == outcome.words  # earlier words kept


def test_only_the_lead_professional_signs_off_and_the_agreed_version_is_frozen(
    finished, team, db, carer_framework
):
    _person, lead, nurse, _ = team
    outcome = first_outcome(finished)
    with pytest.raises(NotLeadProfessional):
        review.sign_off(
            db,
            finished,
            nurse,
            TODAY + timedelta(days=90),
            carer_framework,
            TODAY,
            seen(db, finished),
        )
    agreed = review.sign_off(
        db, finished, lead, TODAY + timedelta(days=90), carer_framework, TODAY, seen(db, finished)
    )
    db.commit()
    assert finished.stage == PlanStage.AGREED and agreed.version == 1
    with pytest.raises(PlanAgreed):
        review.edit_outcome(
            db, finished, outcome.id, outcome.revision, {"note": "late"}, nurse, carer_framework
        )
    base = outcome.revision
    with pytest.raises(NotLeadProfessional):  # only the lead reopens an agreed plan
        review.start_new_version(db, finished, nurse)
    review.start_new_version(db, finished, lead)
    review.edit_outcome(
        db, finished, outcome.id, outcome.revision, {"note": "later"}, nurse, carer_framework
    )
    db.commit()
    assert finished.version == 2 and finished.stage == PlanStage.AWAITING_REVIEW
    assert outcome.revision == base + 1
    assert review.values_at_version(db, finished, 1)[outcome.id]["note"] is None
    assert review.values_at_version(db, finished, 2)[outcome.id]["note"] == "later"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "sign_off")) is not None


@pytest.mark.parametrize("days", [0, -1, 800])
def test_a_review_date_must_be_in_the_next_two_years(finished, team, db, carer_framework, days):
    with pytest.raises(BadReviewDate):
        review.sign_off(
            db,
            finished,
            team[1],
            TODAY + timedelta(days=days),
            carer_framework,
            TODAY,
            seen(db, finished),
        )
    assert finished.stage == PlanStage.AWAITING_REVIEW and not finished.sign_offs


def test_a_plan_still_in_conversation_cannot_be_signed_off(app, db, team, carer_framework):
    person, lead, _nurse, _ = team
    going = hold_conversation(app, db, person, lead, finish=False)
    with pytest.raises(WrongStage):
        review.sign_off(
            db, going, lead, TODAY + timedelta(days=30), carer_framework, TODAY, seen(db, going)
        )
    review.send_for_review(db, going, lead)
    assert going.stage == PlanStage.AWAITING_REVIEW


def test_merging_keeps_both_sets_of_words_and_moves_the_actions(
    finished, team, db, carer_framework
):
    _person, lead, nurse, _ = team
    keep = first_outcome(finished)
    other = review.raise_outcome(
        db, finished, "Same as before, a break", keep.domains[0], nurse, carer_framework
    )
    action = review.add_action(
        db, finished, other.id, review.ActionDetails("Book respite", "Amir", "health"), nurse
    )
    review.merge_outcomes(db, finished, keep.id, other.id, other.revision, lead)
    db.commit()
    assert other.words == "Same as before, a break" and other.merged_into_id == keep.id
    assert not other.active and action.outcome_id == keep.id
    assert [r.change for r in review.history(db, "action", action.id)] == ["added", "moved"]


def test_removing_keeps_the_outcome_marked_removed(finished, team, db):
    outcome = first_outcome(finished)
    review.remove_outcome(db, finished, outcome.id, outcome.revision, team[2], remove=True)
    db.commit()
    assert outcome.removed_in_review and not outcome.active and outcome.words
    assert [r.change for r in review.history(db, "outcome", outcome.id)][-1] == "removed"


def test_an_action_edit_on_a_stale_revision_is_refused(finished, team, db):
    _person, lead, nurse, _ = team
    outcome = first_outcome(finished)
    details = review.ActionDetails("Call the carers centre", "Amir", "voluntary", TODAY)
    action = review.add_action(db, finished, outcome.id, details, nurse, TODAY)
    done = review.ActionDetails("Call the carers centre", "Amir", "voluntary", TODAY, "done")
    review.edit_action(db, finished, action.id, action.revision, done, nurse, TODAY)
    with pytest.raises(StaleRevision) as refused:
        review.edit_action(db, finished, action.id, 1, details, lead, TODAY)
    assert refused.value.current["status"] == "done"


def test_a_new_action_due_before_today_is_refused_and_nothing_is_saved(finished, team, db):
    nurse = team[2]
    outcome = first_outcome(finished)
    past = review.ActionDetails("Refer to the falls service", "Amir", "health", date(2025, 1, 15))
    with pytest.raises(PastDueDate):
        review.add_action(db, finished, outcome.id, past, nurse, TODAY)
    db.rollback()
    assert not finished.actions
    today = review.ActionDetails("Refer to the falls service", "Amir", "health", TODAY)
    assert review.add_action(db, finished, outcome.id, today, nurse, TODAY).due == TODAY


def test_an_overdue_action_can_be_done_but_not_moved_to_another_past_date(finished, team, db):
    nurse = team[2]
    outcome = first_outcome(finished)
    due = TODAY - timedelta(days=3)
    details = review.ActionDetails("Call the carers centre", "Amir", "voluntary", due)
    action = review.add_action(db, finished, outcome.id, details, nurse, due)
    db.commit()
    assert review.is_overdue(action, TODAY) and not review.is_overdue(action, due)
    earlier = review.ActionDetails(
        "Call the carers centre", "Amir", "voluntary", due - timedelta(1)
    )
    with pytest.raises(PastDueDate):
        review.edit_action(db, finished, action.id, action.revision, earlier, nurse, TODAY)
    db.rollback()
    done = review.ActionDetails("Call the carers centre", "Amir", "voluntary", due, "done")
    review.edit_action(db, finished, action.id, action.revision, done, nurse, TODAY)
    db.commit()
    assert action.status.value == "done" and action.due == due
    assert not review.is_overdue(action, TODAY)


def test_the_checklist_shows_what_the_carer_plan_does_not_yet_cover(
    finished, team, db, carer_framework
):
    uncovered = {
        part.id for part, done in review.plan_checklist(finished, carer_framework) if not done
    }
    assert {"local_support", "short_break", "review_date"} <= uncovered
    assert "personal_outcomes" not in uncovered
    review.add_comment(
        db,
        finished,
        "Carers centre on Tuesdays",
        team[2],
        carer_framework,
        plan_part="local_support",
    )
    agreed = review.sign_off(
        db,
        finished,
        team[1],
        TODAY + timedelta(days=60),
        carer_framework,
        TODAY,
        seen(db, finished),
    )
    assert "local_support" not in agreed.not_covered and "review_date" not in agreed.not_covered
    assert "short_break" in agreed.not_covered


def test_outsiders_change_nothing(finished, team, db, carer_framework):
    outsider = team[3]
    outcome = first_outcome(finished)
    attempts = [
        lambda: review.edit_outcome(
            db, finished, outcome.id, outcome.revision, {"note": "x"}, outsider, carer_framework
        ),
        lambda: review.add_comment(db, finished, "x", outsider, carer_framework),
        lambda: review.remove_outcome(db, finished, outcome.id, outcome.revision, outsider, True),
    ]
    for attempt in attempts:
        with pytest.raises(NotInTeam):
            attempt()
    with pytest.raises(NotLeadProfessional):
        review.sign_off(
            db,
            finished,
            outsider,
            TODAY + timedelta(days=9),
            carer_framework,
            TODAY,
            seen(db, finished),
        )
    assert db.scalar(select(Revision).where(Revision.by_user_id == outsider.id)) is None


def test_review_state_shows_due_and_overdue_reviews(finished):
    finished.stage, finished.review_date = PlanStage.AGREED, TODAY + timedelta(days=60)
    assert review.review_state(finished, TODAY) == "agreed"
    assert review.review_state(finished, TODAY + timedelta(days=40)) == "review_due"
    assert review.review_state(finished, TODAY + timedelta(days=61)) == "overdue"


def test_a_sign_off_on_a_plan_changed_since_the_lead_read_it_is_refused(
    finished, team, db, carer_framework
):
    _person, lead, nurse, _ = team
    read = seen(db, finished)
    outcome = first_outcome(finished)
    review.edit_outcome(
        db, finished, outcome.id, outcome.revision, {"note": "late"}, nurse, carer_framework
    )
    db.commit()
    with pytest.raises(ChangedFirst):
        review.sign_off(
            db, finished, lead, TODAY + timedelta(days=30), carer_framework, TODAY, read
        )
    assert finished.stage == PlanStage.AWAITING_REVIEW and not finished.sign_offs


def test_an_agreed_plans_review_date_stands_while_a_new_version_is_worked_on(
    finished, team, db, carer_framework
):
    lead = team[1]
    review.sign_off(
        db, finished, lead, TODAY + timedelta(days=30), carer_framework, TODAY, seen(db, finished)
    )
    review.start_new_version(db, finished, lead)
    assert review.review_state(finished, TODAY + timedelta(days=31)) == "overdue"


def test_a_plan_with_open_safety_flags_is_signed_off_only_once_the_lead_has_seen_them(
    finished, team, db, carer_framework
):
    lead = team[1]
    (flag,) = review.raise_flags(
        finished, [{"category": "self_harm", "tier": "immediate", "words": "...", "turn": 3}]
    )
    db.commit()
    assert review.open_flags(db, finished, lead) == [flag]
    when = TODAY + timedelta(days=90)
    with pytest.raises(FlagsNotSeen):
        review.sign_off(db, finished, lead, when, carer_framework, TODAY, seen(db, finished))
    db.rollback()
    assert finished.stage == PlanStage.AWAITING_REVIEW and not finished.sign_offs
    agreed = review.sign_off(
        db, finished, lead, when, carer_framework, TODAY, seen(db, finished), flags_seen=[flag.id]
    )
    db.commit()
    assert agreed.open_flags == [flag.id] and finished.stage == PlanStage.AGREED


def test_a_flag_raised_after_the_lead_looked_is_not_taken_as_seen(
    finished, team, db, carer_framework
):
    lead = team[1]
    (shown,) = review.raise_flags(
        finished, [{"category": "self_harm", "tier": "immediate", "words": "...", "turn": 3}]
    )
    db.flush()
    review.raise_flags(
        finished, [{"category": "neglect", "tier": "safeguarding", "words": "...", "turn": 4}]
    )
    db.commit()
    when = TODAY + timedelta(days=90)
    with pytest.raises(FlagsNotSeen):
        review.sign_off(
            db,
            finished,
            lead,
            when,
            carer_framework,
            TODAY,
            seen(db, finished),
            flags_seen=[shown.id],
        )
    db.rollback()
    assert finished.stage == PlanStage.AWAITING_REVIEW and not finished.sign_offs


def test_a_sign_off_with_every_flag_cleared_records_none_open(finished, team, db, carer_framework):
    lead = team[1]
    (flag,) = review.raise_flags(
        finished, [{"category": "self_harm", "tier": "immediate", "words": "...", "turn": 3}]
    )
    db.flush()
    review.clear_flag(db, finished, flag.id, "Spoke to the GP today", lead)
    db.commit()
    when = TODAY + timedelta(days=90)
    agreed = review.sign_off(db, finished, lead, when, carer_framework, TODAY, seen(db, finished))
    db.commit()
    assert agreed.open_flags == []


def test_a_flag_in_a_private_conversation_is_not_kept_with_the_teams_sign_off(
    app, finished, team, db, carer_framework
):
    from outcomes_chat.outcomes.conversations import start_conversation
    from outcomes_chat.outcomes.models import ConsentPurpose
    from outcomes_chat.web.engines import engine_for

    person, lead = team[0], team[1]
    with app.app_context():
        engine = engine_for("carer")
    private = start_conversation(
        db, engine, person, lead, "carer", "en", {ConsentPurpose.RECORD: True}
    )
    db.flush()
    (hidden,) = review.raise_flags(
        private, [{"category": "self_harm", "tier": "immediate", "words": "...", "turn": 1}]
    )
    (shared,) = review.raise_flags(
        finished, [{"category": "neglect", "tier": "safeguarding", "words": "...", "turn": 3}]
    )
    db.commit()
    # The lead started the private one, so sees both and must confirm both.
    assert {f.id for f in review.open_flags(db, finished, lead)} == {hidden.id, shared.id}
    when = TODAY + timedelta(days=90)
    agreed = review.sign_off(
        db,
        finished,
        lead,
        when,
        carer_framework,
        TODAY,
        seen(db, finished),
        flags_seen=[hidden.id, shared.id],
    )
    db.commit()
    # The sign-off is shown to the whole team: it keeps only the shared conversation's flag.
    assert agreed.open_flags == [shared.id]
