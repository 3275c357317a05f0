"""Administrators manage accounts: create, reset passwords, deactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..database import get_db
from ..outcomes import accounts
from ..outcomes.errors import RuleError
from ..outcomes.models import Agency, Role, User
from .access import admin_required
from .forms import ROLE_LABELS, ConfirmForm, PasswordForm, UserForm
from .messages import rule_message

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    user = get_db().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@admin_required
def users() -> str:
    """Every account, active ones first."""
    everyone = get_db().scalars(select(User).order_by(User.active.desc(), User.display_name))
    return render_template(
        "admin_users.html", users=list(everyone), role_labels=ROLE_LABELS, confirm=ConfirmForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> Response | str:
    """Create an account."""
    form = UserForm()
    if form.validate_on_submit():
        db = get_db()
        try:
            user = accounts.create_user(
                db,
                form.username.data or "",
                form.display_name.data or "",
                form.password.data or "",
                Role(form.role.data),
                Agency(form.agency.data),
            )
        except RuleError as error:
            db.rollback()
            form.form_errors.append(rule_message(error))
        else:
            db.commit()
            flash(_("The account %(username)s has been created.", username=user.username))
            return redirect(url_for("admin.users"))
    return render_template("user_form.html", form=form)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def set_password(user_id: int) -> Response | str:
    """Give an account a new password; its open logins end."""
    user = _user_or_404(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        db = get_db()
        accounts.set_password(db, user, form.password.data or "")
        db.commit()
        flash(_("The password for %(username)s has been changed.", username=user.username))
        return redirect(url_for("admin.users"))
    return render_template("password_form.html", form=form, user=user)


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int) -> Response:
    """Stop an account from logging in."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    elif ConfirmForm().validate_on_submit():
        db = get_db()
        accounts.deactivate(db, user)
        db.commit()
        flash(_("%(username)s can no longer log in.", username=user.username))
    return redirect(url_for("admin.users"))
