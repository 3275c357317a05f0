"""Review together: the team's changes to outcomes and actions, comments and the sign-off.

Every change is a unit of work here, whatever asked for it (the review page, its live socket,
a command): it checks who may make it, refuses a change based on an older revision than the
current one, appends a revision (never updates one), and stages an audit row; the caller
commits. The person's words are only ever changed by the person, in the conversation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..dialogue.frameworks import Framework, PlanPart
from . import conversations
from .audit import record_audit
from .errors import (
    BadReviewDate,
    BadValue,
    ChangedFirst,
    FlagsNotSeen,
    NotInTeam,
    NotLeadProfessional,
    PastDueDate,
    PlanAgreed,
    StaleRevision,
    UnknownRecord,
    WrongStage,
)
from .models import (
    ActionStatus,
    Agency,
    Assessment,
    AssessmentStatus,
    OutcomeAction,
    PlanStage,
    RecordedOutcome,
    ReviewComment,
    Revision,
    SafetyFlag,
    SignOff,
    User,
    utcnow,
)

MAX_TEXT_LENGTH = 4000
MAX_WHO_LENGTH = 200
LONGEST_REVIEW_INTERVAL = timedelta(days=2 * 366)
# A review is "due" this long before its date, so it can be booked.
REVIEW_DUE_WITHIN = timedelta(days=28)

# What the conversation records; only the person changes these, by what they say.
CONVERSATION_FIELDS = (
    "words",
    "domains",
    "source_turn",
    "rating",
    "rating_words",
    "wish",
    "helps",
    "barriers",
    "who_could_help",
    "removed",
    "review_of_id",
    "previous_rating",
    "update",
)
# What the team writes beside the person's words.
TEAM_FIELDS = ("note", "practitioner_view", "person_view", "impact", "achieved")
# At a review, the team's view of whether an agreed outcome was achieved.
ACHIEVED = ("achieved", "partly", "not_achieved")
OUTCOME_FIELDS = (*CONVERSATION_FIELDS, *TEAM_FIELDS, "removed_in_review", "merged_into_id")
ACTION_FIELDS = ("outcome_id", "what", "who", "agency", "due", "status")
# Changes that make a record: its first revision, based on nothing. "imported": restored from
# an exported file (outcomes.import_plans).
NEW_RECORD_CHANGES = ("conversation", "raised", "added", "carried_over", "imported")


def outcome_values(outcome: RecordedOutcome) -> dict[str, Any]:
    """The outcome's revisable fields as plain JSON values."""
    return {name: getattr(outcome, name) for name in OUTCOME_FIELDS}


def action_values(action: OutcomeAction) -> dict[str, Any]:
    """The action's revisable fields as plain JSON values."""
    return {
        "outcome_id": action.outcome_id,
        "what": action.what,
        "who": action.who,
        "agency": action.agency.value,
        "due": action.due.isoformat() if action.due else None,
        "status": action.status.value,
    }


# ---------------------------------------------------------------- who may, and at which stage


def can_review(user: User, assessment: Assessment) -> bool:
    """Team members the person's consent lets see the conversation may review it."""
    return conversations.can_take_part(user, assessment)


def is_lead(user: User, assessment: Assessment) -> bool:
    """Whether this user is the person's lead professional."""
    lead = assessment.person.lead
    return user.active and lead is not None and lead.user_id == user.id


def _check_may_change(user: User, assessment: Assessment) -> None:
    if not can_review(user, assessment):
        raise NotInTeam()
    if assessment.stage == PlanStage.AGREED:
        raise PlanAgreed()


def review_state(assessment: Assessment, today: date) -> str:
    """The plan's stage, with an agreed plan's review shown as due or overdue by its date."""
    if assessment.review_date is None:
        return assessment.stage.value
    # An agreed plan's review date stands while a new version is being worked on.
    if assessment.review_date < today:
        return "overdue"
    if assessment.stage == PlanStage.AGREED and assessment.review_date - today <= REVIEW_DUE_WITHIN:
        return "review_due"
    return assessment.stage.value


# ------------------------------------------------------------------------------ revisions


