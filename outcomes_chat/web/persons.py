"""Pages for practitioners: my persons, a person and their team, adding and editing persons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ..database import get_db
from ..outcomes import dashboard as attention
from ..outcomes import persons as person_service
from ..outcomes.audit import audit_for_person, record_audit
from ..outcomes.conversations import assessments_for_person, can_take_part
from ..outcomes.errors import RuleError
from ..outcomes.models import Person, PersonKind, Role, TeamMember, User
from ..outcomes.review import is_overdue
from .access import managed_person_or_404, person_or_404
from .forms import (
    ACTION_STATUS_LABELS,
    AGENCY_LABELS,
    KIND_LABELS,
    PLAN_STATE_LABELS,
    STATUS_LABELS,
    AddMemberForm,
    ConfirmForm,
    NewPersonForm,
    PersonForm,
)
from .messages import rule_message
from .review import today as review_day

bp = Blueprint("persons", __name__)


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {
        "agency_labels": AGENCY_LABELS,
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "plan_state_labels": PLAN_STATE_LABELS,
        "framework_labels": {"carer": _l("Carer"), "adult": _l("Adult")},
        "action_overdue": is_overdue,
    }


def today() -> date:
    """The day reviews are due or overdue from, as the review page counts it; tests set it."""
    return review_day()


@bp.get("/")
@login_required
def dashboard() -> str:
    """What needs my attention: safety flags first, reviews, plans by state, open actions."""
    shown = attention.for_user(get_db(), current_user, today())
    # A safety concern puts the person at the top of the list.
    people = sorted(shown.persons, key=lambda person: person.id not in shown.flagged)
    return render_template(
        "dashboard.html",
        shown=shown,
        people=people,
        today=today(),
    )


@bp.get("/persons/<int:person_id>")
@login_required
def person(person_id: int) -> str:
    """A person's details and the whole team around them."""
    person = person_or_404(person_id)
    db = get_db()
    member = person_service.in_team(current_user, person)
    conversations = assessments_for_person(db, person) if member else []
    # Those kept private to whoever started them are listed, but not opened, by the rest.
    openable = {c.id for c in conversations if can_take_part(current_user, c)}
    # A flag shows the words that raised it: only to those who may open its conversation.
    flags = [f for f in attention.flags_for_person(db, person) if f.assessment_id in openable]
    record_audit(db, current_user, "view", "person", person.id, person.id)
    db.commit()
    return render_template(
        "person.html",
        person=person,
        in_team=member,
        conversations=conversations,
        openable=openable,
        manages=person_service.can_manage_team(current_user, person),
        flags=flags,
        plans_with_actions=[c for c in conversations if c.id in openable and c.actions],
        action_status_labels=ACTION_STATUS_LABELS,
        today=today(),
    )


def _details(form: PersonForm) -> person_service.PersonDetails:
    return person_service.PersonDetails(
        name=form.name.data or "",
        preferred_name=form.preferred_name.data,
        case_reference=form.case_reference.data or "",
        kind=PersonKind(form.kind.data),
        date_of_birth=form.date_of_birth.data,
        preferred_language=form.preferred_language.data or "en",
        cares_for_name=form.cares_for_name.data,
    )


