"""The review page: the team works on a conversation's outcomes together and the lead signs off.

Each form posts to its own route, which parses it, calls one service in outcomes.review, commits
and tells everyone else with the page open (review_events). A refused change re-renders the page
with what was typed kept and, for a stale change, the value as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..database import get_db
from ..dialogue.frameworks import Domain, Framework, load_framework
from ..outcomes import over_time, review
from ..outcomes.audit import record_audit
from ..outcomes.directory import Directory, DirectoryCache, Entry, Suggestion, suggest
from ..outcomes.errors import ChangedFirst, RuleError, StaleRevision
from ..outcomes.models import Assessment, ConsentPurpose, PlanStage, RecordedOutcome, utcnow
from .engines import engine_for
from .forms import (
    ACHIEVED_LABELS,
    ACTION_STATUS_LABELS,
    FIELD_LABELS,
    PLAN_STATE_LABELS,
    RATING_LABELS,
    REVISION_CHANGE_LABELS,
    ActionForm,
    CommentForm,
    ConfirmForm,
    MergeForm,
    OutcomeNotesForm,
    RaiseOutcomeForm,
    RemoveForm,
    SignOffForm,
    StartReviewForm,
)
from .review_events import tell_reviewers

bp = Blueprint("review", __name__)


def today() -> date:
    """Today in the service's time zone (BABEL_DEFAULT_TIMEZONE): review and due dates are
    days, and every page counts them from the same day (persons.today is this)."""
    return to_user_timezone(utcnow()).date()


def _reviewable_or_404(assessment_id: int) -> Assessment:
    """The assessment if the current user may review it; 404 otherwise, so ids reveal nothing."""
    assessment = get_db().get(Assessment, assessment_id)
    if assessment is None or not review.can_review(current_user, assessment):
        abort(404)
    return assessment


def framework_of(assessment: Assessment) -> Framework:
    """The framework the assessment's outcomes are filed under, from prompts/."""
    return load_framework(Path(current_app.config["PROMPTS_DIR"]), assessment.framework)


def _notes_form(outcome: RecordedOutcome, framework: Framework) -> OutcomeNotesForm:
    form = OutcomeNotesForm(
        formdata=None,
        prefix=f"o{outcome.id}",
        based_on=outcome.revision,
        note=outcome.note,
        person_view=outcome.person_view,
        practitioner_view=outcome.practitioner_view,
        impact=outcome.impact or "",
        achieved=outcome.achieved or "",
    )
    _impact_choices(form, framework)
    return form


def _area_choices(framework: Framework) -> list[tuple[str, str]]:
    """Areas of life to file a raised outcome under; none is chosen for the team."""
    return [("", _("Choose an area")), *((d.id, _(d.plain_label)) for d in framework.domains)]


def _impact_choices(form: OutcomeNotesForm, framework: Framework) -> None:
    levels = [(level.id, _(level.label)) for level in framework.impact_levels]
    form.impact.choices = [("", _("Not set")), *levels]
    form.achieved.choices = [("", _("Not set")), *((k, str(v)) for k, v in ACHIEVED_LABELS.items())]


def _page(assessment: Assessment, status: int = 200, **kept: Any) -> tuple[str, int]:
    """Render the review page; `kept` holds a refused form, as typed, and what refused it."""
    framework = framework_of(assessment)
    outcomes = list(assessment.outcomes)
    forms = {o.id: _notes_form(o, framework) for o in outcomes}
    if "notes_form" in kept:
        forms[kept["outcome_id"]] = kept["notes_form"]
    action_forms = _action_forms(assessment, kept.get("action_form"))
    raise_form = kept.get("raise_form") or RaiseOutcomeForm(formdata=None)
    raise_form.domain.choices = _area_choices(framework)
    db = get_db()
    history = review.history_of_outcomes(db, assessment)
    suggestions = _suggestions(outcomes, framework)
    return (
        render_template(
            "review.html",
            assessment=assessment,
            framework=framework,
            domains_in_use=_grouped(outcomes, framework),
            notes_forms=forms,
            history=history,
            action_forms=action_forms,
            comment_form=kept.get("comment_form") or CommentForm(formdata=None),
            raise_form=raise_form,
            sign_off_form=kept.get("sign_off_form")
            or SignOffForm(formdata=None, seen=review.plan_fingerprint(db, assessment)),
            confirm_form=ConfirmForm(formdata=None),
            open_flags=review.open_flags(db, assessment, current_user),
            checklist=review.plan_checklist(assessment, framework),
            is_lead=review.is_lead(current_user, assessment),
            state=review.review_state(assessment, today()),
            stage_labels=PLAN_STATE_LABELS,
            action_status_labels=ACTION_STATUS_LABELS,
            rating_labels=RATING_LABELS,
            change_labels=REVISION_CHANGE_LABELS,
            field_labels=FIELD_LABELS,
            achieved_labels=ACHIEVED_LABELS,
            looking_back=over_time.changes(db, assessment),
            today=today(),
            conflict=kept.get("conflict"),
            refused=kept.get("refused"),
            kept_for=kept.get("outcome_id"),
            suggestions=suggestions,
        ),
        status,
    )


