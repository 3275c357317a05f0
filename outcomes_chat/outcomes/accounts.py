"""Accounts: creating users, passwords, login sessions and the login rate limit."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from .errors import DuplicateUsername, UnknownUser, WeakPassword
from .models import Agency, LoginFailure, LoginSession, Role, User, utcnow

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# How stale a login's last activity may be before a request writes it afresh.
TOUCH_EVERY = timedelta(seconds=2)
_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not reveal who exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively and without surrounding spaces."""
    return username.strip().lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or too long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters")


def find_user(session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def get_user(session: Session, username: str) -> User:
    """The user with this username; UnknownUser when there is none."""
    user = find_user(session, username)
    if user is None:
        raise UnknownUser(username)
    return user


def create_user(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    agency: Agency,
) -> User:
    """Add a new active user with an argon2-hashed password."""
    if find_user(session, username) is not None:
        raise DuplicateUsername(username)
    check_password_rules(password)
    user = User(
        username=normalise_username(username),
        display_name=display_name.strip(),
        password_hash=_hasher.hash(password),
        role=role,
        agency=agency,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the user's password and end every login they have open."""
    check_password_rules(password)
    user.password_hash = _hasher.hash(password)
    end_all_sessions(session, user)


def deactivate(session: Session, user: User) -> None:
    """Stop a user from logging in and end their open logins."""
    user.active = False
    end_all_sessions(session, user)


def verify_password(user: User | None, password: str) -> bool:
    """True when the password matches; always spends the same hashing time."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def too_many_failures(
    session: Session,
    username: str,
    address: str,
    window: timedelta,
    max_per_account: int,
    max_per_address: int,
) -> bool:
    """Whether recent failures for this account or this address exceed their limits."""
    since = utcnow() - window
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.failed_at >= since)
    by_account = session.scalar(recent.where(LoginFailure.username == normalise_username(username)))
    by_address = session.scalar(recent.where(LoginFailure.address == address))
    return (by_account or 0) >= max_per_account or (by_address or 0) >= max_per_address


def record_failure(session: Session, username: str, address: str) -> None:
    """Count one failed login attempt."""
    session.add(LoginFailure(username=normalise_username(username)[:64], address=address[:64]))


def clear_failures(session: Session, username: str) -> None:
    """Forget an account's failures after a successful login."""
    session.query(LoginFailure).filter(
        LoginFailure.username == normalise_username(username)
    ).delete()


def start_session(session: Session, user: User) -> LoginSession:
    """Open a server-side login session with an unguessable id."""
    login = LoginSession(id=secrets.token_urlsafe(32), user=user)
    session.add(login)
    return login


def active_session(
    session: Session, session_id: str, idle_timeout: timedelta, max_age: timedelta
) -> LoginSession | None:
    """The login session if it is open, not idle too long and not too old; touches it.

    A login ends SESSION_IDLE_TIMEOUT after its last request, or up to TOUCH_EVERY sooner.
    """
    # Every socket event checks this afresh: one query for the session and its user.
    login = session.get(LoginSession, session_id, options=[joinedload(LoginSession.user)])
    if login is None or login.ended_at is not None or not login.user.active:
        return None
    now = utcnow()
    if now - login.last_seen_at > idle_timeout or now - login.created_at > max_age:
        login.ended_at = now
        return None
    # At most one write per TOUCH_EVERY, so a burst of requests (a page and its socket events)
    # is not a write each; the idle limit then holds to within TOUCH_EVERY, never beyond it.
    if now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
    return login


def end_session(session: Session, session_id: str) -> None:
    """Close one login session so its cookie stops working everywhere."""
    login = session.get(LoginSession, session_id)
    if login is not None and login.ended_at is None:
        login.ended_at = utcnow()


def end_all_sessions(session: Session, user: User, now: datetime | None = None) -> None:
    """Close every open login of a user."""
    for login in session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ):
        login.ended_at = now or utcnow()


def start_handover(
    login: LoginSession, assessment_id: int, pin: str | None, now: datetime | None = None
) -> None:
    """Lock this login to one conversation until the practitioner unlocks it."""
    login.handover_assessment_id = assessment_id
    login.handover_pin_hash = _hasher.hash(pin) if pin else None
    login.handover_active_at = now or utcnow()
    login.handover_locked_at = None


def handover_locked(login: LoginSession, idle: timedelta, now: datetime | None = None) -> bool:
    """Whether this login's hand-over is locked; locks it first if it has been quiet for `idle`.

    Quiet is measured on the server, from the last request of the hand-over it let through, so
    a page that stops counting (or a program that never did) cannot keep it open.
    """
    if login.handover_assessment_id is None:
        return False
    if login.handover_locked_at is None:
        now = now or utcnow()
        last_active = login.handover_active_at or login.last_seen_at
        if now - last_active >= idle:
            login.handover_locked_at = now
    return login.handover_locked_at is not None


def handover_allows(login: LoginSession, idle: timedelta, now: datetime | None = None) -> bool:
    """Whether a request of this login may go ahead: in a hand-over, only while it is unlocked.

    A request let through counts as the person's activity and starts the quiet time afresh.
    """
    if login.handover_assessment_id is None:
        return True
    now = now or utcnow()
    if handover_locked(login, idle, now):
        return False
    login.handover_active_at = now
    return True


def lock_handover(login: LoginSession, now: datetime | None = None) -> None:
    """Lock the hand-over now (the page asks when it pauses); only unlocking opens it again."""
    if login.handover_assessment_id is not None and login.handover_locked_at is None:
        login.handover_locked_at = now or utcnow()


def end_handover(login: LoginSession, secret: str) -> bool:
    """Unlock with the practitioner's password or the PIN they set; False if neither matches."""
    pin_ok = False
    if login.handover_pin_hash:
        try:
            pin_ok = _hasher.verify(login.handover_pin_hash, secret)
        except (VerificationError, InvalidHashError):
            pin_ok = False
    if not (pin_ok or verify_password(login.user, secret)):
        return False
    login.handover_assessment_id = None
    login.handover_pin_hash = None
    login.handover_active_at = None
    login.handover_locked_at = None
    return True
