"""PDFs of one plan version: a case-file summary for the team, and the person's own copy.

Made by WeasyPrint from an export view (outcomes.export.export_view), so a PDF shows one version
like every other export, through the same Jinja templates and Flask-Babel as the printable page.
Needs an app context (a web request or the command line). Rendering reaches nothing outside
this process: the stylesheets are read from the app's static folder and passed as strings, and
every URL the document might name is refused. Fonts come from the system through fontconfig
("DejaVu Sans" covers Latin, Welsh and Polish letters and Arabic); see docs/export.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dialogue.frameworks import load_framework
from ..i18n import html_lang, text_direction
from ..outcomes.own_copy import own_copy_from_view
from .forms import ACHIEVED_LABELS, ACTION_STATUS_LABELS, KIND_LABELS
from .plans import agency_labels, copy_locale, rating_labels

DOCUMENTS = ("case_file", "own_copy")
TEMPLATES = {"case_file": "export_case_file.html", "own_copy": "pdf_own_copy.html"}
# The own copy's stylesheet (its print rules apply: WeasyPrint renders for print), then ours.
STYLESHEETS = ("plans.css", "pdf.css")
# Tagged for screen readers, with the document's title and language (WeasyPrint's name).
PDF_VARIANT = "pdf/ua-1"
CONSENT_LABELS = {
    "record": _l("What they say is saved"),
    "share_team": _l("It is shared with the team around them"),
    "export": _l("It is copied to their case file"),
}


def _fetcher() -> Any:
    from weasyprint import URLFetcher

    class RefuseAll(URLFetcher):  # type: ignore[misc]
        """Fetches nothing: a PDF is made from the view and our own stylesheets only."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"a PDF fetches nothing; refused {url[:200]}")

    return RefuseAll()


def render_html(view: Mapping[str, Any], document: str = "case_file") -> str:
    """The HTML a PDF is made from, in the conversation's language."""
    if document not in DOCUMENTS:
        raise ValueError(f"unknown PDF document {document!r}; choose one of {DOCUMENTS}")
    locale = copy_locale(view["assessment"]["language"])
    with force_locale(locale):
        context: dict[str, Any] = {
            "lang": html_lang(locale),
            "direction": text_direction(locale),
            "ratings": rating_labels(),
            "agencies": agency_labels(),
        }
        if document == "own_copy":
            context["plan"] = own_copy_from_view(view)
        else:
            context.update(_case_file(view))
        return render_template(TEMPLATES[document], **context)


def render_pdf(view: Mapping[str, Any], document: str = "case_file") -> bytes:
    """One version of a plan as a tagged PDF (PDF/UA-1): "case_file" or "own_copy"."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher()
    static = Path(current_app.static_folder or "")
    stylesheets = [
        CSS(string=(static / name).read_text(encoding="utf-8"), url_fetcher=fetcher)
        for name in STYLESHEETS
    ]
    html = HTML(string=render_html(view, document), url_fetcher=fetcher)
    return html.write_pdf(stylesheets=stylesheets, pdf_variant=PDF_VARIANT)  # type: ignore[no-any-return]


def _day(value: str | None, width: str = "long") -> str:
    """An ISO date or date-time from the view, written in the current locale."""
    if not value:
        return ""
    when: date | datetime = (
        datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    )
    return format_date(when, width)


def _case_file(view: Mapping[str, Any]) -> dict[str, Any]:
    """What the case-file summary shows beyond the view: labels in the current locale."""
    assessment = view["assessment"]
    framework = load_framework(Path(current_app.config["PROMPTS_DIR"]), assessment["framework"])
    not_covered = set(assessment["not_covered"])
    return {
        "view": view,
        "assessment": assessment,
        "person": view["person"],
        "day": _day,
        "domains": {domain.id: _(domain.label) for domain in framework.domains},
        "impacts": {level.id: _(level.label) for level in framework.impact_levels},
        "checklist": [(_(part.label), part.id not in not_covered) for part in framework.plan_parts],
        "statuses": {status.value: str(label) for status, label in ACTION_STATUS_LABELS.items()},
        "achieved_labels": {key: str(label) for key, label in ACHIEVED_LABELS.items()},
        "kinds": {kind.value: str(label) for kind, label in KIND_LABELS.items()},
        "consent_labels": {key: str(label) for key, label in CONSENT_LABELS.items()},
        "framework_label": _(framework.label),
    }
