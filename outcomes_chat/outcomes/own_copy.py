"""The person's own copy of their plan: the agreed version, or the draft if none is agreed yet.

Read from the revisions, so the copy shows the plan as it was signed off even while the team
works on a new version. The same plain shape (OwnCopy) is built from an export view, so the
printable page and the PDF share one template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import review
from .models import ActionStatus, Assessment, Revision


@dataclass(frozen=True)
class CopyAction:
    """Something that will be done: what, by whom, from which agency, by when."""

    what: str
    who: str
    agency: str
    due: date | None
    done: bool


@dataclass(frozen=True)
class CopyOutcome:
    """What matters, in the person's words, how it is going, and what will be done."""

    words: str
    rating: str | None
    rating_words: str | None
    also_said: list[str]
    actions: list[CopyAction]
    # At a review: what the person says about it now, in their words.
    update: str | None = None


@dataclass(frozen=True)
class CopyLead:
    """Who to contact: the lead professional's name and agency (an Agency value)."""

    name: str
    agency: str


@dataclass(frozen=True)
class OwnCopy:
    """Everything the person's copy shows."""

    called: str
    language: str
    agreed_at: datetime | None
    outcomes: list[CopyOutcome]
    lead: CopyLead | None
    review_date: date | None


def _actions_at_version(db: Session, assessment: Assessment, version: int) -> list[dict[str, Any]]:
    latest: dict[int, Revision] = {}
    for revision in db.scalars(
        select(Revision)
        .where(
            Revision.assessment_id == assessment.id,
            Revision.subject == "action",
            Revision.plan_version <= version,
        )
        .order_by(Revision.number)
    ):
        latest[revision.subject_id] = revision
    return [dict(latest[key].values) for key in sorted(latest)]


def _active(values: dict[str, Any]) -> bool:
    return not (
        values.get("removed") or values.get("removed_in_review") or values.get("merged_into_id")
    )


def own_copy(db: Session, assessment: Assessment) -> OwnCopy:
    """The latest agreed version of the plan; the plan as it is now if never agreed."""
    agreed = assessment.agreed
    if agreed is not None:
        by_id = review.values_at_version(db, assessment, agreed.version)
        actions = _actions_at_version(db, assessment, agreed.version)
    else:
        by_id = {o.id: review.outcome_values(o) for o in assessment.outcomes}
        actions = [review.action_values(a) for a in assessment.actions]
    outcomes = []
    for outcome_id in sorted(by_id):
        values = by_id[outcome_id]
        if not _active(values):
            continue
        merged = [
            other["words"]
            for other in (by_id[key] for key in sorted(by_id))
            if other.get("merged_into_id") == outcome_id
        ]
        outcomes.append(_outcome(values, merged, actions, outcome_id))
    lead = assessment.person.lead
    return OwnCopy(
        called=assessment.person.called,
        language=assessment.language,
        agreed_at=agreed.at if agreed is not None else None,
        outcomes=outcomes,
        lead=CopyLead(lead.user.display_name, lead.user.agency.value) if lead else None,
        review_date=agreed.review_date if agreed is not None else None,
    )


def _outcome(
    values: Mapping[str, Any],
    also_said: list[str],
    actions: list[dict[str, Any]],
    outcome_id: int,
) -> CopyOutcome:
    return CopyOutcome(
        words=values["words"],
        rating=values.get("rating"),
        rating_words=values.get("rating_words"),
        update=values.get("update"),
        also_said=also_said,
        actions=[
            CopyAction(
                what=action["what"],
                who=action["who"],
                agency=action["agency"],
                due=date.fromisoformat(action["due"]) if action.get("due") else None,
                done=action["status"] == ActionStatus.DONE.value,
            )
            for action in actions
            if action["outcome_id"] == outcome_id and action["status"] != ActionStatus.DROPPED.value
        ],
    )


def own_copy_from_view(view: Mapping[str, Any]) -> OwnCopy:
    """The copy of the version an export view holds (outcomes.export.export_view).

    The view leaves out outcomes merged into others, so "you also said" stays empty here.
    """
    assessment, person = view["assessment"], view["person"]
    lead = next((member for member in view["team"] if member["lead"]), None)
    agreed = assessment["agreed"]
    return OwnCopy(
        called=person["preferred_name"] or person["name"],
        language=assessment["language"],
        agreed_at=datetime.fromisoformat(assessment["agreed_at"]) if agreed else None,
        outcomes=[
            _outcome(outcome, [], view["actions"], outcome["id"]) for outcome in view["outcomes"]
        ],
        lead=CopyLead(lead["name"], lead["agency"]) if lead else None,
        review_date=(
            date.fromisoformat(assessment["review_date"])
            if agreed and assessment["review_date"]
            else None
        ),
    )
