"""Safety flags on the team's pages: their plain words, and recording what was done."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..database import get_db
from ..dialogue.script import Signposting, load_signposting
from ..outcomes import errors
from ..outcomes.models import Assessment, SafetyFlag
from ..outcomes.persons import can_view_person
from ..outcomes.review import can_review, clear_flag
from .forms import ClearFlagForm

bp = Blueprint("flags", __name__)


@cache
def _signposting(prompts_dir: Path) -> Signposting:
    return load_signposting(prompts_dir)


def risk_label(category: str) -> str:
    """A kind of risk in plain, translated words (prompts/signposting.yaml's label)."""
    kinds = _signposting(Path(current_app.config["PROMPTS_DIR"])).kinds
    # A flag kept from a kind of risk the service has since taken out still needs a name.
    return _(kinds[category].label) if category in kinds else _("Safety concern")


def tier_label(tier: str) -> str:
    """How urgent a flag is, in plain, translated words."""
    labels = _signposting(Path(current_app.config["PROMPTS_DIR"])).tier_labels
    return _(labels[tier]) if tier in labels else _("Urgency not known")


def clear_form(flag: SafetyFlag) -> ClearFlagForm:
    """The form that clears this flag; prefixed so several on a page keep their own ids."""
    return ClearFlagForm(prefix=f"flag-{flag.id}")


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {
        "risk_label": risk_label,
        "tier_label": tier_label,
        "clear_form": clear_form,
        "can_review": can_review,
    }


def _refusal(error: errors.RuleError) -> str:
    messages = {
        errors.NotInTeam.code: _("Only the team around this person can clear a safety flag."),
        errors.UnknownRecord.code: _("That safety flag was not found. Nothing was changed."),
        errors.WrongStage.code: _("That safety flag was already cleared. Nothing was changed."),
        errors.BadValue.code: _("Please say what was done before clearing the flag."),
    }
    return messages.get(error.code, _("That change is not allowed."))


@bp.post("/conversations/<int:assessment_id>/flags/<int:flag_id>/clear")
@login_required
def clear(assessment_id: int, flag_id: int) -> Response:
    """Record what was done about a safety flag and clear it; the flag stays, with that."""
    db = get_db()
    assessment = db.get(Assessment, assessment_id)
    # Someone who may not see the person learns nothing from the ids, not even that they exist.
    if assessment is None or not can_view_person(current_user, assessment.person):
        abort(404)
    if request.form.get("back") == "conversation":
        back = url_for("chat.conversation", assessment_id=assessment.id, _anchor="flags")
    else:
        back = url_for("persons.person", person_id=assessment.person_id, _anchor="flags")
    form = ClearFlagForm(prefix=f"flag-{flag_id}")
    if not form.validate_on_submit():
        for field_errors in form.errors.values():
            for message in field_errors:
                flash(f"{_('The flag was not cleared:')} {message}", "error")
        return redirect(back)
    try:
        clear_flag(db, assessment, flag_id, form.what_was_done.data or "", current_user)
    except errors.RuleError as error:
        db.rollback()
        flash(_refusal(error), "error")
        return redirect(back)
    db.commit()
    flash(_("The flag is cleared, and what was done is kept with it."))
    return redirect(back)
