"""Socket.IO events of the /review namespace: who has a review page open, and live changes.

Everyone with an assessment's review page open sees who else is there, and each change as it is
saved, whether it came through a form or through the `change` event here. Each login listens in
a room of its own, and who may still hear is decided each time something is sent
(outcomes.listeners): a member taken off the team, a deactivated account or an ended login
hears no more. A change names the revision it was based on; a stale one is refused with the
current value. docs/protocol.md describes the events for other programs.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from typing import Any

from flask import g, request, session
from flask_login import current_user
from flask_socketio import join_room, leave_room
from socketio.exceptions import ConnectionRefusedError

from ..database import get_db
from ..extensions import socketio
from ..outcomes import review
from ..outcomes.errors import ChangedFirst, RuleError, StaleRevision
from ..outcomes.listeners import listeners
from ..outcomes.models import Assessment, User
from .auth import SESSION_KEY
from .chat_events import login_limits

NAMESPACE = "/review"
MAX_INT = 2**31 - 1
# Changes the `change` event takes: what the team writes beside an outcome's words.
CHANGE_FIELDS = frozenset(review.TEAM_FIELDS)

# Who is in each room, in this process: room -> socket id -> (user id, name shown). With
# several processes each knows its own sockets; presence then shows those of this process.
_present: defaultdict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
_present_lock = threading.Lock()


def _room(assessment_id: int) -> str:
    return f"review:{assessment_id}"


def _login_room(assessment_id: int, login_id: str) -> str:
    """Where one login hears an assessment's review; the room name travels through the message
    queue, so it holds a hash of the login's id, never the id."""
    return f"review:{assessment_id}:{hashlib.sha256(login_id.encode()).hexdigest()[:32]}"


def _send(event: str, payload: dict[str, Any], assessment: Assessment) -> set[int]:
    """Send to every login that may review the assessment now; the users it went to."""
    db = get_db()
    now = listeners(db, assessment, login_limits(), with_links=False)
    db.commit()
    for login in now.logins:
        socketio.emit(event, payload, to=_login_room(assessment.id, login.id), namespace=NAMESPACE)
    return now.user_ids()


def tell_reviewers(
    assessment: Assessment, what: str, by: User, outcome_id: int | None, **details: Any
) -> None:
    """Tell everyone with the review page open, who may still review it, what changed."""
    payload = {
        "assessment_id": assessment.id,
        "what": what,
        "outcome_id": outcome_id,
        "by": by.display_name,
        "by_id": by.id,
        **details,
    }
    _send("changed", payload, assessment)


def _refusal(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message, **details}}


def _signed_in() -> bool:
    """A practitioner's own login; a tablet handed over to the person reviews nothing."""
    if not current_user.is_authenticated:  # loading the user also sets g.login_session
        return False
    login = getattr(g, "login_session", None)
    return login is not None and not login.handover_assessment_id


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(_auth: object = None) -> None:
    """Only a logged-in practitioner (not a handed-over tablet) may connect."""
    if not _signed_in():
        raise ConnectionRefusedError("unauthorised")


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args: object) -> None:
    """Leaving: the others see who is still there."""
    sid = request.sid  # type: ignore[attr-defined]
    with _present_lock:
        rooms = [room for room, members in _present.items() if members.pop(sid, None)]
    for room in rooms:
        assessment = get_db().get(Assessment, int(room.split(":", 1)[1]))
        if assessment is not None:
            _announce(assessment)