def _revise(
    db: Session,
    assessment: Assessment,
    record: RecordedOutcome | OutcomeAction,
    change: str,
    before: Mapping[str, Any],
    by: User | None,
    by_label: str,
) -> Revision:
    """Append the revision that took `record` from `before` to what it holds now."""
    is_outcome = isinstance(record, RecordedOutcome)
    after = outcome_values(record) if is_outcome else action_values(record)  # type: ignore[arg-type]
    based_on = None if change in NEW_RECORD_CHANGES else record.revision
    if based_on is not None:
        record.revision += 1
    revision = Revision(
        assessment_id=assessment.id,
        subject="outcome" if is_outcome else "action",
        subject_id=record.id,
        number=record.revision,
        based_on=based_on,
        plan_version=assessment.version,
        change=change,
        changed=sorted(name for name in after if after[name] != before.get(name)),
        values=after,
        by_user_id=by.id if by else None,
        by_label=by_label,
    )
    db.add(revision)
    return revision


def record_revision(
    db: Session,
    assessment: Assessment,
    record: RecordedOutcome | OutcomeAction,
    change: str,
    by: User | str,
) -> Revision:
    """The first revision of a record made by a service elsewhere (e.g. a carried-over action);
    `by` is an account, or who in words when no account of this instance made it."""
    if change not in NEW_RECORD_CHANGES:
        raise ValueError(f"{change!r} does not make a new record")
    if isinstance(by, str):
        return _revise(db, assessment, record, change, {}, None, by)
    return _revise(db, assessment, record, change, {}, by, by.display_name)


def _check_based_on(record: RecordedOutcome | OutcomeAction, based_on: int) -> None:
    if based_on != record.revision:
        current = (
            outcome_values(record) if isinstance(record, RecordedOutcome) else action_values(record)
        )
        raise StaleRevision(record.revision, current)


def commit(db: Session) -> None:
    """Commit a staged change. Two changes based on the same revision both ask for its next
    number, and the database lets one have it: the other is refused as stale, unsaved."""
    try:
        db.commit()
    except IntegrityError as error:
        db.rollback()
        raise ChangedFirst() from error


def history_of_outcomes(db: Session, assessment: Assessment) -> dict[int, list[Revision]]:
    """Every outcome's revisions, oldest first, in one query."""
    found: dict[int, list[Revision]] = {outcome.id: [] for outcome in assessment.outcomes}
    for revision in db.scalars(
        select(Revision)
        .where(Revision.assessment_id == assessment.id, Revision.subject == "outcome")
        .order_by(Revision.subject_id, Revision.number)
    ):
        found.setdefault(revision.subject_id, []).append(revision)
    return found


def plan_fingerprint(db: Session, assessment: Assessment) -> str:
    """What the plan looked like when read: the newest revision and comment. A sign-off
    carries it, so a change made since (that the lead has not seen) refuses the sign-off."""
    latest_revision = db.scalar(
        select(func.max(Revision.id)).where(Revision.assessment_id == assessment.id)
    )
    latest_comment = db.scalar(
        select(func.max(ReviewComment.id)).where(ReviewComment.assessment_id == assessment.id)
    )
    return f"{assessment.version}:{latest_revision or 0}:{latest_comment or 0}"


def history(db: Session, subject: str, subject_id: int) -> Sequence[Revision]:
    """Every revision of one outcome or action, oldest first."""
    return db.scalars(
        select(Revision)
        .where(Revision.subject == subject, Revision.subject_id == subject_id)
        .order_by(Revision.number)
    ).all()


def values_at_version(
    db: Session, assessment: Assessment, version: int, subject: str = "outcome"
) -> dict[int, dict]:
    """Each outcome (or action) as it stood in a plan version (the agreed one, for a frozen
    plan), by id."""
    # Plain rows, not entities: an export reads this for every plan, and the values are all
    # it needs.
    rows = db.execute(
        select(Revision.subject, Revision.plan_version, Revision.subject_id, Revision.values)
        .where(Revision.assessment_id == assessment.id, Revision.subject == subject)
        .order_by(Revision.number)
    )
    return latest_values(rows, version, subject)


def latest_values(
    revisions: Iterable[tuple[str, int, int, dict]], version: int, subject: str = "outcome"
) -> dict[int, dict]:
    """From (subject, plan version, subject id, values) rows in revision order: each record's
    values as they stood in `version`, by id (later revisions overwrite earlier ones)."""
    return {
        subject_id: dict(values)
        for kind, plan_version, subject_id, values in revisions
        if kind == subject and plan_version <= version
    }


# ---------------------------------------------------------------- the conversation's record