def _action_forms(assessment: Assessment, kept: ActionForm | None) -> dict[str, ActionForm]:
    """A form to add an action under each outcome and one to change each action, by prefix;
    a refused form comes back as it was typed."""
    forms = {
        f"new-action-{o.id}": ActionForm(formdata=None, prefix=f"new-action-{o.id}")
        for o in assessment.outcomes
    }
    for action in assessment.actions:
        prefix = f"action-{action.id}"
        forms[prefix] = ActionForm(
            formdata=None,
            prefix=prefix,
            what=action.what,
            who=action.who,
            agency=action.agency.value,
            due=action.due,
            status=action.status.value,
            based_on=action.revision,
        )
    if kept is not None:
        forms[kept._prefix.rstrip("-")] = kept
    return forms


def _grouped(
    outcomes: list[RecordedOutcome], framework: Framework
) -> list[tuple[Domain | None, list[RecordedOutcome]]]:
    """Outcomes by domain in the framework's order; those with no domain last."""
    groups: list[tuple[Domain | None, list[RecordedOutcome]]] = []
    for domain in framework.domains:
        members = [o for o in outcomes if o.domains and o.domains[0] == domain.id]
        if members:
            groups.append((domain, members))
    rest = [o for o in outcomes if not o.domains or o.domains[0] not in framework.domain_ids]
    if rest:
        groups.append((None, rest))
    return groups


def local_directory() -> Directory:
    """The directory of local support in use; its file is read again when it changes."""
    path = Path(current_app.config["DIRECTORY_PATH"])
    cache = current_app.extensions.get("directory")
    if not isinstance(cache, DirectoryCache) or cache.path != path:
        cache = current_app.extensions["directory"] = DirectoryCache(path)
    return cache.current()


def _suggestions(
    outcomes: list[RecordedOutcome], framework: Framework
) -> dict[int, list[Suggestion]]:
    """Local services that may help with each outcome still in the plan: the person's words,
    what would be different and what gets in the way, and the outcome's area."""
    directory = local_directory()
    if not directory.entries:
        return {}
    labels = {domain.id: (domain.label, domain.everyday) for domain in framework.domains}
    return {
        outcome.id: suggest(
            directory,
            (outcome.words, outcome.wish, outcome.barriers),
            [label for domain in outcome.domains for label in labels.get(domain, ()) if label],
        )
        for outcome in outcomes
        if outcome.active
    }


def directory_action_what(entry: Entry) -> str:
    """What an action taken from a directory suggestion says will be done."""
    return _(
        "Contact %(name)s (%(contact)s) about: %(offers)s",
        name=entry.name,
        contact=", ".join(entry.contact.ways()),
        offers=entry.offers,
    )


@bp.get("/assessments/<int:assessment_id>/review")
@login_required
def review_page(assessment_id: int) -> tuple[str, int]:
    """Outcomes grouped by domain, the person's words first, and all the team can do."""
    assessment = _reviewable_or_404(assessment_id)
    record_audit(get_db(), current_user, "view", "review", assessment.id, assessment.person_id)
    get_db().commit()
    return _page(assessment)


def _apply(
    assessment: Assessment,
    change: Callable[[], object],
    what: str,
    outcome_id: int | None = None,
    **refusal: Any,
) -> Response | tuple[str, int]:
    """Run one service change: commit and tell the others, or re-render with the refusal."""
    db = get_db()
    try:
        change()
        review.commit(db)
    except (StaleRevision, ChangedFirst) as stale:
        db.rollback()
        db.expire_all()
        return _conflict(assessment, stale, outcome_id, refusal)
    except RuleError as error:
        db.rollback()
        if _beside_field(error, refusal):
            return _page(assessment, 400, outcome_id=outcome_id, **refusal)
        return _page(
            assessment, 400, refused=refused_message(error), outcome_id=outcome_id, **refusal
        )
    tell_reviewers(assessment, what, current_user, outcome_id)
    flash(_("Saved."), "success")
    anchor = f"outcome-{outcome_id}" if outcome_id else None
    return redirect(url_for("review.review_page", assessment_id=assessment.id, _anchor=anchor))


