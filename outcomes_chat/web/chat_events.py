"""Socket.IO events of the /chat namespace; docs/protocol.md describes them for other programs.

Every event is authenticated again: the practitioner's login session must still be open (and,
in hand-over, locked to this conversation), or the person's link must still be valid. Each
answer is stored in one transaction before its acknowledgement is sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from ..database import get_db
from ..extensions import socketio
from ..i18n import LOCALES
from ..outcomes import accounts
from ..outcomes.chat_turns import AppliedTurn, Busy, NotAvailable, Speaker, apply_chat_turn
from ..outcomes.conversations import (
    MAX_ANSWER_LENGTH,
    Said,
    Sender,
    catch_up,
    turns_after,
)
from ..outcomes.errors import (
    ButtonNotOffered,
    ConversationFinished,
    EmptyAnswer,
    RuleError,
    SeqBeyondLatest,
    StaleAnswer,
    WatchingOnly,
)
from ..outcomes.listeners import LoginLimits, listeners
from ..outcomes.models import Assessment, ConversationTurn, LoginSession, Person
from .auth import SESSION_KEY
from .chat import (
    LINK_SESSION_KEY,
    chose_to_take_part,
    handover_allows,
    handover_idle,
    link_from_session,
)
from .engines import engine_for

NAMESPACE = "/chat"
# One grammar, checked whole (fullmatch: "$" would let a trailing newline through).
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Ids and sequence numbers are 32-bit in every database the service runs on.
MAX_INT = 2**31 - 1
MAX_BUTTON_LENGTH = 64
RATE_LIMIT_EVENTS = 20
RATE_LIMIT_WINDOW = 10.0

_recent_events: defaultdict[str, list[float]] = defaultdict(list)


class Refused(Exception):
    """An event that is answered with an error and changes nothing.

    `details` are added to the error; `missed` (turns as JSON) goes in the ack beside it.
    """

    def __init__(
        self,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        missed: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.details = details or {}
        self.missed = missed


@dataclass(frozen=True)
class Participant:
    """Who is on the other end: the practitioner, or the person (hand-over or link)."""

    user_id: int | None = None
    link_id: int | None = None
    locked_to: int | None = None
    rooms: tuple[str, ...] = field(default=())
    # A hand-over locked by the server (quiet too long, or the page asked): only unlocking,
    # on the unlock page, opens it again.
    handover_locked: bool = False


def current_participant() -> Participant | None:
    """The participant behind this connection's cookie, checked afresh.

    An event of a hand-over that is let through counts as the person's activity.
    """
    if current_user.is_authenticated:
        login = g.login_session
        locked = login.handover_assessment_id
        return Participant(
            user_id=current_user.id,
            locked_to=locked,
            # A tablet handed over to the person gets no alerts about anyone.
            rooms=() if locked else (alerts_room(login.id),),
            handover_locked=not handover_allows(login),
        )
    link = link_from_session()
    if link is not None:
        return Participant(link_id=link.id, locked_to=link.assessment_id)
    return None


def _refusal(error: Refused, client_id: object = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": error.code, "message": error.message, **error.details}
    if isinstance(client_id, str):
        payload["client_id"] = client_id[:64]
    emit("error", payload)
    ack: dict[str, Any] = {"ok": False, "error": payload}
    if error.missed is not None:
        ack["missed"] = error.missed
    return ack


def _sid() -> str:
    """This connection's Socket.IO session id (Flask-SocketIO sets it on the request)."""
    return str(request.sid)  # type: ignore[attr-defined]


def _check_rate() -> None:
    now = time.monotonic()
    recent = [t for t in _recent_events[_sid()] if now - t < RATE_LIMIT_WINDOW]
    if len(recent) >= RATE_LIMIT_EVENTS:
        _recent_events[_sid()] = recent
        raise Refused("rate_limited", _("That was a lot at once. Please wait a moment."))
    recent.append(now)
    _recent_events[_sid()] = recent


def _int_field(data: dict[str, Any], name: str, minimum: int = 0) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_INT:
        raise Refused("bad_request", _("The message was not understood: %(field)s.", field=name))
    return value


def _well_formed(value: object) -> TypeGuard[str]:
    """A string that can be stored: no lone surrogate halves ("\\ud800")."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _payload(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Refused("bad_request", _("The message was not understood."))
    return data


def _participant() -> Participant:
    participant = current_participant()
    if participant is None:
        raise Refused("unauthorised", _("Please log in again, or ask for a new link."))
    if participant.handover_locked:
        raise Refused(
            "locked", _("This tablet is locked. Please hand it back to your practitioner.")
        )
    return participant


def _check_access(participant: Participant, assessment: Assessment | None) -> Assessment:
    if assessment is None or not _speaker(participant, assessment.id).may_open(assessment):
        raise Refused("forbidden", _("This conversation is not available to you."))
    return assessment


def _speaker(participant: Participant, assessment_id: int) -> Speaker:
    """The participant as the records' rules know them (outcomes.chat_turns.Speaker)."""
    handed_over = participant.user_id is not None and participant.locked_to is not None
    return Speaker(
        sender=Sender(
            user=current_user if participant.user_id else None,
            link_id=participant.link_id,
            via_handover=handed_over,
        ),
        locked_to=participant.locked_to,
        chose_to_take_part=chose_to_take_part(assessment_id),
    )