def record_conversation(
    db: Session,
    assessment: Assessment,
    record: Mapping[str, Any],
    by: User | None,
    by_label: str,
) -> list[RecordedOutcome]:
    """Bring the conversation's outcomes into the rows, as revisions; return those changed.

    Only the fields the conversation owns are written, so the team's notes, views and
    removals are never overwritten by a later turn; a change the person makes in the summary
    is a new revision, and the words it replaced stay in the history.
    """
    db.flush()  # new outcomes need the assessment's id, and revisions need theirs
    by_key = {outcome.key: outcome for outcome in assessment.outcomes}
    seen: set[str] = set()
    changed: list[RecordedOutcome] = []
    for item in record.get("outcomes", []):
        key = str(item["id"])
        seen.add(key)
        wanted = _conversation_values(item)
        outcome = by_key.get(key)
        if outcome is None:
            outcome = RecordedOutcome(key=key, **wanted)
            assessment.outcomes.append(outcome)
            db.flush()
            _revise(db, assessment, outcome, "conversation", {}, by, by_label)
            changed.append(outcome)
        elif any(getattr(outcome, name) != value for name, value in wanted.items()):
            _apply_from_conversation(db, assessment, outcome, wanted, by, by_label)
            changed.append(outcome)
    for key, outcome in by_key.items():
        if key not in seen and not outcome.removed and outcome.raised_by_id is None:
            _apply_from_conversation(db, assessment, outcome, {"removed": True}, by, by_label)
            changed.append(outcome)
    return changed


def _conversation_values(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "words": item["words"],
        "domains": list(item.get("domains") or []),
        "source_turn": item.get("turn"),
        "rating": item.get("rating"),
        "rating_words": item.get("rating_words"),
        "wish": item.get("wish"),
        "helps": item.get("helps"),
        "barriers": item.get("barriers"),
        "who_could_help": item.get("who_could_help"),
        "removed": False,
        "review_of_id": _outcome_id(item.get("review_of")),
        "previous_rating": item.get("previous_rating"),
        "update": item.get("update"),
    }


def _outcome_id(value: object) -> int | None:
    """The agreed outcome a review outcome looks back on (the engine keeps it as text)."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def _apply_from_conversation(
    db: Session,
    assessment: Assessment,
    outcome: RecordedOutcome,
    values: Mapping[str, Any],
    by: User | None,
    by_label: str,
) -> None:
    before = outcome_values(outcome)
    for name, value in values.items():
        setattr(outcome, name, value)
    _revise(db, assessment, outcome, "said", before, by, by_label)


def finish_conversation(assessment: Assessment) -> None:
    """The conversation ended: its outcomes now await the team's review."""
    if assessment.stage == PlanStage.IN_CONVERSATION:
        assessment.stage = PlanStage.AWAITING_REVIEW


def send_for_review(db: Session, assessment: Assessment, user: User) -> None:
    """End a paused or unfinished conversation early so the team can review what was said."""
    if not can_review(user, assessment):
        raise NotInTeam()
    if assessment.stage != PlanStage.IN_CONVERSATION:
        raise WrongStage(assessment.stage.value)
    assessment.stage = PlanStage.AWAITING_REVIEW
    record_audit(db, user, "change", "assessment", assessment.id, assessment.person_id)


# ------------------------------------------------------------------------- team changes


def _outcome(assessment: Assessment, outcome_id: int) -> RecordedOutcome:
    found = next((o for o in assessment.outcomes if o.id == outcome_id), None)
    if found is None:
        raise UnknownRecord(f"outcome {outcome_id}")
    return found


def _text(value: object, field: str, limit: int = MAX_TEXT_LENGTH) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadValue(field)
    text = value.strip()
    if len(text) > limit:
        raise BadValue(field)
    return text or None


def edit_outcome(
    db: Session,
    assessment: Assessment,
    outcome_id: int,
    based_on: int,
    changes: Mapping[str, object],
    user: User,
    framework: Framework,
) -> Revision | None:
    """Set what the team writes beside an outcome (a note or rewording, the two views of a
    disagreement, the impact level); None when nothing actually changed."""
    _check_may_change(user, assessment)
    outcome = _outcome(assessment, outcome_id)
    unknown = sorted(set(changes) - set(TEAM_FIELDS))
    if unknown or not changes:
        raise BadValue(unknown[0] if unknown else "nothing")
    values = {name: _text(value, name) for name, value in changes.items()}
    levels = {level.id for level in framework.impact_levels}
    if values.get("impact") is not None and values["impact"] not in levels:
        raise BadValue("impact")
    if values.get("achieved") is not None and (
        values["achieved"] not in ACHIEVED or outcome.review_of_id is None
    ):
        raise BadValue("achieved")
    _check_based_on(outcome, based_on)
    return _edit(db, assessment, outcome, values, user)