def _lead_choices() -> list[tuple[int, str]]:
    leads = get_db().scalars(
        select(User)
        .where(User.role == Role.LEAD_PROFESSIONAL, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [(user.id, f"{user.display_name} ({AGENCY_LABELS[user.agency]})") for user in leads]


@bp.route("/persons/new", methods=["GET", "POST"])
@login_required
def new_person() -> Response | str:
    """Add a person with a lead professional; the practitioner adding them joins the team."""
    form = NewPersonForm()
    form.lead.choices = _lead_choices()
    if current_user.role == Role.LEAD_PROFESSIONAL and not form.is_submitted():
        form.lead.data = current_user.id
    if not form.validate_on_submit():
        return render_template("person_form.html", form=form, person=None)
    db = get_db()
    lead = db.get(User, form.lead.data)
    if lead is None:
        abort(400)
    try:
        person = person_service.create_person(
            db, _details(form), lead, form.lead_team_role.data or ""
        )
        if lead.id != current_user.id and not current_user.is_admin:
            role = form.my_team_role.data or str(AGENCY_LABELS[current_user.agency])
            person_service.add_member(db, person, current_user, role)
    except RuleError as error:
        db.rollback()
        form.form_errors.append(rule_message(error))
        return render_template("person_form.html", form=form, person=None)
    record_audit(db, current_user, "create", "person", person.id, person.id)
    db.commit()
    flash(_("%(name)s has been added.", name=person.name))
    return redirect(url_for("persons.person", person_id=person.id))


@bp.route("/persons/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(person_id: int) -> Response | str:
    """Change a person's details."""
    person = person_or_404(person_id)
    form = PersonForm(obj=person)
    if not form.is_submitted():
        form.kind.data = person.kind.value
    if not form.validate_on_submit():
        return render_template("person_form.html", form=form, person=person)
    db = get_db()
    try:
        person_service.update_person(db, person, _details(form))
    except RuleError as error:
        db.rollback()
        form.form_errors.append(rule_message(error))
        return render_template("person_form.html", form=form, person=person)
    record_audit(db, current_user, "change", "person", person.id, person.id)
    db.commit()
    flash(_("Saved."))
    return redirect(url_for("persons.person", person_id=person.id))


@bp.route("/persons/<int:person_id>/team", methods=["GET", "POST"])
@login_required
def team(person_id: int) -> Response | str:
    """Administrators and the person's lead professional add practitioners to the team."""
    person = managed_person_or_404(person_id)
    form = AddMemberForm()
    in_team = {member.user_id for member in person.team}
    candidates = get_db().scalars(
        select(User)
        .where(User.active.is_(True), User.role != Role.ADMIN)
        .order_by(User.display_name)
    )
    form.user.choices = [
        (user.id, f"{user.display_name} ({AGENCY_LABELS[user.agency]})")
        for user in candidates
        if user.id not in in_team
    ]
    if form.validate_on_submit():
        db = get_db()
        user = db.get(User, form.user.data)
        if user is None:
            abort(400)
        try:
            member = person_service.add_member(db, person, user, form.team_role.data or "")
        except RuleError as error:
            db.rollback()
            form.form_errors.append(rule_message(error))
        else:
            record_audit(db, current_user, "change", "team_member", member.id, person.id)
            db.commit()
            flash(_("%(name)s has joined the team.", name=user.display_name))
            return redirect(url_for("persons.team", person_id=person.id))
    return render_template("team.html", person=person, form=form, confirm=ConfirmForm())


def _member_or_404(person: Person, member_id: int) -> TeamMember:
    member = next((m for m in person.team if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


@bp.post("/persons/<int:person_id>/team/<int:member_id>/remove")
@login_required
def remove_member(person_id: int, member_id: int) -> Response:
    """Take a practitioner out of the team."""
    return _change_member(person_id, member_id, person_service.remove_member)


@bp.post("/persons/<int:person_id>/team/<int:member_id>/lead")
@login_required
def make_lead(person_id: int, member_id: int) -> Response:
    """Make this member the lead professional."""
    return _change_member(person_id, member_id, person_service.make_lead)


MemberChange = Callable[[Session, Person, TeamMember], None]


def _change_member(person_id: int, member_id: int, change: MemberChange) -> Response:
    person = managed_person_or_404(person_id)
    member = _member_or_404(person, member_id)
    db = get_db()
    if ConfirmForm().validate_on_submit():
        try:
            change(db, person, member)
        except RuleError as error:
            db.rollback()
            flash(rule_message(error), "error")
        else:
            record_audit(db, current_user, "change", "team_member", member_id, person.id)
            db.commit()
            flash(_("The team has been updated."))
    if not person_service.can_manage_team(current_user, person):
        # A lead who handed the lead on no longer manages the team.
        return redirect(url_for("persons.person", person_id=person.id))
    return redirect(url_for("persons.team", person_id=person.id))


@bp.get("/persons/<int:person_id>/audit")
@login_required
def audit(person_id: int) -> str:
    """Who has viewed or changed this person's records: for admins and the person's lead."""
    person = managed_person_or_404(person_id)
    events = audit_for_person(get_db(), person.id)
    return render_template("audit.html", person=person, events=events)