# The access check reads the person's team: load it with the assessment, in one query.
_WITH_TEAM = joinedload(Assessment.person).joinedload(Person.team)


def _load(data: dict[str, Any]) -> tuple[Participant, Assessment]:
    participant = _participant()
    assessment_id = _int_field(data, "assessment_id", 1)
    assessment = get_db().get(Assessment, assessment_id, options=[_WITH_TEAM])
    return participant, _check_access(participant, assessment)


def _turn_json(turn: ConversationTurn) -> dict[str, Any]:
    said = None
    if turn.said_button is not None:
        said = {"button": turn.said_button, "label": turn.said_label or turn.said_button}
    elif turn.said_text is not None:
        said = {"text": turn.said_text}
    return {"seq": turn.seq, "by": turn.by, "who": _who(turn), "said": said, "reply": turn.reply}


def _who(turn: ConversationTurn) -> dict[str, Any]:
    """Who sent a turn, for the transcript: the practitioner by name, or the person and how
    (on the practitioner's tablet, or through a link)."""
    via = "handover" if turn.via_handover else "link" if turn.by_link_id else None
    name = turn.by_user.display_name if turn.by_user and turn.by == "practitioner" else None
    return {"by": turn.by, "name": name, "via": via}


def _summary(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.id,
        "framework": assessment.framework,
        "language": assessment.language,
        "status": assessment.status.value,
        "phase": assessment.phase,
        "last_seq": assessment.last_seq,
        "safety_flag": assessment.safety_flag,
    }


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(_auth: object = None) -> None:
    """A browser or program connects; refused unless logged in or holding a valid link."""
    participant = current_participant()
    if participant is None:
        # Socket.IO's own exception: its message reaches the client's connect_error. (Python's
        # built-in ConnectionRefusedError would reach on_error, and the client a generic text.)
        raise ConnectionRefusedError("unauthorised")
    if participant.handover_locked:
        raise ConnectionRefusedError("locked")
    for room in participant.rooms:
        join_room(room)


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args: object) -> None:
    """Forget this connection's rate-limit history."""
    _recent_events.pop(_sid(), None)


@socketio.on("join", namespace=NAMESPACE)
def on_join(data: object = None) -> dict[str, Any]:
    """Client sends {assessment_id, last_seq}; the ack carries every turn after last_seq."""
    try:
        _check_rate()
        payload = _payload(data)
        participant, assessment = _load(payload)
        last_seq = _int_field(payload, "last_seq")
        missed = [_turn_json(t) for t in catch_up(get_db(), assessment, last_seq)]
    except SeqBeyondLatest as beyond:
        return _refusal(_beyond(beyond))
    except Refused as error:
        return _refusal(error)
    join_room(_room_for(participant, assessment.id))
    return {
        "ok": True,
        "assessment": _summary(assessment),
        "turns": missed,
        "answering": _speaker(participant, assessment.id).may_answer(assessment),
    }


def _room_for(participant: Participant, assessment_id: int) -> str:
    """Each login and link hears a conversation in a room of its own: whether it may still
    hear it is decided each time a turn is sent (see _tell_others). A handed-over tablet's
    room is the login's, so that it stops hearing the moment its hand-over locks."""
    if participant.user_id is not None and participant.locked_to is not None:
        return _handover_room(g.login_session.id)
    if participant.link_id is not None:
        return link_room(assessment_id, participant.link_id)
    return login_room(assessment_id, g.login_session.id)


def _hashed(login_id: str) -> str:
    # Room names travel through the message queue: never the login's own id.
    return hashlib.sha256(login_id.encode()).hexdigest()[:32]


def _handover_room(login_id: str) -> str:
    return "handover:" + _hashed(login_id)


def login_room(assessment_id: int, login_id: str) -> str:
    """Where a practitioner's login hears a conversation it joined."""
    return f"conversation:{assessment_id}:{_hashed(login_id)}"


def link_room(assessment_id: int, link_id: int) -> str:
    """Where the browser that opened a link for home hears its conversation."""
    return f"conversation:{assessment_id}:link:{link_id}"


def alerts_room(login_id: str) -> str:
    """Where a practitioner's login hears safety alerts, on every page it has open."""
    return "alerts:" + _hashed(login_id)