def raise_outcome(
    db: Session,
    assessment: Assessment,
    words: str,
    domain: str,
    user: User,
    framework: Framework,
) -> RecordedOutcome:
    """Add an outcome raised in the review meeting, attributed to who raised it."""
    _check_may_change(user, assessment)
    text = _text(words, "words")
    if text is None:
        raise BadValue("words")
    if domain not in framework.domain_ids:
        raise BadValue("domain")
    raised = sum(1 for outcome in assessment.outcomes if outcome.key.startswith("m"))
    outcome = RecordedOutcome(key=f"m{raised + 1}", words=text, domains=[domain], raised_by=user)
    assessment.outcomes.append(outcome)
    db.flush()
    _revise(db, assessment, outcome, "raised", {}, user, user.display_name)
    record_audit(db, user, "create", "outcome", outcome.id, assessment.person_id)
    return outcome


def remove_outcome(
    db: Session, assessment: Assessment, outcome_id: int, based_on: int, user: User, remove: bool
) -> Revision:
    """Mark an outcome removed in review, or bring it back; it is kept either way."""
    _check_may_change(user, assessment)
    outcome = _outcome(assessment, outcome_id)
    _check_based_on(outcome, based_on)
    before = outcome_values(outcome)
    outcome.removed_in_review = remove
    change = "removed" if remove else "restored"
    revision = _revise(db, assessment, outcome, change, before, user, user.display_name)
    record_audit(db, user, "change", "outcome", outcome.id, assessment.person_id)
    return revision


def merge_outcomes(
    db: Session,
    assessment: Assessment,
    keep_id: int,
    merge_id: int,
    merge_based_on: int,
    user: User,
) -> Revision:
    """Fold an outcome that says the same as another into it: its words stay, shown with the
    kept one, and its actions move across."""
    _check_may_change(user, assessment)
    keep, merged = _outcome(assessment, keep_id), _outcome(assessment, merge_id)
    if keep.id == merged.id or not keep.active:
        raise BadValue("keep")
    _check_based_on(merged, merge_based_on)
    before = outcome_values(merged)
    merged.merged_into_id = keep.id
    revision = _revise(db, assessment, merged, "merged", before, user, user.display_name)
    # The kept one now shows the merged words too: a revision tells whoever has it open.
    _revise(db, assessment, keep, "merged_in", outcome_values(keep), user, user.display_name)
    for action in assessment.actions:
        if action.outcome_id == merged.id:
            action_before = action_values(action)
            action.outcome_id = keep.id
            _revise(db, assessment, action, "moved", action_before, user, user.display_name)
    record_audit(db, user, "change", "outcome", merged.id, assessment.person_id)
    return revision


# ------------------------------------------------------------------------------ actions


@dataclass(frozen=True)
class ActionDetails:
    """What an action says: what will be done, by whom, from which agency, by when."""

    what: str
    who: str
    agency: str
    due: date | None = None
    status: str = ActionStatus.OPEN.value


def is_overdue(action: OutcomeAction, today: date) -> bool:
    """An action not yet done (nor dropped) whose due date has passed."""
    return (
        action.due is not None
        and action.due < today
        and action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    )


def _checked(details: ActionDetails, today: date, was_due: date | None = None) -> dict[str, Any]:
    """The action's values, checked. A due date before today is refused unless it is the one
    the action already had (an overdue action can still be marked done or reworded)."""
    what, who = _text(details.what, "what"), _text(details.who, "who", MAX_WHO_LENGTH)
    if what is None:
        raise BadValue("what")
    if who is None:
        raise BadValue("who")
    try:
        agency, status = Agency(details.agency), ActionStatus(details.status)
    except ValueError as error:
        raise BadValue("agency or status") from error
    if details.due is not None and details.due < today and details.due != was_due:
        raise PastDueDate(details.due.isoformat())
    return {"what": what, "who": who, "agency": agency, "due": details.due, "status": status}


def add_action(
    db: Session,
    assessment: Assessment,
    outcome_id: int,
    details: ActionDetails,
    user: User,
    today: date | None = None,
) -> OutcomeAction:
    """Agree an action towards an outcome; it may not be due before `today` (by default,
    today where the service runs)."""
    _check_may_change(user, assessment)
    outcome = _outcome(assessment, outcome_id)
    checked = _checked(details, today or utcnow().date())
    action = OutcomeAction(outcome=outcome, created_by_id=user.id, **checked)
    assessment.actions.append(action)
    db.flush()
    _revise(db, assessment, action, "added", {}, user, user.display_name)
    record_audit(db, user, "create", "action", action.id, assessment.person_id)
    return action


