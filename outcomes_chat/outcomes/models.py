"""Database tables for accounts, persons, teams and the audit log."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, so SQLite and PostgreSQL store the same instant."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always reads back an aware datetime, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use outcomes.models.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(enum.StrEnum):
    PRACTITIONER = "practitioner"
    LEAD_PROFESSIONAL = "lead_professional"
    ADMIN = "admin"


class Agency(enum.StrEnum):
    HEALTH = "health"
    SOCIAL_WORK = "social_work"
    EDUCATION = "education"
    VOLUNTARY = "voluntary"
    OTHER = "other"


class PersonKind(enum.StrEnum):
    CARER = "carer"
    SERVICE_USER = "service_user"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    # Stored as plain strings with a CHECK, portable across SQLite and PostgreSQL.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=cls.__name__.lower(),
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[Agency] = mapped_column(_enum(Agency))
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[TeamMember]] = relationship(back_populates="user")

    # The attributes Flask-Login expects, without importing it into the records layer.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class LoginSession(Base):
    """A server-side record of a login, so logout and time-outs end it for every copy."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the login came from: an account that logged in from an address recently can still
    # log in from it while others there are guessing (accounts.attempt_login).
    address: Mapped[str | None] = mapped_column(String(64))
    # Hand-over mode: this login is locked to one conversation until the practitioner unlocks.
    handover_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    handover_pin_hash: Mapped[str | None] = mapped_column(String(255))
    # The last request of the hand-over the server let through, and when it locked (after
    # HANDOVER_IDLE_SECONDS of quiet, or because the page asked): locked, only unlocking works.
    handover_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handover_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """One failed login, counted per account and per address for rate limiting."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str | None] = mapped_column(String(120))
    case_reference: Mapped[str] = mapped_column(String(64), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    preferred_language: Mapped[str] = mapped_column(String(16), default="en")
    kind: Mapped[PersonKind] = mapped_column(_enum(PersonKind))
    cares_for_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    cares_for_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[list[TeamMember]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="TeamMember.id"
    )
    cares_for: Mapped[Person | None] = relationship(remote_side=[id])

    @property
    def lead(self) -> TeamMember | None:
        return next((member for member in self.team if member.is_lead), None)

    @property
    def called(self) -> str:
        return self.preferred_name or self.name


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (
        UniqueConstraint("person_id", "user_id", name="uq_team_members_person_user"),
        # The database itself guarantees at most one lead professional per person.
        Index(
            "uq_team_members_one_lead",
            "person_id",
            unique=True,
            sqlite_where=text("is_lead"),
            postgresql_where=text("is_lead"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_role: Mapped[str] = mapped_column(String(120))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="team")
    user: Mapped[User] = relationship(back_populates="memberships")


class AuditEvent(Base):
    """Who did what to which record, and when; never the record's content."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class AssessmentStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    FINISHED = "finished"


class PlanStage(enum.StrEnum):
    """Where the plan is; moved only by explicit operations (outcomes.review), never by a turn."""

    IN_CONVERSATION = "in_conversation"
    AWAITING_REVIEW = "awaiting_review"
    AGREED = "agreed"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class ConsentPurpose(enum.StrEnum):
    RECORD = "record"
    SHARE_TEAM = "share_team"
    EXPORT = "export"


class Assessment(Base):
    """One conversation with a person, and the engine state it has reached."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    framework: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[AssessmentStatus] = mapped_column(_enum(AssessmentStatus))
    # The engine's state after the last stored turn: small JSON, rebuilt by replaying turns.
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(40), default="")
    safety_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    safety_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The plan's stage and the version the team is working on; a sign-off freezes a version.
    stage: Mapped[PlanStage] = mapped_column(
        _enum(PlanStage), default=PlanStage.IN_CONVERSATION, server_default="in_conversation"
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    review_date: Mapped[date | None] = mapped_column(Date, index=True)

    person: Mapped[Person] = relationship()
    started_by: Mapped[User | None] = relationship()
    # The agreed plan a review conversation looks back on.
    review_of: Mapped[Assessment | None] = relationship(
        remote_side=[id], foreign_keys=[review_of_id]
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Consent.id"
    )
    outcomes: Mapped[list[RecordedOutcome]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="RecordedOutcome.id"
    )
    concerns: Mapped[list[NotedConcern]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="NotedConcern.id"
    )
    actions: Mapped[list[OutcomeAction]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="OutcomeAction.id"
    )
    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="ReviewComment.id"
    )
    sign_offs: Mapped[list[SignOff]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="SignOff.id"
    )
    flags: Mapped[list[SafetyFlag]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="SafetyFlag.id"
    )

    @property
    def consented(self) -> set[ConsentPurpose]:
        """The purposes the person agreed to."""
        return {consent.purpose for consent in self.consents if consent.given}

    @property
    def agreed(self) -> SignOff | None:
        """The latest sign-off, if the plan was ever agreed."""
        return self.sign_offs[-1] if self.sign_offs else None


class Consent(Base):
    """Consent for one purpose, with who took it and when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[ConsentPurpose] = mapped_column(_enum(ConsentPurpose))
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="consents")
    recorded_by: Mapped[User | None] = relationship()