def _conflict(
    assessment: Assessment,
    stale: StaleRevision | ChangedFirst,
    outcome_id: int | None,
    refusal: dict[str, Any],
) -> tuple[str, int]:
    """Someone changed it first: show it as it is now beside the words typed, which are kept,
    now based on what is shown, so saving them again is a choice made having seen it."""
    current, revision = getattr(stale, "current", None), getattr(stale, "revision", None)
    outcome = next((o for o in assessment.outcomes if o.id == outcome_id), None)
    if outcome is not None and current is None:
        current, revision = review.outcome_values(outcome), outcome.revision
    form = refusal.get("notes_form") or refusal.get("action_form")
    if form is not None and revision is not None:
        form.based_on.data, form.based_on.raw_data = revision, [str(revision)]
    if isinstance(refusal.get("sign_off_form"), SignOffForm):
        fingerprint = review.plan_fingerprint(get_db(), assessment)
        refusal["sign_off_form"].seen.data = fingerprint
        refusal["sign_off_form"].seen.raw_data = [fingerprint]
    message = _(
        "Someone else changed this while you were writing, so your change was not saved. "
        "What it says now is shown below; your words are still in the form."
    )
    return _page(
        assessment, 409, conflict=current, refused=message, outcome_id=outcome_id, **refusal
    )


def _beside_field(error: RuleError, refusal: dict[str, Any]) -> bool:
    """Put a refusal about one field beside that field of the kept form; False if none has it."""
    for form in refusal.values():
        field = getattr(form, error.field, None) if error.field else None
        if isinstance(form, FlaskForm) and field is not None:
            field.errors = [*field.errors, refused_message(error)]
            return True
    return False


def refused_message(error: RuleError) -> str:
    """A plain sentence for a refused review change."""
    messages = {
        "forbidden": _("Only the team around this person can change their plan."),
        "not_lead": _("Only the person's lead professional can sign off the plan."),
        "unknown": _("That is no longer part of this plan. Please reload the page."),
        "bad_value": _("Something in the form was not right. Please check it and try again."),
        "agreed": _("This plan has been agreed and is frozen. Start a new version to change it."),
        "wrong_stage": _("The plan is not at the stage for that."),
        "bad_review_date": _("Please choose a review date after today and within two years."),
        "flags_not_seen": _(
            "Safety concerns are still open. Please confirm you have seen them and they are "
            "being dealt with, or clear them first."
        ),
        "past_due_date": _(
            "The date is in the past. Please choose today or a later date, or leave it empty."
        ),
    }
    return messages.get(error.code, _("That change is not allowed."))


def _invalid(assessment: Assessment, outcome_id: int | None, **kept: Any) -> tuple[str, int]:
    return _page(
        assessment,
        400,
        refused=_("Please check the form: something is missing or too long."),
        outcome_id=outcome_id,
        **kept,
    )


@bp.post("/assessments/<int:assessment_id>/review/outcomes/<int:outcome_id>/notes")
@login_required
def save_notes(assessment_id: int, outcome_id: int) -> Response | tuple[str, int]:
    """A note or rewording, the two views of a disagreement, the impact level."""
    assessment = _reviewable_or_404(assessment_id)
    framework = framework_of(assessment)
    form = OutcomeNotesForm(prefix=f"o{outcome_id}")
    _impact_choices(form, framework)
    kept = {"notes_form": form}
    if not form.validate_on_submit():
        return _invalid(assessment, outcome_id, **kept)
    changes = {
        "note": form.note.data,
        "person_view": form.person_view.data,
        "practitioner_view": form.practitioner_view.data,
        "impact": form.impact.data or None,
        "achieved": form.achieved.data or None,
    }
    if not framework.impact_levels:
        changes.pop("impact")
    outcome = next((o for o in assessment.outcomes if o.id == outcome_id), None)
    if outcome is None or outcome.review_of_id is None:
        changes.pop("achieved")
    return _apply(
        assessment,
        lambda: review.edit_outcome(
            get_db(), assessment, outcome_id, form.based_on.data, changes, current_user, framework
        ),
        "outcome",
        outcome_id,
        **kept,
    )


def _action_details(form: ActionForm) -> review.ActionDetails:
    return review.ActionDetails(
        what=form.what.data or "",
        who=form.who.data or "",
        agency=form.agency.data or "",
        due=form.due.data,
        status=form.status.data or "",
    )


