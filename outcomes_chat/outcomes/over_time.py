"""Plans over time: a review conversation that starts from the last agreed plan, the change
since, and the reviews that fall due.

A review is a new conversation in the engine's review mode, seeded with the outcomes as they
were agreed, so the person never tells their story again; the actions still open are carried
over to it, and the agreed plan stays as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..dialogue.engine import Engine
from . import review
from .audit import record_audit
from .conversations import start_conversation
from .errors import NotInTeam, WrongStage
from .models import (
    ActionStatus,
    Assessment,
    ConsentPurpose,
    OutcomeAction,
    PlanStage,
    RecordedOutcome,
    User,
)

OPEN = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def agreed_outcomes(db: Session, agreed: Assessment) -> list[dict[str, Any]]:
    """The outcomes as they were signed off, in the order they were recorded, for the engine's
    review mode: id, domain, the person's words, and how it was going then."""
    signed = agreed.agreed
    if signed is None:
        raise WrongStage(agreed.stage.value)
    values = review.values_at_version(db, agreed, signed.version)
    items = []
    for outcome in agreed.outcomes:
        then = values.get(outcome.id)
        if then is None or then.get("removed") or then.get("removed_in_review"):
            continue
        if then.get("merged_into_id"):
            continue
        domains = then.get("domains") or []
        items.append(
            {
                "id": outcome.id,
                "domain": domains[0] if domains else None,
                "text": then.get("words", ""),
                "rating": then.get("rating"),
            }
        )
    return items


def start_review(
    db: Session,
    engine: Engine,
    agreed: Assessment,
    user: User,
    language: str,
    consents: Mapping[ConsentPurpose, bool],
) -> Assessment:
    """Start a review conversation of an agreed plan; its open actions are carried over."""
    if not review.can_review(user, agreed):
        raise NotInTeam()
    if agreed.stage != PlanStage.AGREED:
        raise WrongStage(agreed.stage.value)
    started = start_conversation(
        db,
        engine,
        agreed.person,
        user,
        agreed.framework,
        language,
        consents,
        review_outcomes=agreed_outcomes(db, agreed),
    )
    started.review_of_id = agreed.id
    db.flush()
    _carry_over_actions(db, agreed, started, user)
    record_audit(db, user, "create", "assessment", started.id, started.person_id)
    return started


def _carry_over_actions(db: Session, agreed: Assessment, started: Assessment, user: User) -> None:
    """Each action still open moves with its outcome to the review; the agreed plan keeps its
    own copy as it was."""
    looking_back = {o.review_of_id: o for o in started.outcomes if o.review_of_id is not None}
    for action in agreed.actions:
        now = looking_back.get(action.outcome_id)
        if action.status not in OPEN or now is None:
            continue
        carried = OutcomeAction(
            outcome=now,
            what=action.what,
            who=action.who,
            agency=action.agency,
            due=action.due,
            status=action.status,
            created_by_id=user.id,
        )
        started.actions.append(carried)
        db.flush()
        review.record_revision(db, started, carried, "carried_over", user)


@dataclass(frozen=True)
class Change:
    """One outcome at a review: how it was agreed, how it is now, and whether achieved."""

    now: RecordedOutcome
    then: dict[str, Any]


def changes(db: Session, assessment: Assessment) -> dict[int, Change]:
    """For a review conversation: each outcome that looks back, with the agreed values."""
    agreed = assessment.review_of
    if agreed is None or agreed.agreed is None:
        return {}
    then = review.values_at_version(db, agreed, agreed.agreed.version)
    return {
        outcome.id: Change(outcome, then.get(outcome.review_of_id, {}))
        for outcome in assessment.outcomes
        if outcome.review_of_id is not None
    }


def reviews_due(db: Session, today: date, within_days: int = 28) -> Sequence[Assessment]:
    """Agreed plans whose review date falls within the days given, or has passed."""
    return db.scalars(
        select(Assessment)
        .where(
            Assessment.review_date.is_not(None),
            Assessment.review_date <= today + timedelta(days=within_days),
        )
        .options(selectinload(Assessment.person))
        .order_by(Assessment.review_date, Assessment.id)
    ).all()


def person_history(db: Session, person_id: int) -> tuple[Sequence[Assessment], list[OutcomeAction]]:
    """A person's conversations and reviews, newest first, and every action across agencies."""
    assessments = db.scalars(
        select(Assessment)
        .where(Assessment.person_id == person_id)
        .options(selectinload(Assessment.actions), selectinload(Assessment.sign_offs))
        .order_by(Assessment.started_at.desc(), Assessment.id.desc())
    ).all()
    actions = [action for assessment in assessments for action in assessment.actions]
    return assessments, actions