class ConversationTurn(Base):
    """One stored step: what the person sent and what the assistant answered."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        UniqueConstraint("assessment_id", "seq", name="uq_conversation_turns_seq"),
        UniqueConstraint("assessment_id", "client_id", name="uq_conversation_turns_client_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(64))
    said_text: Mapped[str | None] = mapped_column(Text)
    said_button: Mapped[str | None] = mapped_column(String(64))
    # The label the pressed button showed, so a replayed transcript reads as it did.
    said_label: Mapped[str | None] = mapped_column(String(200))
    # The engine's own turn counter after this step; refused inputs leave it unchanged.
    engine_turn: Mapped[int] = mapped_column(Integer)
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who sent it: the practitioner's account, the person's link, or the person on the
    # practitioner's tablet (by_user_id is then the account it was handed over from).
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_link_id: Mapped[int | None] = mapped_column(ForeignKey("chat_links.id", ondelete="SET NULL"))
    via_handover: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    by_user: Mapped[User | None] = relationship()


class RecordedOutcome(Base):
    """An outcome: the person's words verbatim, and what the team added beside them.

    These columns hold the latest revision; `Revision` rows keep every earlier one.
    """

    __tablename__ = "recorded_outcomes"
    __table_args__ = (UniqueConstraint("assessment_id", "key", name="uq_recorded_outcomes_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    domains: Mapped[list[str]] = mapped_column(JSON)
    words: Mapped[str] = mapped_column(Text)
    # The engine's turn number the words came from (ConversationTurn.engine_turn).
    source_turn: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(20))
    # What the person typed at the rating question, verbatim, beside the rating.
    rating_words: Mapped[str | None] = mapped_column(Text)
    # After a problem: what the person would like instead, in their words.
    wish: Mapped[str | None] = mapped_column(Text)
    helps: Mapped[str | None] = mapped_column(Text)
    barriers: Mapped[str | None] = mapped_column(Text)
    who_could_help: Mapped[str | None] = mapped_column(Text)
    # Removed by the person in the conversation.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the team adds beside, never over, the person's words.
    note: Mapped[str | None] = mapped_column(Text)
    practitioner_view: Mapped[str | None] = mapped_column(Text)
    person_view: Mapped[str | None] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(String(40))
    removed_in_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("recorded_outcomes.id", ondelete="SET NULL")
    )
    # Raised in a review meeting rather than in the conversation: who raised it.
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # In a review conversation: the agreed outcome this one looks back on, how it was then,
    # the person's new words about it, and the team's view of whether it was achieved.
    review_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("recorded_outcomes.id", ondelete="SET NULL")
    )
    previous_rating: Mapped[str | None] = mapped_column(String(20))
    update: Mapped[str | None] = mapped_column(Text)
    achieved: Mapped[str | None] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    assessment: Mapped[Assessment] = relationship(back_populates="outcomes")
    raised_by: Mapped[User | None] = relationship()
    review_of: Mapped[RecordedOutcome | None] = relationship(
        remote_side=[id], foreign_keys=[review_of_id]
    )

    @property
    def active(self) -> bool:
        """Still part of the plan: not removed by anyone, not merged into another."""
        return not (self.removed or self.removed_in_review or self.merged_into_id)


class Revision(Base):
    """One change to an outcome or an action: append-only, never updated or deleted.

    `values` is the whole record after the change, so any revision can be shown as it was.
    """

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "number", name="uq_revisions_subject_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(20))  # "outcome" or "action"
    subject_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    based_on: Mapped[int | None] = mapped_column(Integer)
    plan_version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(40))
    changed: Mapped[list[str]] = mapped_column(JSON)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who, in words that stay true if the account goes: "Morag Campbell", "the person".
    by_label: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutcomeAction(Base):
    """Something someone will do towards an outcome: what, who, which agency, by when."""

    __tablename__ = "outcome_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("recorded_outcomes.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    agency: Mapped[Agency] = mapped_column(_enum(Agency))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus), default=ActionStatus.OPEN)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="actions")
    outcome: Mapped[RecordedOutcome] = relationship()


class ReviewComment(Base):
    """A comment in review: on an outcome, on a part of the carer support plan, or the plan."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    outcome_id: Mapped[int | None] = mapped_column(
        ForeignKey("recorded_outcomes.id", ondelete="CASCADE")
    )
    # A part of the carer support plan this comment covers (the framework's plan_parts ids).
    plan_part: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_label: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="comments")


class SignOff(Base):
    """The lead professional agreed a version of the plan: it is frozen, a review is due."""

    __tablename__ = "sign_offs"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version", name="uq_sign_offs_assessment_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_label: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    review_date: Mapped[date] = mapped_column(Date)
    # Parts of the carer support plan not covered when it was agreed (ids), kept as they were.
    not_covered: Mapped[list[str]] = mapped_column(JSON)
    # Safety flags (ids) not yet cleared when it was agreed; the lead confirmed they had seen them.
    open_flags: Mapped[list[int]] = mapped_column(JSON, default=list, server_default=text("'[]'"))

    assessment: Mapped[Assessment] = relationship(back_populates="sign_offs")


class SafetyFlag(Base):
    """A risk heard in the conversation: what kind, how urgent, the words, and what was done."""

    __tablename__ = "safety_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20))
    words: Mapped[str] = mapped_column(Text)
    source_turn: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    what_was_done: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="flags")
    cleared_by: Mapped[User | None] = relationship()


class NotedConcern(Base):
    """A worry said without detail ("no" to "Do you feel safe?"), kept for the team.

    Noted concerns only grow: going back in the conversation does not unsay a worry.
    """

    __tablename__ = "noted_concerns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(40))
    words: Mapped[str] = mapped_column(Text)
    # The engine's turn number the words came from (ConversationTurn.engine_turn).
    source_turn: Mapped[int] = mapped_column(Integer)

    assessment: Mapped[Assessment] = relationship(back_populates="concerns")


class ChatLink(Base):
    """A single-use, expiring, revocable link for a person to continue at home."""

    __tablename__ = "chat_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    # Only a hash is stored: a copy of the database does not hand out working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Set when the link is opened: the browser that opened it holds this, nobody else can.
    browser_key_hash: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship()
    created_by: Mapped[User | None] = relationship()
