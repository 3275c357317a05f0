"""Pages around a conversation: start it, the chat, hand-over and unlock, links for home."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..database import get_db
from ..outcomes import accounts, links
from ..outcomes.audit import record_audit
from ..outcomes.conversations import (
    can_take_part,
    check_can_pass_on,
    consent_given,
    may_answer,
    refuse_if_finished,
    start_conversation,
)
from ..outcomes.errors import RuleError
from ..outcomes.models import Assessment, ChatLink, ConsentPurpose, LoginSession
from ..outcomes.persons import in_team
from .access import person_or_404
from .engines import engine_for
from .forms import ConfirmForm, HandoverForm, StartConversationForm, UnlockForm
from .messages import rule_message

bp = Blueprint("chat", __name__)
LINK_SESSION_KEY = "chat_link"
# The conversations this login chose to take part in, not having started them: kept in the
# signed session cookie, which a new login clears, and read by the socket's handshake too.
TAKING_PART_KEY = "taking_part"
# While the tablet is handed over, only these pages open; everything else leads back.
HANDOVER_ENDPOINTS = frozenset({"chat.conversation"})
# What a locked hand-over may still reach: the ways the practitioner opens it again.
LOCKED_ENDPOINTS = frozenset({"chat.unlock", "chat.reopen"})


def assessment_or_404(assessment_id: int) -> Assessment:
    """The conversation if the current user is in the person's team; 404 otherwise."""
    assessment = get_db().get(Assessment, assessment_id)
    if assessment is None or not can_take_part(current_user, assessment):
        abort(404)
    return assessment


def chose_to_take_part(assessment_id: int) -> bool:
    """Whether this login chose "Take part" in this conversation."""
    chosen = session.get(TAKING_PART_KEY)
    return isinstance(chosen, list) and assessment_id in chosen


def answering(assessment: Assessment) -> bool:
    """Whether the current user answers in this conversation, or only watches it."""
    return may_answer(current_user, assessment, chose_to_take_part(assessment.id))


def handover_idle() -> timedelta:
    """How long a handed-over tablet may be quiet before the server locks it."""
    return timedelta(seconds=current_app.config["HANDOVER_IDLE_SECONDS"])


def handover_allows(login: LoginSession) -> bool:
    """Whether this login's request may go ahead (False while its hand-over is locked)."""
    allowed = accounts.handover_allows(login, handover_idle())
    get_db().commit()
    return allowed


@bp.before_app_request
def _keep_handover_on_its_conversation() -> Response | None:
    login = g.get("login_session") if current_user.is_authenticated else None
    if login is None or login.handover_assessment_id is None or request.endpoint == "static":
        return None
    locked_to = login.handover_assessment_id
    view_args = request.view_args or {}
    if request.endpoint in LOCKED_ENDPOINTS and view_args.get("assessment_id") == locked_to:
        return None
    # Locked (quiet too long, or the page asked): nothing opens but the unlock page.
    if not handover_allows(login):
        return redirect(url_for("chat.unlock", assessment_id=locked_to))
    if request.endpoint in HANDOVER_ENDPOINTS and view_args.get("assessment_id") == locked_to:
        return None
    return redirect(url_for("chat.conversation", assessment_id=locked_to))


@bp.route("/persons/<int:person_id>/conversations/new", methods=["GET", "POST"])
@login_required
def start(person_id: int) -> Response | str:
    """Start a conversation for a person, with consent recorded per purpose."""
    person = person_or_404(person_id)
    if not in_team(current_user, person):
        abort(403)
    form = StartConversationForm()
    if not form.is_submitted():
        form.framework.data = "carer" if person.kind.value == "carer" else "adult"
        form.language.data = person.preferred_language
    if not form.validate_on_submit():
        return render_template("start_conversation.html", form=form, person=person)
    db = get_db()
    consents = {
        ConsentPurpose.RECORD: form.consent_record.data,
        ConsentPurpose.SHARE_TEAM: form.consent_share.data,
        ConsentPurpose.EXPORT: form.consent_export.data,
    }
    framework = form.framework.data or "carer"
    assessment = start_conversation(
        db,
        engine_for(framework),
        person,
        current_user,
        framework,
        form.language.data or "en",
        consents,
    )
    record_audit(db, current_user, "create", "assessment", assessment.id, person.id)
    db.commit()
    return redirect(url_for("chat.conversation", assessment_id=assessment.id))


