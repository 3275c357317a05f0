"""Pages made from an agreed plan: the person's own copy, and the picture of change.

Both are for the team around the person only (404 otherwise, like the review page), and each
opening is audited as a view.
"""

from __future__ import annotations

from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import get_datetime_format
from flask import Blueprint, abort, render_template
from flask_babel import force_locale, format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..database import get_db
from ..i18n import DEFAULT_LOCALE, direction_of, format_locale, text_direction
from ..outcomes import change_picture, review
from ..outcomes.audit import record_audit
from ..outcomes.models import Assessment
from ..outcomes.own_copy import own_copy
from .forms import AGENCY_LABELS, RATING_LABELS
from .review import framework_of

bp = Blueprint("plans", __name__)
# dir="{{ words|direction_of }}" on the person's own words, so an answer in Arabic reads right
# to left in a page or PDF in any language (and Welsh left to right in an Arabic one).
bp.add_app_template_filter(direction_of, "direction_of")


@bp.app_template_filter("when")
def when(value: datetime) -> str:
    """A moment as the reader's locale writes it, in their time zone, day and month in
    words and no seconds ("1 Dec 2026, 19:31"): a numeric date (01/12/2026) reads as
    January in some places, and it did not match the dates written in words beside it."""
    glue = str(get_datetime_format("medium", locale=get_locale()))
    return glue.replace("{1}", format_date(value, "medium")).replace(
        "{0}", format_time(value, "short")
    )


def rating_labels() -> dict[str, str]:
    """How it is going, in plain words, in the current locale."""
    return {key: str(label) for key, label in RATING_LABELS.items()}


def agency_labels() -> dict[str, str]:
    """Each agency (by its Agency value) in plain words, in the current locale."""
    return {agency.value: str(label) for agency, label in AGENCY_LABELS.items()}


def _team_only(assessment_id: int) -> Assessment:
    """The assessment if the current user may review it; 404 otherwise, so ids reveal nothing."""
    assessment = get_db().get(Assessment, assessment_id)
    if assessment is None or not review.can_review(current_user, assessment):
        abort(404)
    return assessment


def copy_locale(language: str) -> str:
    """The locale the copy is written in: the conversation's language, where Babel knows it."""
    locale = format_locale(language or DEFAULT_LOCALE)
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return format_locale(DEFAULT_LOCALE)
    return locale


def _viewed(assessment: Assessment, what: str) -> None:
    record_audit(get_db(), current_user, "view", what, assessment.id, assessment.person_id)
    get_db().commit()


@bp.get("/assessments/<int:assessment_id>/copy")
@login_required
def own_copy_page(assessment_id: int) -> str:
    """The person's own copy of their plan, in their language, ready to print."""
    assessment = _team_only(assessment_id)
    _viewed(assessment, "plan_copy")
    plan = own_copy(get_db(), assessment)
    with force_locale(copy_locale(assessment.language)):
        return render_template(
            "plan_copy.html",
            assessment=assessment,
            person=assessment.person,
            plan=plan,
            ratings=rating_labels(),
            agencies=agency_labels(),
        )


def _moment_label(column: change_picture.Column) -> str:
    if column.kind == "now" or column.at is None:
        return _("Now")
    return _("Agreed %(date)s", date=format_date(column.at, "medium"))


@bp.get("/assessments/<int:assessment_id>/change")
@login_required
def change_page(assessment_id: int) -> str:
    """How each area of life was rated at each sign-off and now: a chart and its table."""
    assessment = _team_only(assessment_id)
    _viewed(assessment, "change_picture")
    db = get_db()
    framework = framework_of(assessment)
    columns = change_picture.change_over_time(
        db, assessment, lambda earlier: review.can_review(current_user, earlier)
    )
    domains = change_picture.domains_in(
        columns, [(d.id, _(d.plain_label)) for d in framework.domains]
    )
    labels = [_moment_label(column) for column in columns]
    ratings = rating_labels()
    person = assessment.person
    text = change_picture.ChartText(
        title=_("How things have changed for %(name)s", name=person.called),
        description=_(
            "Each row is an area of life. Each column is a time the plan was agreed, "
            "oldest first, then now. The table below gives the same ratings."
        ),
        ratings=ratings,
        no_rating=_("No rating"),
    )
    rtl = text_direction(str(get_locale() or DEFAULT_LOCALE)) == "rtl"
    svg = change_picture.draw(change_picture.as_series(columns, labels), domains, text, rtl)
    return render_template(
        "change_picture.html",
        assessment=assessment,
        person=person,
        chart=Markup(svg),  # change_picture.draw escapes every text it places
        labels=labels,
        rows=change_picture.table_rows(columns, domains),
        ratings=ratings,
        earlier=len({column.assessment_id for column in columns}) > 1,
    )
