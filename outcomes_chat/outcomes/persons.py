"""Persons and the team around each of them, with who may see whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .errors import (
    AlreadyInTeam,
    CannotRemoveLead,
    DuplicateCaseReference,
    InactiveUser,
    LeadMustBeLeadProfessional,
)
from .models import Person, PersonKind, Role, TeamMember, User


@dataclass
class PersonDetails:
    """The editable facts about a person."""

    name: str
    case_reference: str
    kind: PersonKind
    preferred_name: str | None = None
    date_of_birth: date | None = None
    preferred_language: str = "en"
    cares_for_id: int | None = None
    cares_for_name: str | None = None


def in_team(user: User, person: Person) -> bool:
    """Whether this active user is a member of the team around the person."""
    return user.active and any(member.user_id == user.id for member in person.team)


def can_view_person(user: User, person: Person) -> bool:
    """Admins see every person; anyone else only persons whose team they are in."""
    return in_team(user, person) or (user.active and user.is_admin)


def is_lead_of(user: User, person: Person) -> bool:
    """Whether this active user is the person's lead professional."""
    return user.active and any(m.user_id == user.id and m.is_lead for m in person.team)


def can_manage_team(user: User, person: Person) -> bool:
    """Admins, and the person's lead professional, add and remove members of the team, choose
    its lead and read the person's audit trail. A lead hands the lead on to another member
    before leaving the team (remove_member refuses the lead)."""
    return (user.active and user.is_admin) or is_lead_of(user, person)


def visible_persons(session: Session, user: User) -> Sequence[Person]:
    """Persons this user may see, by name."""
    query = select(Person).options(selectinload(Person.team)).order_by(Person.name, Person.id)
    if not user.is_admin:
        query = query.join(TeamMember).where(TeamMember.user_id == user.id)
    return session.scalars(query).all()


def find_person(session: Session, person_id: int) -> Person | None:
    """The person with this id, team loaded."""
    return session.get(Person, person_id, options=[selectinload(Person.team)])


def _apply(person: Person, details: PersonDetails) -> None:
    person.name = details.name.strip()
    person.preferred_name = (details.preferred_name or "").strip() or None
    person.case_reference = details.case_reference.strip()
    person.kind = details.kind
    person.date_of_birth = details.date_of_birth
    person.preferred_language = details.preferred_language
    is_carer = details.kind == PersonKind.CARER
    person.cares_for_id = details.cares_for_id if is_carer else None
    person.cares_for_name = ((details.cares_for_name or "").strip() or None) if is_carer else None


def _check_case_reference(session: Session, reference: str, person_id: int | None) -> None:
    clash = session.scalar(select(Person).where(Person.case_reference == reference.strip()))
    if clash is not None and clash.id != person_id:
        raise DuplicateCaseReference(reference)


def create_person(
    session: Session, details: PersonDetails, lead: User, lead_team_role: str
) -> Person:
    """Add a person with their lead professional as the first member of the team."""
    _check_case_reference(session, details.case_reference, None)
    _check_can_lead(lead)
    person = Person()
    _apply(person, details)
    person.team.append(TeamMember(user=lead, team_role=lead_team_role.strip(), is_lead=True))
    session.add(person)
    session.flush()
    return person


def update_person(session: Session, person: Person, details: PersonDetails) -> None:
    """Change a person's details."""
    _check_case_reference(session, details.case_reference, person.id)
    _apply(person, details)
    session.flush()


def _check_can_lead(user: User) -> None:
    if not user.active:
        raise InactiveUser(user.username)
    if user.role != Role.LEAD_PROFESSIONAL:
        raise LeadMustBeLeadProfessional(user.username)


def add_member(session: Session, person: Person, user: User, team_role: str) -> TeamMember:
    """Add a practitioner to the person's team."""
    if not user.active:
        raise InactiveUser(user.username)
    if in_team(user, person):
        raise AlreadyInTeam(user.username)
    member = TeamMember(user=user, team_role=team_role.strip(), is_lead=False)
    person.team.append(member)
    session.flush()
    return member


def remove_member(session: Session, person: Person, member: TeamMember) -> None:
    """Take a practitioner out of the team; the lead must be replaced first."""
    if member.is_lead:
        raise CannotRemoveLead(member.user.username)
    person.team.remove(member)
    session.flush()


def make_lead(session: Session, person: Person, member: TeamMember) -> None:
    """Make this team member the one lead professional."""
    _check_can_lead(member.user)
    for other in person.team:
        if other.is_lead and other is not member:
            other.is_lead = False
    # Clear the old lead first so the one-lead index never sees two.
    session.flush()
    member.is_lead = True
    session.flush()
