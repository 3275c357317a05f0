"""Links for home: single-use, expiring, revocable, each opening one conversation only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .conversations import refuse_if_finished
from .models import Assessment, ChatLink, User, utcnow

DEFAULT_LINK_LIFETIME = timedelta(days=7)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    """A new link and its token, which is shown once and never stored."""

    link: ChatLink
    token: str


@dataclass(frozen=True)
class OpenedLink:
    """A link just opened, with the key that only the opening browser keeps."""

    link: ChatLink
    browser_key: str


def issue_link(
    db: Session, assessment: Assessment, by: User, lifetime: timedelta = DEFAULT_LINK_LIFETIME
) -> IssuedLink:
    """Create an unguessable link to this conversation; refused once it has finished."""
    refuse_if_finished(assessment)
    token = secrets.token_urlsafe(32)
    link = ChatLink(
        assessment=assessment,
        token_hash=_digest(token),
        created_by=by,
        expires_at=utcnow() + lifetime,
    )
    db.add(link)
    db.flush()
    return IssuedLink(link, token)


def _usable(link: ChatLink | None) -> bool:
    return link is not None and link.revoked_at is None and link.expires_at > utcnow()


def open_link(db: Session, token: str) -> OpenedLink | None:
    """Use a link for the first and only time; None if unknown, used, revoked or expired."""
    link = db.scalar(select(ChatLink).where(ChatLink.token_hash == _digest(token)))
    if not _usable(link) or link is None or link.opened_at is not None:
        return None
    browser_key = secrets.token_urlsafe(32)
    link.opened_at = utcnow()
    link.browser_key_hash = _digest(browser_key)
    db.flush()
    return OpenedLink(link, browser_key)


def link_for_browser(db: Session, link_id: int, browser_key: str) -> ChatLink | None:
    """The link this browser opened, while it is still valid."""
    link = db.get(ChatLink, link_id)
    if not _usable(link) or link is None or link.browser_key_hash is None:
        return None
    if not hmac.compare_digest(link.browser_key_hash, _digest(browser_key)):
        return None
    return link


def revoke_link(db: Session, link: ChatLink) -> None:
    """Stop a link working, whether or not it has been opened."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()


def links_for(db: Session, assessment: Assessment) -> Sequence[ChatLink]:
    """Links issued for a conversation, newest first."""
    return db.scalars(
        select(ChatLink)
        .where(ChatLink.assessment_id == assessment.id)
        .order_by(ChatLink.created_at.desc(), ChatLink.id.desc())
    ).all()