def _chat_page(assessment: Assessment, mode: str, handover_form: HandoverForm | None = None) -> str:
    # A practitioner who did not start it watches until they choose to take part.
    watching = mode == "practitioner" and not answering(assessment)
    return render_template(
        "chat.html",
        assessment=assessment,
        mode=mode,
        watching=watching,
        finished=assessment.status.value == "finished",
        shared=consent_given(assessment, ConsentPurpose.SHARE_TEAM),
        exported=consent_given(assessment, ConsentPurpose.EXPORT),
        handover_form=handover_form or HandoverForm(formdata=None),
        confirm=ConfirmForm(),
        idle_seconds=current_app.config.get("HANDOVER_IDLE_SECONDS", 600),
        warning_seconds=current_app.config.get("HANDOVER_WARNING_SECONDS", 60),
        issued_links=links.links_for(get_db(), assessment) if mode == "practitioner" else [],
    )


@bp.get("/conversations/<int:assessment_id>")
@login_required
def conversation(assessment_id: int) -> str:
    """The chat: for the practitioner, or locked for the person during hand-over."""
    assessment = assessment_or_404(assessment_id)
    db = get_db()
    record_audit(db, current_user, "view", "assessment", assessment.id, assessment.person_id)
    db.commit()
    locked = g.login_session.handover_assessment_id == assessment.id
    return _chat_page(assessment, "handover" if locked else "practitioner")


@bp.post("/conversations/<int:assessment_id>/handover")
@login_required
def handover(assessment_id: int) -> Response | tuple[str, int]:
    """Lock this tablet to the conversation; leaving needs the password or the PIN set here."""
    assessment = assessment_or_404(assessment_id)
    try:
        check_can_pass_on(current_user, assessment, chose_to_take_part(assessment.id))
    except RuleError as refused:
        flash(rule_message(refused), "error")
        return redirect(url_for("chat.conversation", assessment_id=assessment.id))
    form = HandoverForm()
    if not form.validate_on_submit():
        # The page again, the error beside the PIN box (and the PIN itself not sent back).
        return _chat_page(assessment, "practitioner", form), 400
    accounts.start_handover(g.login_session, assessment.id, form.pin.data or None)
    get_db().commit()
    return redirect(url_for("chat.conversation", assessment_id=assessment.id))


