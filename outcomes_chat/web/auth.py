"""Logging in and out, with server-side sessions and a per-account and per-address limit."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..database import get_db
from ..extensions import login_manager
from ..outcomes import accounts
from ..outcomes.models import User
from .forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)
SESSION_KEY = "login_session"

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user behind this cookie, only while its server-side login session is open."""
    session_id = session.get(SESSION_KEY)
    if not session_id:
        return None
    db = get_db()
    login = accounts.active_session(
        db,
        session_id,
        current_app.config["SESSION_IDLE_TIMEOUT"],
        current_app.config["SESSION_MAX_AGE"],
    )
    # Only write when the check changed something (a touch or an expiry): most requests don't.
    if db.dirty:
        db.commit()
    if login is None or str(login.user_id) != user_id:
        return None
    g.login_session = login
    return login.user


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Only follow a 'next' that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("persons.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the login form; on POST check the password under the rate limit."""
    if current_user.is_authenticated:
        return redirect(url_for("persons.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("login.html", form=form)
    db = get_db()
    config = current_app.config
    limits = accounts.LoginLimits(
        window=config["LOGIN_FAILURE_WINDOW"],
        max_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        trusted_for=config["LOGIN_ADDRESS_TRUSTED_FOR"],
    )
    address = _client_address()
    attempt = accounts.attempt_login(
        db, form.username.data or "", form.password.data or "", address, limits
    )
    if attempt.user is None:
        db.commit()
        if attempt.refused == accounts.LoginRefused.TOO_MANY:
            form.form_errors.append(
                _("Too many attempts. Please wait a few minutes and try again.")
            )
            return render_template("login.html", form=form), 429
        form.form_errors.append(_("That username and password do not match an active account."))
        return render_template("login.html", form=form), 200
    login_session = accounts.start_session(db, attempt.user, address)
    db.commit()
    next_page = _safe_next(request.args.get("next"))
    session.clear()
    session[SESSION_KEY] = login_session.id
    session.permanent = True
    login_user(attempt.user)
    return redirect(next_page)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the login session on the server, so a copied cookie stops working too."""
    form = LogoutForm()
    if form.validate_on_submit():
        db = get_db()
        accounts.end_session(db, session.get(SESSION_KEY, ""))
        db.commit()
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))