def edit_action(
    db: Session,
    assessment: Assessment,
    action_id: int,
    based_on: int,
    details: ActionDetails,
    user: User,
    today: date | None = None,
) -> Revision | None:
    """Change an action (its status as it is done, or what was agreed); None if unchanged.
    A due date may only be changed to today or later; an overdue one can otherwise stay."""
    _check_may_change(user, assessment)
    action = next((a for a in assessment.actions if a.id == action_id), None)
    if action is None:
        raise UnknownRecord(f"action {action_id}")
    values = _checked(details, today or utcnow().date(), was_due=action.due)
    _check_based_on(action, based_on)
    return _edit(db, assessment, action, values, user)


def _edit(
    db: Session,
    assessment: Assessment,
    record: RecordedOutcome | OutcomeAction,
    values: Mapping[str, Any],
    user: User,
) -> Revision | None:
    """Apply checked values to an outcome or action as a revision; None if nothing changed."""
    if all(getattr(record, name) == value for name, value in values.items()):
        return None
    is_outcome = isinstance(record, RecordedOutcome)
    before = outcome_values(record) if is_outcome else action_values(record)  # type: ignore[arg-type]
    for name, value in values.items():
        setattr(record, name, value)
    revision = _revise(db, assessment, record, "edited", before, user, user.display_name)
    subject = "outcome" if is_outcome else "action"
    record_audit(db, user, "change", subject, record.id, assessment.person_id)
    return revision


# ----------------------------------------------------------------------------- comments


def add_comment(
    db: Session,
    assessment: Assessment,
    text: str,
    user: User,
    framework: Framework,
    outcome_id: int | None = None,
    plan_part: str | None = None,
) -> ReviewComment:
    """A comment on the plan, on one outcome, or covering one part of the support plan."""
    _check_may_change(user, assessment)
    words = _text(text, "text")
    if words is None:
        raise BadValue("text")
    if outcome_id is not None:
        _outcome(assessment, outcome_id)
    if plan_part is not None and plan_part not in {part.id for part in framework.plan_parts}:
        raise UnknownRecord(f"plan part {plan_part}")
    comment = ReviewComment(
        outcome_id=outcome_id,
        plan_part=plan_part,
        text=words,
        by_user_id=user.id,
        by_label=user.display_name,
    )
    assessment.comments.append(comment)
    db.flush()
    record_audit(db, user, "create", "comment", comment.id, assessment.person_id)
    return comment


# ------------------------------------------------------------------------------ sign-off


def plan_checklist(
    assessment: Assessment, framework: Framework, review_date: date | None = None
) -> list[tuple[PlanPart, bool]]:
    """Each part the framework says a plan must cover, and whether this plan covers it yet."""
    active = [outcome for outcome in assessment.outcomes if outcome.active]
    commented = {comment.plan_part for comment in assessment.comments if comment.plan_part}
    domains = {domain for outcome in active for domain in outcome.domains}
    has_impact = any(outcome.impact for outcome in active)
    live_actions = [a for a in assessment.actions if a.status != ActionStatus.DROPPED]

    def covered(part: PlanPart) -> bool:
        return (
            part.id in commented
            or bool(domains & set(part.domains))
            or (part.impact and has_impact)
            or (part.outcomes and bool(active))
            or (part.actions and bool(live_actions))
            or (part.review_date and (review_date or assessment.review_date) is not None)
        )

    return [(part, covered(part)) for part in framework.plan_parts]


def open_flags(db: Session, assessment: Assessment, user: User) -> list[SafetyFlag]:
    """The person's safety flags not yet cleared, in any of their conversations this user may
    see, longest waiting first."""
    flags = db.scalars(
        select(SafetyFlag)
        .join(Assessment)
        .where(Assessment.person_id == assessment.person_id, SafetyFlag.cleared_at.is_(None))
        .options(selectinload(SafetyFlag.assessment))
        .order_by(SafetyFlag.raised_at, SafetyFlag.id)
    ).all()
    return [flag for flag in flags if can_review(user, flag.assessment)]


