"""Conversations: start one, store every turn before it is acknowledged, replay what was missed.

The engine (outcomes_chat.dialogue) decides what is said; this module keeps it. A turn, the
engine's new state and the outcomes it recorded are written in one transaction, so an
acknowledged answer survives a crash, and a repeated client message id is applied once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ..dialogue.engine import Engine
from ..dialogue.script import TIERS
from ..dialogue.turn import Turn
from . import review
from .audit import record_audit
from .errors import (
    ButtonNotOffered,
    ConversationFinished,
    EmptyAnswer,
    SeqBeyondLatest,
    StaleAnswer,
    WatchingOnly,
)
from .models import (
    Assessment,
    AssessmentStatus,
    Consent,
    ConsentPurpose,
    ConversationTurn,
    NotedConcern,
    Person,
    User,
    utcnow,
)
from .persons import in_team

MAX_ANSWER_LENGTH = 2000
MAX_CLIENT_ID_LENGTH = 64


@dataclass(frozen=True)
class Said:
    """What the person sent: typed text, a pressed button's value, or a change of language."""

    text: str | None = None
    button: str | None = None
    language: str | None = None

    @property
    def stored_button(self) -> str | None:
        return f"language:{self.language}" if self.language else self.button


@dataclass(frozen=True)
class Sender:
    """Who sent a turn: a practitioner at their own login, the person on the practitioner's
    tablet (handed over from that login), or the person at home through a link."""

    user: User | None = None
    link_id: int | None = None
    via_handover: bool = False

    @property
    def by(self) -> str:
        """Whose words these are: the person's or the practitioner's."""
        return "person" if self.link_id is not None or self.via_handover else "practitioner"

    @property
    def audit_actor(self) -> User | str:
        """The audit log's actor: the person's words are never put on a practitioner's name."""
        if self.link_id is not None:
            return f"person:link:{self.link_id}"
        if self.user is None:
            raise ValueError("a sender is a user or a link")
        return f"person:handover:{self.user.username}" if self.via_handover else self.user

    @property
    def label(self) -> str:
        """Who, in the words a revision keeps."""
        if self.by == "person":
            return "person"
        return self.user.display_name if self.user else "person"


@dataclass(frozen=True)
class StoredTurn:
    """A stored turn, and whether it had already been stored under the same client id."""

    turn: ConversationTurn
    assessment: Assessment
    duplicate: bool
    # The tier of the most urgent risk heard in this turn (immediate, safeguarding,
    # wellbeing), or None when none was.
    safety: str | None = None


def public_reply(turn: Turn) -> dict[str, Any]:
    """What a client is sent of a turn: everything but the engine's internal state."""
    reply = turn.to_dict()
    for internal in ("state", "safety", "concerns", "outcomes_changed"):
        reply.pop(internal, None)
    return reply


def start_conversation(
    db: Session,
    engine: Engine,
    person: Person,
    started_by: User,
    framework: str,
    language: str,
    consents: Mapping[ConsentPurpose, bool],
    review_outcomes: Sequence[dict[str, Any]] = (),
) -> Assessment:
    """Create the assessment, record consent per purpose and store the opening turn."""
    # The worker who starts it is the one a safeguarding concern is promised to reach today.
    # Without agreement to share with the team, the person is told only this worker sees it.
    first = engine.start(
        language,
        review_outcomes=list(review_outcomes) or None,
        worker=started_by.display_name,
        shared=bool(consents.get(ConsentPurpose.SHARE_TEAM)),
    )
    assessment = Assessment(
        person=person,
        framework=framework,
        language=language,
        status=AssessmentStatus.IN_PROGRESS,
        state=first.state,
        phase=first.phase,
        last_seq=1,
        started_by=started_by,
    )
    for purpose in ConsentPurpose:
        assessment.consents.append(
            Consent(purpose=purpose, given=bool(consents.get(purpose)), recorded_by=started_by)
        )
    db.add(assessment)
    review.record_conversation(db, assessment, engine.record(first.state), None, "conversation")
    db.add(
        ConversationTurn(
            assessment_id=assessment.id,
            seq=1,
            engine_turn=first.state.get("turn", 0),
            reply=public_reply(first),
            by="system",
        )
    )
    db.flush()
    return assessment


