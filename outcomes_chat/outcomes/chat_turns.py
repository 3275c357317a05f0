"""A chat turn as one unit of work, whoever carries it (the socket, a program, a test).

It checks who may open and answer the conversation on the record as read under the lock,
applies the answer once per client id, commits before anything is acknowledged, and says who
must hear of a risk. The web layer only parses the message, calls `apply_chat_turn` and emits.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..dialogue.engine import Engine
from .conversations import Said, Sender, StoredTurn, can_take_part, may_answer, take_turn
from .errors import RuleError, StaleAnswer, WatchingOnly
from .models import Assessment, Person

# One turn at a time per conversation in this process; the database's unique (assessment, seq)
# and a row lock on PostgreSQL keep several processes in order too. A fixed set of locks, each
# shared by the conversations whose ids fall on it, keeps memory bounded in a long-lived process.
TURN_LOCK_STRIPES = 64
_turn_locks = tuple(threading.Lock() for _ in range(TURN_LOCK_STRIPES))
# SQLite has one writer at a time anyway. Queueing for it on a lock wakes the next turn at once,
# where SQLite's busy handler polls with sleeps of up to 100 ms: those sleeps made the tail.
_sqlite_writer = threading.Lock()
ATTEMPTS = 3

# The access check reads the person's team: load it with the assessment, in one query.
_WITH_TEAM = joinedload(Assessment.person).joinedload(Person.team)


class NotAvailable(RuleError):
    """No such conversation, or not one this speaker may open."""

    code = "forbidden"


class Busy(RuleError):
    """Other writers kept the conversation busy through every attempt: try again shortly."""

    code = "busy"


@dataclass(frozen=True)
class Speaker:
    """Who sends the turn, and what the web session knows of them.

    `locked_to` is the one conversation a handed-over tablet or a person's link may use;
    `chose_to_take_part` is a practitioner's choice to answer a conversation they did not start.
    """

    sender: Sender
    locked_to: int | None = None
    chose_to_take_part: bool = False

    def may_open(self, assessment: Assessment) -> bool:
        """Whether this speaker may open (read, follow) the conversation."""
        if self.locked_to is not None and self.locked_to != assessment.id:
            return False
        if self.sender.user is not None:
            return can_take_part(self.sender.user, assessment)
        return self.sender.link_id is not None

    def may_answer(self, assessment: Assessment) -> bool:
        """The person (hand-over, link) always answers; a practitioner who did not start the
        conversation only watches until they choose to take part."""
        if self.sender.by == "person" or self.sender.user is None:
            return True
        return may_answer(self.sender.user, assessment, self.chose_to_take_part)


@dataclass(frozen=True)
class AppliedTurn:
    """A stored turn, and the accounts to alert when it raised a risk (without its words)."""

    stored: StoredTurn
    alert_user_ids: tuple[int, ...] = ()


def apply_chat_turn(
    db: Session,
    engine_for: Callable[[str], Engine],
    speaker: Speaker,
    assessment_id: int,
    client_id: str,
    said: Said,
    last_seq: int,
) -> AppliedTurn:
    """Apply one answer and commit it; a RuleError (nothing changed) says why not.

    StaleAnswer's `missed` turns are detached from the session, so they can be read after it.
    """
    sqlite = db.get_bind().dialect.name == "sqlite"
    turn_lock = _turn_locks[assessment_id % TURN_LOCK_STRIPES]
    with turn_lock, _sqlite_writer if sqlite else contextlib.nullcontext():
        for _attempt in range(ATTEMPTS):
            try:
                stored = _stage(db, engine_for, speaker, assessment_id, client_id, said, last_seq)
            except StaleAnswer as stale:
                for turn in stale.missed:  # loaded now, readable once the session rolls back
                    db.expunge(turn)
                db.rollback()
                raise
            except RuleError:
                db.rollback()
                raise
            try:
                db.commit()
            except IntegrityError:
                # Another process stored a turn first: read again. This answer is then a
                # duplicate, or stale (it was to the question before that turn).
                db.rollback()
                continue
            return AppliedTurn(stored, _to_alert(stored))
    raise Busy()


def _stage(
    db: Session,
    engine_for: Callable[[str], Engine],
    speaker: Speaker,
    assessment_id: int,
    client_id: str,
    said: Said,
    last_seq: int,
) -> StoredTurn:
    # Read afresh under the lock (another process may have taken a turn), and check access
    # on what was read.
    assessment = db.get(
        Assessment,
        assessment_id,
        with_for_update={"of": Assessment},
        populate_existing=True,
        options=[_WITH_TEAM],
    )
    if assessment is None or not speaker.may_open(assessment):
        raise NotAvailable()
    if not speaker.may_answer(assessment):
        raise WatchingOnly()
    engine = engine_for(assessment.framework)
    return take_turn(db, engine, assessment, client_id, said, last_seq, speaker.sender)


def _to_alert(stored: StoredTurn) -> tuple[int, ...]:
    """Everyone who may open the conversation hears that a risk came up, and how urgent it
    is: the team's active members, or, when the person kept it private to whoever started it,
    that worker alone (even that a risk came up is part of what they kept private)."""
    if stored.duplicate or not stored.safety:
        return ()
    assessment = stored.assessment
    return tuple(
        member.user_id
        for member in assessment.person.team
        if can_take_part(member.user, assessment)
    )