def sign_off(
    db: Session,
    assessment: Assessment,
    user: User,
    review_date: date,
    framework: Framework,
    today: date,
    seen: str,
    flags_seen: Collection[int] = (),
) -> SignOff:
    """The lead professional agrees the version they saw (`seen`, its plan_fingerprint): it is
    frozen and its review is set. A change made since refuses the sign-off, unsaved. While
    any of the person's safety flags is open, the lead must say they have seen them and they
    are being dealt with (`flags_seen`: the ids of the flags they were shown, so a flag raised
    since is not taken as seen); the sign-off keeps which were open, of the conversations
    shared with the team (it is shown to the team)."""
    if not (can_review(user, assessment) and is_lead(user, assessment)):
        raise NotLeadProfessional()
    if assessment.stage != PlanStage.AWAITING_REVIEW:
        raise WrongStage(assessment.stage.value)
    if seen != plan_fingerprint(db, assessment):
        raise ChangedFirst()
    if not today < review_date <= today + LONGEST_REVIEW_INTERVAL:
        raise BadReviewDate(review_date.isoformat())
    flags = open_flags(db, assessment, user)
    not_seen = [flag.id for flag in flags if flag.id not in set(flags_seen)]
    if not_seen:
        raise FlagsNotSeen(", ".join(map(str, not_seen)))
    still_open = [f.id for f in flags if not conversations.private_to_starter(f.assessment)]
    not_covered = [
        part.id for part, done in plan_checklist(assessment, framework, review_date) if not done
    ]
    agreed = SignOff(
        version=assessment.version,
        by_user_id=user.id,
        by_label=user.display_name,
        review_date=review_date,
        not_covered=not_covered,
        open_flags=still_open,
    )
    assessment.sign_offs.append(agreed)
    assessment.stage = PlanStage.AGREED
    assessment.review_date = review_date
    if assessment.review_of is not None:
        # The plan this review looked back on has had its review: nothing is due on it now.
        assessment.review_of.review_date = None
    db.flush()
    record_audit(db, user, "sign_off", "assessment", assessment.id, assessment.person_id)
    return agreed


def start_new_version(db: Session, assessment: Assessment, user: User) -> None:
    """The lead professional opens an agreed plan for changes; the agreed version stays frozen
    as it was, and its review date stands until the next sign-off."""
    if not (can_review(user, assessment) and is_lead(user, assessment)):
        raise NotLeadProfessional()
    if assessment.stage != PlanStage.AGREED:
        raise WrongStage(assessment.stage.value)
    assessment.version += 1
    assessment.stage = PlanStage.AWAITING_REVIEW
    record_audit(db, user, "change", "assessment", assessment.id, assessment.person_id)


# ------------------------------------------------------------------------------ safety flags


def raise_flags(assessment: Assessment, notes: Sequence[Mapping[str, Any]]) -> list[SafetyFlag]:
    """Keep each risk heard in a turn as a flag the team must see and act on."""
    now = utcnow()
    flags = [
        SafetyFlag(
            category=str(note.get("category", "")),
            tier=str(note.get("tier") or "immediate"),
            words=str(note.get("words", "")),
            source_turn=int(note.get("turn", 0)),
            raised_at=now,
        )
        for note in notes
    ]
    assessment.flags.extend(flags)
    if flags and not assessment.safety_flag:
        assessment.safety_flag = True
        assessment.safety_flagged_at = now
    return flags


def clear_flag(
    db: Session, assessment: Assessment, flag_id: int, what_was_done: str, user: User
) -> SafetyFlag:
    """Record what was done about a risk and clear its flag; the flag and its words stay."""
    if not can_review(user, assessment):
        raise NotInTeam()
    flag = next((f for f in assessment.flags if f.id == flag_id), None)
    if flag is None:
        raise UnknownRecord(f"flag {flag_id}")
    done = _text(what_was_done, "what_was_done")
    if done is None:
        raise BadValue("what_was_done")
    if flag.cleared_at is not None:
        raise WrongStage("cleared")
    flag.cleared_at = utcnow()
    flag.cleared_by_id = user.id
    flag.what_was_done = done
    assessment.safety_flag = any(f.cleared_at is None for f in assessment.flags)
    record_audit(db, user, "change", "safety_flag", flag.id, assessment.person_id)
    return flag


def conversation_is_over(assessment: Assessment) -> bool:
    """The conversation takes no more answers: it finished, or the team took it to review."""
    return (
        assessment.status == AssessmentStatus.FINISHED
        or assessment.stage != PlanStage.IN_CONVERSATION
    )
