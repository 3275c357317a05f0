"""Who may hear a conversation or its review live, decided each time something is sent.

A socket joins its rooms when it connects or joins, and may stay open for hours; access can
end meanwhile: the member leaves the team, the account is deactivated, the login ends or
times out, the link is revoked or expires, the hand-over locks. So nothing live (a turn, a
safety alert, a review change, who is present) goes to a room of everyone who once joined. It
goes to each login and link that may hear it now, each listening in a room of its own; the
web layer names the rooms and sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from . import accounts
from .conversations import can_take_part
from .models import Assessment, ChatLink, LoginSession, TeamMember, utcnow


@dataclass(frozen=True)
class LoginLimits:
    """How long a login lasts: without a request, and at most (config SESSION_IDLE_TIMEOUT,
    SESSION_MAX_AGE), and how long a handed-over tablet may be quiet before it locks."""

    idle: timedelta
    max_age: timedelta
    handover_idle: timedelta


@dataclass(frozen=True)
class Listeners:
    """Who may hear a conversation now."""

    # Practitioners' own logins, open, of members who may open the conversation (with the
    # person's consent to share, the team; without it, whoever started it).
    logins: tuple[LoginSession, ...] = ()
    # This conversation's handed-over tablets, open and not locked.
    handovers: tuple[LoginSession, ...] = ()
    # Links for home to this conversation, opened and still valid.
    link_ids: tuple[int, ...] = ()

    def user_ids(self) -> set[int]:
        return {login.user_id for login in self.logins}


def listeners(
    db: Session,
    assessment: Assessment,
    limits: LoginLimits,
    with_links: bool = True,
    now: datetime | None = None,
) -> Listeners:
    """The logins and links that may hear this conversation now (two queries; one without
    links). A hand-over found quiet too long is locked here: the caller commits."""
    now = now or utcnow()
    found = db.scalars(
        select(LoginSession)
        .join(TeamMember, TeamMember.user_id == LoginSession.user_id)
        .where(TeamMember.person_id == assessment.person_id, LoginSession.ended_at.is_(None))
        .options(joinedload(LoginSession.user))
    ).all()
    logins, handovers = [], []
    for login in found:
        if not accounts.login_open(login, limits.idle, limits.max_age, now):
            continue
        if not can_take_part(login.user, assessment):
            continue
        if login.handover_assessment_id is None:
            logins.append(login)
        elif login.handover_assessment_id == assessment.id and not accounts.handover_locked(
            login, limits.handover_idle, now
        ):
            handovers.append(login)
        # A login handed over for another conversation hears nothing of this one.
    link_ids: tuple[int, ...] = ()
    if with_links:
        links = db.scalars(
            select(ChatLink).where(
                ChatLink.assessment_id == assessment.id,
                ChatLink.revoked_at.is_(None),
                ChatLink.browser_key_hash.is_not(None),
            )
        ).all()
        link_ids = tuple(link.id for link in links if link.expires_at > now)
    return Listeners(tuple(logins), tuple(handovers), link_ids)