def _int(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if type(value) is not int or not 0 < value <= MAX_INT:
        raise ValueError(name)
    return value


def _assessment(payload: object) -> Assessment | None:
    """The assessment named in a payload, if the user may review it."""
    if not isinstance(payload, dict):
        raise ValueError("payload")
    assessment = get_db().get(Assessment, _int(payload, "assessment_id"), populate_existing=True)
    if assessment is None or not review.can_review(current_user, assessment):
        return None
    return assessment


@socketio.on("join", namespace=NAMESPACE)
def on_join(data: object = None) -> dict[str, Any]:
    """Client sends {assessment_id}; it joins the room and everyone gets the new presence."""
    if not _signed_in():
        return _refusal("unauthorised", "Log in again.")
    try:
        assessment = _assessment(data)
    except ValueError as bad:
        return _refusal("bad_request", f"'{bad}' is missing or not a positive whole number.")
    if assessment is None:
        return _refusal("forbidden", "You cannot review this assessment.")
    join_room(_login_room(assessment.id, g.login_session.id))
    with _present_lock:
        _present[_room(assessment.id)][request.sid] = (current_user.id, current_user.display_name)  # type: ignore[attr-defined]
    _announce(assessment)
    return {"ok": True, "assessment_id": assessment.id, "revisions": _revisions(assessment)}


def _revisions(assessment: Assessment) -> dict[str, int]:
    return {str(outcome.id): outcome.revision for outcome in assessment.outcomes}


def _announce(assessment: Assessment) -> None:
    """Who has the page open, to those who may review it now: only those, by name."""
    room = _room(assessment.id)
    db = get_db()
    now = listeners(db, assessment, login_limits(), with_links=False)
    db.commit()
    allowed = now.user_ids()
    with _present_lock:
        present = list(_present.get(room, {}).values())
    people = sorted({name for user_id, name in present if user_id in allowed})
    for login in now.logins:
        socketio.emit(
            "presence",
            {"room": room, "present": people},
            to=_login_room(assessment.id, login.id),
            namespace=NAMESPACE,
        )


@socketio.on("leave", namespace=NAMESPACE)
def on_leave(data: object = None) -> dict[str, Any]:
    """Client closes the page (or moves to another assessment)."""
    try:
        assessment_id = _int(data if isinstance(data, dict) else {}, "assessment_id")
    except ValueError:
        return _refusal("bad_request", "'assessment_id' is missing or not a positive whole number.")
    login_id = session.get(SESSION_KEY)
    if isinstance(login_id, str):
        leave_room(_login_room(assessment_id, login_id))
    with _present_lock:
        _present[_room(assessment_id)].pop(request.sid, None)  # type: ignore[attr-defined]
    assessment = get_db().get(Assessment, assessment_id)
    if assessment is not None:
        _announce(assessment)
    return {"ok": True}


@socketio.on("change", namespace=NAMESPACE)
def on_change(data: object = None) -> dict[str, Any]:
    """{assessment_id, outcome_id, based_on, changes: {note|person_view|practitioner_view|
    impact: text or null}}: applied once, or refused with the current value if stale."""
    if not _signed_in():
        return _refusal("unauthorised", "Log in again.")
    try:
        assessment = _assessment(data)
        payload: dict[str, Any] = data  # type: ignore[assignment]
        outcome_id, based_on = _int(payload, "outcome_id"), _int(payload, "based_on")
        changes = payload.get("changes")
        if not isinstance(changes, dict) or not changes or set(changes) - CHANGE_FIELDS:
            raise ValueError("changes")
    except ValueError as bad:
        return _refusal("bad_request", f"'{bad}' is missing or not valid.")
    if assessment is None:
        return _refusal("forbidden", "You cannot review this assessment.")
    from .review import framework_of

    db = get_db()
    try:
        revision = review.edit_outcome(
            db, assessment, outcome_id, based_on, changes, current_user, framework_of(assessment)
        )
        review.commit(db)
    except StaleRevision as stale:
        db.rollback()
        return _refusal(
            stale.code,
            "Someone else changed this first; nothing was saved.",
            revision=stale.revision,
            current=stale.current,
        )
    except ChangedFirst:
        # Another process appended the same revision number first.
        outcome = next(o for o in assessment.outcomes if o.id == outcome_id)
        db.refresh(outcome)
        return _refusal(
            "stale_revision",
            "Someone else changed this first; nothing was saved.",
            revision=outcome.revision,
            current=review.outcome_values(outcome),
        )
    except RuleError as refused:
        db.rollback()
        return _refusal(refused.code, str(refused.detail or refused.code))
    number = revision.number if revision else based_on
    tell_reviewers(assessment, "outcome", current_user, outcome_id, revision=number)
    return {"ok": True, "revision": number}
