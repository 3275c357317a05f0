"""Accounts: creating users, passwords, login sessions and the login rate limit."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, func, select
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


@dataclass(frozen=True)
class LoginLimits:
    """How many failed attempts are let through, per account and per address."""

    window: timedelta
    max_per_account: int
    max_per_address: int
    # An account that logged in from an address this recently is let try from there always.
    trusted_for: timedelta


class LoginRefused(enum.StrEnum):
    """Why a login attempt did not log in."""

    NO_MATCH = "no_match"  # wrong password, unknown or inactive account
    TOO_MANY = "too_many"  # a limit: wait a few minutes


@dataclass(frozen=True)
class LoginAttempt:
    """The user who logged in, or why not."""

    user: User | None
    refused: LoginRefused | None = None


def _failures(session: Session, since: datetime, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(LoginFailure).where(LoginFailure.failed_at >= since)
    return session.scalar(query.where(*where)) or 0


def too_many_for_account(
    session: Session, username: str, window: timedelta, max_per_account: int
) -> bool:
    """Whether recent failures for this account (or unlock key) reach its limit."""
    name = normalise_username(username)
    return _failures(session, utcnow() - window, LoginFailure.username == name) >= max_per_account


def logged_in_from(session: Session, user: User, address: str, since: datetime) -> bool:
    """Whether the user has logged in from this address since then."""
    query = select(LoginSession.id).where(
        LoginSession.user_id == user.id,
        LoginSession.address == address[:64],
        LoginSession.created_at >= since,
    )
    return session.scalar(query.limit(1)) is not None


def attempt_login(
    session: Session,
    username: str,
    password: str,
    address: str,
    limits: LoginLimits,
    now: datetime | None = None,
) -> LoginAttempt:
    """Check a login under the limits, counting a failure or clearing them; docs/security.md.

    - An account with max_per_account recent failures is refused, whatever the password.
    - An address with max_per_address recent failures is slowed: only accounts that logged
      in from it within trusted_for are checked, so an office behind one address keeps
      working while someone there guesses. Other attempts are refused unchecked and not
      counted, so the address gets max_per_address checks a window. Every refusal from a
      slowed address reads the same and takes as long as a check: it tells nobody which
      usernames exist or were used there.
    """
    now, address = now or utcnow(), address[:64]
    since = now - limits.window
    name = normalise_username(username)
    if _failures(session, since, LoginFailure.username == name) >= limits.max_per_account:
        return LoginAttempt(None, LoginRefused.TOO_MANY)
    user = find_user(session, name)
    slowed = _failures(session, since, LoginFailure.address == address) >= limits.max_per_address
    if slowed and not (user and logged_in_from(session, user, address, now - limits.trusted_for)):
        verify_password(None, password)  # the time a check takes, so the answer says nothing
        return LoginAttempt(None, LoginRefused.TOO_MANY)
    if not verify_password(user, password) or user is None or not user.active:
        record_failure(session, name, address)
        return LoginAttempt(None, LoginRefused.TOO_MANY if slowed else LoginRefused.NO_MATCH)
    clear_failures(session, name)
    return LoginAttempt(user)


def record_failure(session: Session, username: str, address: str) -> None:
    """Count one failed login attempt."""
    session.add(LoginFailure(username=normalise_username(username)[:64], address=address[:64]))


def clear_failures(session: Session, username: str) -> None:
    """Forget an account's failures after a successful login."""
    session.query(LoginFailure).filter(
        LoginFailure.username == normalise_username(username)
    ).delete()


def start_session(session: Session, user: User, address: str | None = None) -> LoginSession:
    """Open a server-side login session with an unguessable id, noting where it came from."""
    login = LoginSession(
        id=secrets.token_urlsafe(32), user=user, address=address[:64] if address else None
    )
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
    if not login_open(login, idle_timeout, max_age, now):
        login.ended_at = now
        return None
    # At most one write per TOUCH_EVERY, so a burst of requests (a page and its socket events)
    # is not a write each; the idle limit then holds to within TOUCH_EVERY, never beyond it.
    if now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
    return login


def login_open(
    login: LoginSession, idle_timeout: timedelta, max_age: timedelta, now: datetime
) -> bool:
    """Whether a login is still open: not ended, its user active, neither idle too long nor
    too old. What is sent to a socket later is sent only while its login is open."""
    return (
        login.ended_at is None
        and login.user.active
        and now - login.last_seen_at <= idle_timeout
        and now - login.created_at <= max_age
    )


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


def unlock_key(login: LoginSession) -> str:
    """The name this login's unlock guesses are counted under: its own, and unguessable.

    Never the practitioner's username: failed logins are counted by the username typed, so a
    stranger typing "unlock:morag" at the login page could otherwise use up morag's unlocks.
    """
    return "unlock:" + hashlib.sha256(login.id.encode()).hexdigest()[:32]


def lock_handover(login: LoginSession, now: datetime | None = None) -> None:
    """Lock the hand-over now (the page asks when it pauses); only unlocking opens it again."""
    if login.handover_assessment_id is not None and login.handover_locked_at is None:
        login.handover_locked_at = now or utcnow()


def _handover_secret_matches(login: LoginSession, secret: str) -> bool:
    """The PIN set at hand-over, or the practitioner's password."""
    pin_ok = False
    if login.handover_pin_hash:
        try:
            pin_ok = _hasher.verify(login.handover_pin_hash, secret)
        except (VerificationError, InvalidHashError):
            pin_ok = False
    return pin_ok or verify_password(login.user, secret)


def reopen_handover(login: LoginSession, secret: str, now: datetime | None = None) -> bool:
    """The practitioner opens a locked hand-over again for the person, without taking the
    tablet back: words the page still holds can then be saved as the person's. False if the
    secret matches neither the PIN nor the password."""
    if login.handover_assessment_id is None or not _handover_secret_matches(login, secret):
        return False
    login.handover_locked_at = None
    login.handover_active_at = now or utcnow()
    return True


def end_handover(login: LoginSession, secret: str) -> bool:
    """Unlock with the practitioner's password or the PIN they set; False if neither matches."""
    if not _handover_secret_matches(login, secret):
        return False
    login.handover_assessment_id = None
    login.handover_pin_hash = None
    login.handover_active_at = None
    login.handover_locked_at = None
    return True
