"""Friendly error pages: never a traceback in front of a person."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", title=title, message=message, status=status), status


def _csrf_error(_error: CSRFError) -> tuple[str, int]:
    return _page(
        400,
        _("This form could not be accepted"),
        _("The form had expired or did not come from this site. Please go back and try again."),
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    messages = {
        403: (_("Not allowed"), _("You do not have access to this page.")),
        404: (_("Not found"), _("We could not find that page, or you do not have access to it.")),
        405: (_("Not allowed"), _("That action is not available here.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many attempts"), _("Please wait a few minutes and try again.")),
    }
    title, message = messages.get(
        error.code or 500, (_("Something went wrong"), _("Please try again."))
    )
    return _page(error.code or 500, title, message)


def _unexpected_error(error: Exception) -> tuple[str, int]:
    from flask import current_app

    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise error
    current_app.logger.exception("unexpected error")
    return _page(
        500,
        _("Something went wrong"),
        _("Please try again in a moment. If it keeps happening, tell your administrator."),
    )