@bp.post("/assessments/<int:assessment_id>/review/outcomes/<int:outcome_id>/actions")
@login_required
def add_action(assessment_id: int, outcome_id: int) -> Response | tuple[str, int]:
    """Agree an action towards an outcome: what, who, agency, by when."""
    assessment = _reviewable_or_404(assessment_id)
    form = ActionForm(prefix=f"new-action-{outcome_id}")
    if not form.validate_on_submit():
        return _invalid(assessment, outcome_id, action_form=form)
    return _apply(
        assessment,
        lambda: review.add_action(
            get_db(), assessment, outcome_id, _action_details(form), current_user, today()
        ),
        "action",
        outcome_id,
        action_form=form,
    )


@bp.post("/assessments/<int:assessment_id>/review/outcomes/<int:outcome_id>/directory/<entry_id>")
@login_required
def add_directory_action(
    assessment_id: int, outcome_id: int, entry_id: str
) -> Response | tuple[str, int]:
    """The practitioner takes up a suggested local service: an action to contact it, theirs."""
    assessment = _reviewable_or_404(assessment_id)
    if not ConfirmForm().validate_on_submit():
        return _invalid(assessment, outcome_id)
    entry = local_directory().get(entry_id)
    if entry is None:
        message = _(
            "That service is not in the local directory (it may have just been taken out), "
            "so no action was added. Please reload the page."
        )
        return _page(assessment, 404, refused=message, outcome_id=outcome_id)
    details = review.ActionDetails(
        what=directory_action_what(entry),
        who=current_user.display_name,
        agency=entry.agency.value,
    )
    return _apply(
        assessment,
        lambda: review.add_action(get_db(), assessment, outcome_id, details, current_user, today()),
        "action",
        outcome_id,
    )


@bp.post("/assessments/<int:assessment_id>/review/actions/<int:action_id>")
@login_required
def edit_action(assessment_id: int, action_id: int) -> Response | tuple[str, int]:
    """Change an action: mark it under way or done, or change what was agreed."""
    assessment = _reviewable_or_404(assessment_id)
    action = next((a for a in assessment.actions if a.id == action_id), None)
    if action is None:
        abort(404)
    form = ActionForm(prefix=f"action-{action_id}")
    if not form.validate_on_submit() or form.based_on.data is None:
        return _invalid(assessment, action.outcome_id, action_form=form)
    return _apply(
        assessment,
        lambda: review.edit_action(
            get_db(),
            assessment,
            action_id,
            form.based_on.data,
            _action_details(form),
            current_user,
            today(),
        ),
        "action",
        action.outcome_id,
        action_form=form,
    )


@bp.post("/assessments/<int:assessment_id>/review/outcomes/<int:outcome_id>/remove")
@login_required
def remove_outcome(assessment_id: int, outcome_id: int) -> Response | tuple[str, int]:
    """Mark an outcome removed (kept, and shown as removed) or bring it back."""
    return _removal(assessment_id, outcome_id, remove=True)


@bp.post("/assessments/<int:assessment_id>/review/outcomes/<int:outcome_id>/restore")
@login_required
def restore_outcome(assessment_id: int, outcome_id: int) -> Response | tuple[str, int]:
    """Bring back an outcome removed in review."""
    return _removal(assessment_id, outcome_id, remove=False)