def login_limits() -> LoginLimits:
    """How long logins and hand-overs last, from the configuration."""
    config = current_app.config
    return LoginLimits(
        idle=config["SESSION_IDLE_TIMEOUT"],
        max_age=config["SESSION_MAX_AGE"],
        handover_idle=handover_idle(),
    )


@socketio.on("active", namespace=NAMESPACE)
def on_active(_data: object = None) -> dict[str, Any]:
    """A handed-over page says the person is there (typing, reading): the quiet time restarts."""
    try:
        _check_rate()
        _participant()  # letting the event through is what counts it
    except Refused as error:
        return _refusal(error)
    return {"ok": True}


@socketio.on("lock", namespace=NAMESPACE)
def on_lock(_data: object = None) -> dict[str, Any]:
    """A handed-over page pauses itself: lock the hand-over now, for every page and event."""
    try:
        _check_rate()
        participant = current_participant()
        if participant is None:
            raise Refused("unauthorised", _("Please log in again, or ask for a new link."))
        if participant.locked_to is None or participant.user_id is None:
            raise Refused("bad_request", _("Only a tablet that was handed over can be locked."))
    except Refused as error:
        return _refusal(error)
    accounts.lock_handover(g.login_session)
    get_db().commit()
    # This connection hears no more of the conversation.
    leave_room(_handover_room(g.login_session.id))
    return {"ok": True}


def _beyond(error: SeqBeyondLatest) -> Refused:
    message = _(
        "This conversation has no turn %(seq)d yet: its latest is %(latest)d. "
        "Join again from a turn you have seen.",
        seq=error.asked,
        latest=error.last_seq,
    )
    return Refused(error.code, message, {"field": "last_seq", "last_seq": error.last_seq})


@socketio.on("leave", namespace=NAMESPACE)
def on_leave(data: object = None) -> dict[str, Any]:
    """Stop receiving a conversation's turns."""
    if isinstance(data, dict) and isinstance(data.get("assessment_id"), int):
        # The rooms this connection's cookie joined it to; read without the database, so a
        # connection whose login or link has ended can leave too.
        link = session.get(LINK_SESSION_KEY)
        if isinstance(link, dict) and isinstance(link.get("id"), int):
            leave_room(link_room(data["assessment_id"], link["id"]))
        login_id = session.get(SESSION_KEY)
        if isinstance(login_id, str):
            leave_room(login_room(data["assessment_id"], login_id))
    return {"ok": True}


def _tell_others(
    turn: dict[str, Any],
    assessment: Assessment,
    safety: str | None,
    alert_user_ids: tuple[int, ...],
) -> None:
    """Send a new turn to every other login and link that may hear the conversation now, and
    a risk's alert to those the records name; a locked hand-over, an ended login, a member
    no longer in the team or a revoked link hears nothing."""
    db = get_db()
    now = listeners(db, assessment, login_limits())
    db.commit()  # a hand-over found quiet too long stays locked
    rooms = [
        *(login_room(assessment.id, login.id) for login in now.logins),
        *(_handover_room(login.id) for login in now.handovers),
        *(link_room(assessment.id, link_id) for link_id in now.link_ids),
    ]
    for room in rooms:
        emit("turn", turn, to=room, skip_sid=_sid())
    if safety:
        alerted = [login for login in now.logins if login.user_id in alert_user_ids]
        _alert_team(assessment, safety, alerted)


def _said(payload: dict[str, Any]) -> Said:
    text, button, language = payload.get("text"), payload.get("button"), payload.get("language")
    if sum(value is not None for value in (text, button, language)) != 1:
        raise Refused("bad_request", _("Send one of text, button or language."))
    if language is not None:
        if not isinstance(language, str) or language not in LOCALES:
            raise Refused("bad_request", _("That language is not available."))
        return Said(language=language)
    if button is not None:
        if not _well_formed(button) or not 0 < len(button) <= MAX_BUTTON_LENGTH:
            raise Refused(
                "bad_request", _("The message was not understood: %(field)s.", field="button")
            )
        return Said(button=button)
    if not _well_formed(text):
        raise Refused("bad_request", _("The message was not understood: %(field)s.", field="text"))
    if len(text) > MAX_ANSWER_LENGTH:
        raise Refused(
            "too_long",
            _(
                "That is a lot to take in at once. Could you say it in fewer words "
                "(up to %(limit)d characters)?",
                limit=MAX_ANSWER_LENGTH,
            ),
        )
    return Said(text=text)


