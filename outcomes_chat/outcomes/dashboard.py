"""What needs the team's attention: open safety flags, plans by state, reviews, open actions.

A handful of queries whatever the number of persons: persons, then their conversations with
flags and actions loaded alongside (selectinload), never one query per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..dialogue.script import TIERS
from .conversations import flagged_person_ids
from .models import (
    ActionStatus,
    Agency,
    Assessment,
    OutcomeAction,
    Person,
    PlanStage,
    RecordedOutcome,
    SafetyFlag,
    User,
)
from .persons import in_team, visible_persons
from .review import can_review, review_state

# Every state review.review_state gives, in the order a plan moves through them.
STATES = (
    PlanStage.IN_CONVERSATION.value,
    PlanStage.AWAITING_REVIEW.value,
    PlanStage.AGREED.value,
    "review_due",
    "overdue",
)
OPEN_ACTION = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Dashboard:
    """One user's view: persons, and the records of those whose team they are in."""

    persons: Sequence[Person]
    # Persons with a safety flag not yet cleared (for the persons list), of all `persons`.
    flagged: set[int]
    # Open flags, most urgent tier first, then longest waiting.
    flags: list[SafetyFlag]
    # Each state of STATES, with its conversations newest first.
    by_state: dict[str, list[Assessment]]
    # Agreed plans whose review is due soon or overdue, earliest date first.
    reviews: list[Assessment]
    # Actions not done or dropped, by agency in Agency's order; agencies with none left out.
    actions: dict[Agency, list[OutcomeAction]] = field(default_factory=dict)


def _tier_rank(tier: str) -> int:
    # A tier the code does not know (data from an older service) counts as the most urgent.
    return TIERS.index(tier) if tier in TIERS else 0


def _carried_over(db: Session, assessments: Sequence[Assessment]) -> set[tuple[int, int]]:
    """(agreed plan, outcome) pairs a review conversation looks back on: it carried their open
    actions over (outcomes.over_time), and its copy is the current one, so the plan's is not
    listed. One query, and only when there are reviews."""
    reviews = [a.id for a in assessments if a.review_of_id is not None]
    if not reviews:
        return set()
    rows = db.execute(
        select(Assessment.review_of_id, RecordedOutcome.review_of_id)
        .join(RecordedOutcome, RecordedOutcome.assessment_id == Assessment.id)
        .where(Assessment.id.in_(reviews), RecordedOutcome.review_of_id.is_not(None))
    )
    return {(plan, outcome) for plan, outcome in rows if plan is not None and outcome is not None}


def for_user(db: Session, user: User, today: date) -> Dashboard:
    """The dashboard for `user` on `today` (due and overdue are counted from it).

    Administrators see every person, but like everyone else only the conversations, flags and
    actions of persons whose team they are in (outcomes.review.can_review).
    """
    persons = visible_persons(db, user)
    team_ids = [person.id for person in persons if in_team(user, person)]
    assessments: Sequence[Assessment] = []
    if team_ids:
        assessments = db.scalars(
            select(Assessment)
            .where(Assessment.person_id.in_(team_ids))
            .options(
                selectinload(Assessment.person),
                selectinload(Assessment.flags),
                selectinload(Assessment.actions),
                selectinload(Assessment.consents),
            )
            .order_by(Assessment.started_at.desc(), Assessment.id.desc())
        ).all()
        # A conversation the person kept private to whoever started it shows only to them.
        assessments = [a for a in assessments if can_review(user, a)]
    flags = sorted(
        (f for assessment in assessments for f in assessment.flags if f.cleared_at is None),
        key=lambda flag: (_tier_rank(flag.tier), flag.raised_at, flag.id),
    )
    by_state: dict[str, list[Assessment]] = {state: [] for state in STATES}
    for assessment in assessments:
        by_state[review_state(assessment, today)].append(assessment)
    reviews = sorted(
        [*by_state["overdue"], *by_state["review_due"]],
        key=lambda assessment: (assessment.review_date or today, assessment.id),
    )
    superseded = _carried_over(db, assessments)
    open_actions = sorted(
        (
            a
            for assessment in assessments
            for a in assessment.actions
            if a.status in OPEN_ACTION and (assessment.id, a.outcome_id) not in superseded
        ),
        key=lambda action: (action.due is None, action.due or today, action.id),
    )
    actions = {
        agency: mine
        for agency in Agency
        if (mine := [action for action in open_actions if action.agency == agency])
    }
    return Dashboard(
        persons=persons,
        # Every visible person: an administrator sees that someone has a concern, unless the
        # person kept that conversation private to whoever started it.
        flagged=flagged_person_ids(db, [person.id for person in persons], user),
        flags=flags,
        by_state=by_state,
        reviews=reviews,
        actions=actions,
    )


def flags_for_person(db: Session, person: Person) -> Sequence[SafetyFlag]:
    """Every safety flag raised in a person's conversations: open ones first, newest first."""
    return db.scalars(
        select(SafetyFlag)
        .join(Assessment)
        .where(Assessment.person_id == person.id)
        .options(selectinload(SafetyFlag.cleared_by), selectinload(SafetyFlag.assessment))
        .order_by(
            SafetyFlag.cleared_at.is_not(None), SafetyFlag.raised_at.desc(), SafetyFlag.id.desc()
        )
    ).all()