@bp.post("/conversations/<int:assessment_id>/take-part")
@login_required
def take_part(assessment_id: int) -> Response:
    """A team member watching a conversation chooses to answer in it too."""
    assessment = assessment_or_404(assessment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        refuse_if_finished(assessment)
    except RuleError as error:
        flash(rule_message(error), "error")
        return redirect(url_for("chat.conversation", assessment_id=assessment.id))
    chosen = session.get(TAKING_PART_KEY)
    chosen = chosen if isinstance(chosen, list) else []
    if assessment.id not in chosen:
        # A few at most: the cookie stays small however long the login.
        session[TAKING_PART_KEY] = [*chosen, assessment.id][-20:]
        db = get_db()
        record_audit(
            db, current_user, "take_part", "assessment", assessment.id, assessment.person_id
        )
        db.commit()
    flash(_("You are taking part now. You can answer here."))
    return redirect(url_for("chat.conversation", assessment_id=assessment.id))


@bp.route("/conversations/<int:assessment_id>/unlock", methods=["GET", "POST"])
@login_required
def unlock(assessment_id: int) -> Response | str | tuple[str, int]:
    """The practitioner takes the tablet back."""
    assessment = assessment_or_404(assessment_id)
    login = g.login_session
    if login.handover_assessment_id != assessment.id:
        return redirect(url_for("chat.conversation", assessment_id=assessment.id))
    form = UnlockForm()
    # Once locked, the way back to the conversation is the PIN or password, not a link.
    locked = accounts.handover_locked(login, handover_idle())
    get_db().commit()
    if not form.validate_on_submit():
        return render_template("unlock.html", form=form, assessment=assessment, locked=locked)
    db = get_db()
    config = current_app.config
    key = accounts.unlock_key(login)
    address = request.remote_addr or "unknown"
    # Only this login's own limit: guessing elsewhere on the network must not keep the
    # practitioner from taking their tablet back.
    if accounts.too_many_for_account(
        db, key, config["LOGIN_FAILURE_WINDOW"], config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    ):
        form.form_errors.append(_("Too many attempts. Please wait a few minutes and try again."))
        return render_template("unlock.html", form=form, assessment=assessment, locked=locked), 429
    if not accounts.end_handover(login, form.secret.data or ""):
        accounts.record_failure(db, key, address)
        db.commit()
        form.form_errors.append(_("That password or PIN is not right."))
        return render_template("unlock.html", form=form, assessment=assessment, locked=locked)
    accounts.clear_failures(db, key)
    db.commit()
    flash(_("The tablet is unlocked."))
    return redirect(url_for("persons.person", person_id=assessment.person_id))


@bp.post("/conversations/<int:assessment_id>/reopen")
@login_required
def reopen(assessment_id: int) -> tuple[Response, int]:
    """The page's own lock screen: the PIN opens the hand-over again, for words still unsent.

    JSON for the page: {"ok": true}, or {"ok": false, "error": {"code", "message"}} with 403
    (wrong PIN), 409 (not this tablet's hand-over) or 429 (too many tries).
    """
    login = g.login_session
    if login.handover_assessment_id != assessment_id:
        return _json_refusal(
            "conflict", _("This tablet is not handed over for this conversation."), 409
        )
    secret = request.get_json(silent=True) or {}
    secret = secret.get("secret") if isinstance(secret, dict) else None
    db = get_db()
    config = current_app.config
    key = accounts.unlock_key(login)
    if accounts.too_many_for_account(
        db, key, config["LOGIN_FAILURE_WINDOW"], config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    ):
        return _json_refusal(
            "rate_limited", _("Too many attempts. Please wait a few minutes and try again."), 429
        )
    if not isinstance(secret, str) or not accounts.reopen_handover(login, secret):
        accounts.record_failure(db, key, request.remote_addr or "unknown")
        db.commit()
        return _json_refusal("wrong_secret", _("That password or PIN is not right."), 403)
    accounts.clear_failures(db, key)
    db.commit()
    return jsonify({"ok": True}), 200


def _json_refusal(code: str, message: str, status: int) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": {"code": code, "message": message}}), status


@bp.post("/conversations/<int:assessment_id>/links")
@login_required
def issue_link(assessment_id: int) -> Response | str:
    """Make a link so the person can carry on at home; it is shown once."""
    assessment = assessment_or_404(assessment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = get_db()
    days = current_app.config.get("CHAT_LINK_DAYS", 7)
    try:
        check_can_pass_on(current_user, assessment, chose_to_take_part(assessment.id))
        issued = links.issue_link(db, assessment, current_user, timedelta(days=days))
    except RuleError as error:
        db.rollback()
        flash(rule_message(error), "error")
        return redirect(url_for("chat.conversation", assessment_id=assessment.id))
    record_audit(db, current_user, "create", "chat_link", issued.link.id, assessment.person_id)
    db.commit()
    url = url_for("chat.open_link", token=issued.token, _external=True)
    return render_template("link_issued.html", assessment=assessment, url=url, link=issued.link)


@bp.post("/conversations/<int:assessment_id>/links/<int:link_id>/revoke")
@login_required
def revoke_link(assessment_id: int, link_id: int) -> Response:
    """Stop a link working."""
    assessment = assessment_or_404(assessment_id)
    db = get_db()
    link = db.get(ChatLink, link_id)
    if link is None or link.assessment_id != assessment.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        links.revoke_link(db, link)
        record_audit(db, current_user, "change", "chat_link", link.id, assessment.person_id)
        db.commit()
        flash(_("The link no longer works."))
    return redirect(url_for("chat.conversation", assessment_id=assessment.id))


@bp.get("/c/<token>")
def open_link(token: str) -> Response | tuple[str, int]:
    """Open a link for home: once only; afterwards only this browser may continue."""
    db = get_db()
    opened = links.open_link(db, token[:100])
    if opened is None:
        db.rollback()
        return _link_refused()
    link = opened.link
    record_audit(
        db, f"link:{link.id}", "view", "assessment", link.assessment_id, link.assessment.person_id
    )
    db.commit()
    session.clear()
    session[LINK_SESSION_KEY] = {"id": opened.link.id, "key": opened.browser_key}
    return redirect(url_for("chat.link_chat"))


def link_from_session() -> ChatLink | None:
    """The valid link this browser opened, if any."""
    ref = session.get(LINK_SESSION_KEY)
    if not isinstance(ref, dict):
        return None
    link_id, key = ref.get("id"), ref.get("key")
    if not isinstance(link_id, int) or not isinstance(key, str):
        return None
    return links.link_for_browser(get_db(), link_id, key)


@bp.get("/c")
def link_chat() -> str | tuple[str, int]:
    """The conversation, and nothing else, for a person who came by link."""
    link = link_from_session()
    if link is None:
        return _link_refused()
    return _chat_page(link.assessment, "link")


def _link_refused() -> tuple[str, int]:
    return (
        render_template(
            "link_refused.html",
            title=_("This link does not work any more"),
            message=_(
                "It may have been used already, or it has expired or been cancelled. "
                "Please ask your practitioner for a new link."
            ),
        ),
        410,
    )
