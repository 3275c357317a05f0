"""Loading records for the current user, refusing those they may not see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from ..database import get_db
from ..outcomes.models import Person
from ..outcomes.persons import can_manage_team, can_view_person, find_person

F = TypeVar("F", bound=Callable[..., Any])


def person_or_404(person_id: int) -> Person:
    """The person if the current user may see them; 404 otherwise, so ids reveal nothing."""
    person = find_person(get_db(), person_id)
    if person is None or not can_view_person(current_user, person):
        abort(404)
    return person


def managed_person_or_404(person_id: int) -> Person:
    """The person if the current user manages their team (admin or their lead); 404 if they
    may not see the person, 403 if they may see but not manage."""
    person = person_or_404(person_id)
    if not can_manage_team(current_user, person):
        abort(403)
    return person


def admin_required(view: F) -> F:
    """Only administrators may use this view."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