def _removal(assessment_id: int, outcome_id: int, remove: bool) -> Response | tuple[str, int]:
    assessment = _reviewable_or_404(assessment_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        return _invalid(assessment, outcome_id)
    return _apply(
        assessment,
        lambda: review.remove_outcome(
            get_db(), assessment, outcome_id, form.based_on.data, current_user, remove
        ),
        "outcome",
        outcome_id,
    )


@bp.post("/assessments/<int:assessment_id>/review/outcomes/<int:outcome_id>/merge")
@login_required
def merge_outcome(assessment_id: int, outcome_id: int) -> Response | tuple[str, int]:
    """Fold this outcome into another that says the same thing."""
    assessment = _reviewable_or_404(assessment_id)
    form = MergeForm()
    form.keep_id.choices = [(o.id, o.key) for o in assessment.outcomes if o.active]
    if not form.validate_on_submit():
        return _invalid(assessment, outcome_id)
    return _apply(
        assessment,
        lambda: review.merge_outcomes(
            get_db(), assessment, form.keep_id.data, outcome_id, form.based_on.data, current_user
        ),
        "outcome",
        outcome_id,
    )


@bp.post("/assessments/<int:assessment_id>/review/outcomes")
@login_required
def raise_outcome(assessment_id: int) -> Response | tuple[str, int]:
    """Add an outcome raised in the meeting, attributed to whoever raised it."""
    assessment = _reviewable_or_404(assessment_id)
    framework = framework_of(assessment)
    form = RaiseOutcomeForm()
    form.domain.choices = _area_choices(framework)
    if not form.validate_on_submit():
        return _invalid(assessment, None, raise_form=form)
    return _apply(
        assessment,
        lambda: review.raise_outcome(
            get_db(), assessment, form.words.data or "", form.domain.data, current_user, framework
        ),
        "outcome",
        None,
        raise_form=form,
    )


@bp.post("/assessments/<int:assessment_id>/review/comments")
@login_required
def add_comment(assessment_id: int) -> Response | tuple[str, int]:
    """A comment on the plan, an outcome, or a part of the carer support plan."""
    assessment = _reviewable_or_404(assessment_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _invalid(assessment, form.outcome_id.data, comment_form=form)
    return _apply(
        assessment,
        lambda: review.add_comment(
            get_db(),
            assessment,
            form.text.data or "",
            current_user,
            framework_of(assessment),
            outcome_id=form.outcome_id.data,
            plan_part=form.plan_part.data or None,
        ),
        "comment",
        form.outcome_id.data,
        comment_form=form,
    )


@bp.post("/assessments/<int:assessment_id>/review/sign-off")
@login_required
def sign_off(assessment_id: int) -> Response | tuple[str, int]:
    """The lead professional agrees the plan and sets its review date."""
    assessment = _reviewable_or_404(assessment_id)
    form = SignOffForm()
    if not form.validate_on_submit():
        return _invalid(assessment, None, sign_off_form=form)
    return _apply(
        assessment,
        lambda: review.sign_off(
            get_db(),
            assessment,
            current_user,
            form.review_date.data,
            framework_of(assessment),
            today(),
            form.seen.data or "",
            flags_seen=_flag_ids(form.flags_shown.data) if form.flags_seen.data else (),
        ),
        "sign_off",
        None,
        sign_off_form=form,
    )


def _flag_ids(shown: str | None) -> tuple[int, ...]:
    """The flag ids a sign-off form was drawn with ("3,7"); anything else names no flag."""
    return tuple(int(part) for part in (shown or "").split(",") if part.strip().isdecimal())


@bp.post("/assessments/<int:assessment_id>/review/new-version")
@login_required
def new_version(assessment_id: int) -> Response | tuple[str, int]:
    """Open an agreed plan for changes; the agreed version stays as it was."""
    assessment = _reviewable_or_404(assessment_id)
    if not ConfirmForm().validate_on_submit():
        return _invalid(assessment, None)
    return _apply(
        assessment,
        lambda: review.start_new_version(get_db(), assessment, current_user),
        "stage",
    )


@bp.route("/assessments/<int:assessment_id>/review/start-review", methods=["GET", "POST"])
@login_required
def start_review(assessment_id: int) -> Response | str | tuple[str, int]:
    """Start a review conversation of an agreed plan: it asks about each agreed outcome."""
    assessment = _reviewable_or_404(assessment_id)
    if assessment.stage != PlanStage.AGREED or assessment.agreed is None:
        flash(_("Only an agreed plan can be reviewed. Sign it off first."), "error")
        return redirect(url_for("review.review_page", assessment_id=assessment.id))
    form = StartReviewForm()
    if not form.is_submitted():
        form.language.data = assessment.language
    if not form.validate_on_submit():
        return render_template("start_review.html", form=form, assessment=assessment)
    db = get_db()
    consents = {
        ConsentPurpose.RECORD: form.consent_record.data,
        ConsentPurpose.SHARE_TEAM: form.consent_share.data,
        ConsentPurpose.EXPORT: form.consent_export.data,
    }
    try:
        started = over_time.start_review(
            db,
            engine_for(assessment.framework),
            assessment,
            current_user,
            form.language.data or assessment.language,
            consents,
        )
    except RuleError as error:
        db.rollback()
        form.form_errors.append(refused_message(error))
        return render_template("start_review.html", form=form, assessment=assessment), 400
    db.commit()
    return redirect(url_for("chat.conversation", assessment_id=started.id))


@bp.post("/assessments/<int:assessment_id>/review/send")
@login_required
def send_for_review(assessment_id: int) -> Response | tuple[str, int]:
    """End an unfinished conversation so the team can review what was said."""
    assessment = _reviewable_or_404(assessment_id)
    if not ConfirmForm().validate_on_submit():
        return _invalid(assessment, None)
    return _apply(
        assessment,
        lambda: review.send_for_review(get_db(), assessment, current_user),
        "stage",
    )