def _same_id_and_last(
    db: Session, assessment: Assessment, client_id: str
) -> tuple[ConversationTurn | None, ConversationTurn | None]:
    """The turn already stored under this client message id, if any, and the latest turn.

    One query for both, since every turn needs the first and a pressed button the second.
    """
    rows = db.scalars(
        select(ConversationTurn).where(
            ConversationTurn.assessment_id == assessment.id,
            or_(
                ConversationTurn.client_id == client_id,
                ConversationTurn.seq == assessment.last_seq,
            ),
        )
    ).all()
    same_id = next((turn for turn in rows if turn.client_id == client_id), None)
    last = next((turn for turn in rows if turn.seq == assessment.last_seq), None)
    return same_id, last


def take_turn(
    db: Session,
    engine: Engine,
    assessment: Assessment,
    client_id: str,
    said: Said,
    last_seq: int,
    sender: Sender,
) -> StoredTurn:
    """Apply what the person said once; stage the turn, state, outcomes and audit to commit.

    `last_seq` is the latest turn the sender had seen: an answer to anything older is refused
    as stale (it was meant for another question), unless this client id was applied already.
    """
    already, last = _same_id_and_last(db, assessment, client_id)
    if already is not None:
        return StoredTurn(already, assessment, duplicate=True)
    if review.conversation_is_over(assessment):
        raise ConversationFinished()
    if last_seq != assessment.last_seq:
        raise_if_beyond(assessment, last_seq)
        raise StaleAnswer(assessment.last_seq, turns_after(db, assessment, last_seq))
    if said.text is not None and not said.text.strip():
        raise EmptyAnswer()
    label = _button_label(last, said)
    if said.button is not None and label is None:
        raise ButtonNotOffered(said.button)
    if said.language:
        result = engine.change_language(assessment.state, said.language)
        assessment.language = said.language
    elif said.button is not None:
        result = engine.step(assessment.state, {"button": said.button})
    else:
        result = engine.step(assessment.state, said.text or "")
    reply = public_reply(result)
    seq = assessment.last_seq + 1
    turn = ConversationTurn(
        assessment_id=assessment.id,
        seq=seq,
        client_id=client_id,
        said_text=said.text,
        said_button=said.stored_button,
        said_label=label,
        engine_turn=result.state.get("turn", 0),
        reply=reply,
        by=sender.by,
        by_user_id=sender.user.id if sender.user else None,
        by_link_id=sender.link_id,
        via_handover=sender.via_handover,
    )
    db.add(turn)
    now = utcnow()
    assessment.state = result.state
    assessment.phase = result.phase
    assessment.last_seq = seq
    assessment.updated_at = now
    assessment.status = _status_for(result)
    if assessment.status == AssessmentStatus.FINISHED and assessment.finished_at is None:
        assessment.finished_at = now
        review.finish_conversation(assessment)
    safety = most_urgent_tier(result.safety)
    review.raise_flags(assessment, result.safety)
    # Most turns change no outcome; the rows (loaded on first use) are only read when one did.
    if result.outcomes_changed:
        by_account = sender.user if sender.by == "practitioner" else None
        review.record_conversation(
            db, assessment, engine.record(result.state), by_account, sender.label
        )
    for concern in result.concerns:
        assessment.concerns.append(
            NotedConcern(
                topic=concern["topic"], words=concern["words"], source_turn=concern["turn"]
            )
        )
    record_audit(
        db, sender.audit_actor, "change", "assessment", assessment.id, assessment.person_id
    )
    return StoredTurn(turn, assessment, duplicate=False, safety=safety)


def most_urgent_tier(notes: Sequence[Mapping[str, Any]]) -> str | None:
    """The most urgent tier among the risks heard in a turn (a note from before tiers counts
    as immediate), or None."""
    tiers = [note.get("tier") or "immediate" for note in notes]
    return min(tiers, key=TIERS.index) if tiers else None


def _button_label(last: ConversationTurn | None, said: Said) -> str | None:
    """The label of the pressed button as the last turn offered it; None if it offered none."""
    if said.button is None or last is None:
        return None
    offered = [
        *(b for m in last.reply.get("messages", []) for b in m.get("buttons", [])),
        *last.reply.get("controls", []),
    ]
    return next((b["label"] for b in offered if b.get("value") == said.button), None)