@socketio.on("say", namespace=NAMESPACE)
def on_say(data: object = None) -> dict[str, Any]:
    """Client sends {assessment_id, client_id, last_seq, text | button}; stored, then acked."""
    client_id = data.get("client_id") if isinstance(data, dict) else None
    try:
        _check_rate()
        payload = _payload(data)
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            raise Refused(
                "bad_request", _("The message was not understood: %(field)s.", field="client_id")
            )
        participant = _participant()
        assessment_id = _int_field(payload, "assessment_id", 1)
        last_seq = _int_field(payload, "last_seq")
        said = _said(payload)
        applied = _store(participant, assessment_id, client_id, said, last_seq)
    except Refused as error:
        return _refusal(error, client_id)
    stored = applied.stored
    missed: list[dict[str, Any]] = []
    if last_seq < stored.turn.seq - 1:  # only a client that fell behind missed anything
        missed = [
            _turn_json(t)
            for t in turns_after(get_db(), stored.assessment, last_seq)
            if t.seq < stored.turn.seq
        ]
    turn = _turn_json(stored.turn)
    if not stored.duplicate:
        _tell_others(
            {"assessment_id": assessment_id, **turn},
            stored.assessment,
            stored.safety,
            applied.alert_user_ids,
        )
    return {
        "ok": True,
        "duplicate": stored.duplicate,
        "turn": turn,
        "missed": missed,
        "assessment": _summary(stored.assessment),
    }


def _store(
    participant: Participant, assessment_id: int, client_id: str, said: Said, last_seq: int
) -> AppliedTurn:
    speaker = _speaker(participant, assessment_id)
    try:
        return apply_chat_turn(
            get_db(), engine_for, speaker, assessment_id, client_id, said, last_seq
        )
    except RuleError as refused:
        raise _refused_turn(refused) from refused


def _refused_turn(error: RuleError) -> Refused:
    """The protocol's answer to an answer the conversation's rules refuse."""
    if isinstance(error, StaleAnswer):
        message = _(
            "Something new was said in this conversation before your answer arrived. "
            "Please read it, then answer again."
        )
        missed = [_turn_json(turn) for turn in error.missed]
        return Refused(error.code, message, {"last_seq": error.last_seq}, missed)
    if isinstance(error, SeqBeyondLatest):
        return _beyond(error)
    if isinstance(error, EmptyAnswer):
        return Refused(error.code, _("Please type an answer, or choose one of the buttons."))
    if isinstance(error, ButtonNotOffered):
        message = _("That is not one of the answers offered here. Please choose one shown.")
        return Refused(error.code, message)
    if isinstance(error, NotAvailable):
        return Refused(error.code, _("This conversation is not available to you."))
    if isinstance(error, WatchingOnly):
        return Refused(
            error.code,
            _('You are watching this conversation. Choose "Take part" on its page to answer.'),
        )
    if isinstance(error, Busy):
        return Refused(error.code, _("Please try again in a moment."))
    if isinstance(error, ConversationFinished):
        return Refused(error.code, _("This conversation has finished. You can still read it."))
    raise error


@socketio.on("*", namespace=NAMESPACE)
def on_unknown_event(_event: str, *_args: object) -> dict[str, Any]:
    """Any event the protocol does not define: answered, so a client is never left waiting."""
    try:
        _check_rate()
        raise Refused("unknown_event", _("The chat does not know that event."))
    except Refused as error:
        return _refusal(error, None)


@socketio.on_error(NAMESPACE)
def on_unexpected_error(error: Exception) -> dict[str, Any] | bool:
    """Any other failure (a locked database, say): roll back and answer busy, to be resent."""
    # Flask-SocketIO puts the event being handled on the request.
    event: dict[str, Any] = getattr(request, "event", {})
    if event.get("message") == "connect":
        # A failure must never let a connection in; the client may try again shortly.
        with contextlib.suppress(SQLAlchemyError):
            get_db().rollback()
        current_app.logger.error("A /chat connection was refused as busy: %r", error)
        raise ConnectionRefusedError("busy") from error
    # Resending is safe even if the turn was committed first: a client_id is applied once.
    with contextlib.suppress(SQLAlchemyError):
        get_db().rollback()
    current_app.logger.error("A /chat event failed: %r", error, exc_info=error)
    args = event.get("args") or ()
    client_id = args[0].get("client_id") if args and isinstance(args[0], dict) else None
    return _refusal(Refused("busy", _("Please try again in a moment.")), client_id)


def _alert_team(assessment: Assessment, tier: str, logins: list[LoginSession]) -> None:
    """Tell the logins of those to alert how urgent it is, without the person's words."""
    messages = {
        "immediate": _("Someone may be in danger now, in a conversation. Please check in now."),
        "safeguarding": _("A safeguarding concern came up in a conversation. Please act today."),
        "wellbeing": _("A worry was noted in a conversation. Please look at it soon."),
    }
    alert = {
        "assessment_id": assessment.id,
        "person_id": assessment.person_id,
        "person_name": assessment.person.called,
        "tier": tier,
        "message": messages.get(tier, messages["immediate"]),
    }
    for login in logins:
        emit("safety_alert", alert, to=alerts_room(login.id), namespace=NAMESPACE)
