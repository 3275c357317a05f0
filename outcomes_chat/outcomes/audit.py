"""The audit log: who viewed or changed which record, and when, never what it says."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent, User

# take_part: a team member who did not start a conversation chose to answer in it.
# import: an exported assessment restored from a file (outcomes.import_plans).
ACTIONS = frozenset(
    {"view", "create", "change", "export", "import", "sign_off", "delete", "take_part"}
)


def record_audit(
    session: Session,
    actor: User | str,
    action: str,
    object_type: str,
    object_id: object = None,
    person_id: int | None = None,
) -> AuditEvent:
    """Add an audit row to the session; it commits with the change it describes."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor.username if isinstance(actor, User) else actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        person_id=person_id,
    )
    session.add(event)
    return event


def audit_for_person(session: Session, person_id: int, limit: int = 500) -> Sequence[AuditEvent]:
    """The newest audit events about one person."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.person_id == person_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()