def _status_for(turn: Turn) -> AssessmentStatus:
    if turn.finished:
        return AssessmentStatus.FINISHED
    if turn.phase == "paused":
        return AssessmentStatus.PAUSED
    return AssessmentStatus.IN_PROGRESS


def raise_if_beyond(assessment: Assessment, seq: int) -> None:
    """Refuse a sequence number the conversation has not reached (SeqBeyondLatest)."""
    if seq > assessment.last_seq:
        raise SeqBeyondLatest(assessment.last_seq, seq)


def catch_up(db: Session, assessment: Assessment, seq: int) -> Sequence[ConversationTurn]:
    """What a client that has seen up to `seq` missed; SeqBeyondLatest past the latest turn."""
    raise_if_beyond(assessment, seq)
    return turns_after(db, assessment, seq)


def turns_after(db: Session, assessment: Assessment, seq: int) -> Sequence[ConversationTurn]:
    """Stored turns after a sequence number, in order: what a reconnecting client missed."""
    return db.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.assessment_id == assessment.id, ConversationTurn.seq > seq)
        .options(selectinload(ConversationTurn.by_user))
        .order_by(ConversationTurn.seq)
    ).all()


def assessments_for_person(db: Session, person: Person) -> Sequence[Assessment]:
    """A person's conversations, newest first."""
    return db.scalars(
        select(Assessment)
        .where(Assessment.person_id == person.id)
        .options(
            selectinload(Assessment.concerns),
            selectinload(Assessment.consents),
            selectinload(Assessment.started_by),
            selectinload(Assessment.actions),
            selectinload(Assessment.sign_offs),
        )
        .order_by(Assessment.started_at.desc(), Assessment.id.desc())
    ).all()


def consent_given(assessment: Assessment, purpose: ConsentPurpose) -> bool:
    """Whether the person agreed to this purpose when the conversation started."""
    return any(c.purpose == purpose and c.given for c in assessment.consents)


def started_it(user: User, assessment: Assessment) -> bool:
    """Whether this user is the one who started the conversation."""
    return assessment.started_by_id is not None and assessment.started_by_id == user.id


def private_to_starter(assessment: Assessment) -> bool:
    """Whether only the one who started it may open it: sharing with the team was not agreed."""
    return not consent_given(assessment, ConsentPurpose.SHARE_TEAM)


def can_take_part(user: User, assessment: Assessment) -> bool:
    """Who may open, read or follow a conversation (page, socket, links): members of the
    person's team; when the person did not agree to share with the team, only the member
    who started it."""
    if not in_team(user, assessment.person):
        return False
    return started_it(user, assessment) or not private_to_starter(assessment)


def may_answer(user: User, assessment: Assessment, chose_to_take_part: bool) -> bool:
    """Who may send answers as a practitioner: the one who started it, or another member who
    can open it and chose "Take part"; everyone else who opens it only watches."""
    return can_take_part(user, assessment) and (started_it(user, assessment) or chose_to_take_part)


def refuse_if_finished(assessment: Assessment) -> None:
    """A finished conversation is only read: no hand-over, no link, no taking part."""
    if review.conversation_is_over(assessment):
        raise ConversationFinished()


def check_can_pass_on(user: User, assessment: Assessment, chose_to_take_part: bool) -> None:
    """Hand the conversation to the person (the tablet, or a link for home): only while it
    has not finished, and only by someone who answers in it, not one who watches."""
    refuse_if_finished(assessment)
    if not may_answer(user, assessment, chose_to_take_part):
        raise WatchingOnly()


def flagged_person_ids(db: Session, person_ids: Sequence[int], user: User) -> set[int]:
    """Of these persons, those with a conversation flagged for safety that `user` may know of:
    one shared with the team, or one kept private to whoever started it when that is `user`
    (that a risk came up is part of what the person kept private)."""
    if not person_ids:
        return set()
    shared = (
        select(Consent.id)
        .where(
            Consent.assessment_id == Assessment.id,
            Consent.purpose == ConsentPurpose.SHARE_TEAM,
            Consent.given.is_(True),
        )
        .exists()
    )
    return set(
        db.scalars(
            select(Assessment.person_id).where(
                Assessment.person_id.in_(person_ids),
                Assessment.safety_flag.is_(True),
                or_(shared, Assessment.started_by_id == user.id),
            )
        )
    )
