"""Downloads for a case file: one agreed plan version as JSON, CSV (and the other formats the
export offers), from the review and person pages.

For the person's team only (404 otherwise, like the review page); each download is written to
the audit log as an export. A plan the person did not agree to copy to a case file, or never
agreed, is refused with a sentence, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from ..database import get_db
from ..outcomes import export, review
from ..outcomes.audit import record_audit
from ..outcomes.errors import NoExportConsent, NotSignedOff, UnknownVersion
from ..outcomes.models import Assessment
from .pdf import render_pdf

bp = Blueprint("downloads", __name__)

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "fhir": "application/fhir+json",
    "pdf": "application/pdf",
}
# What each format is called on the page, in the order offered.
FORMAT_LABELS = {
    "pdf": lazy_gettext("PDF summary"),
    "json": lazy_gettext("JSON"),
    "csv": lazy_gettext("CSV (spreadsheet)"),
    "fhir": lazy_gettext("HL7 FHIR"),
}


# Formats made here in the web layer (templates and Babel), beside the export's own.
PRESENTED_FORMATS = ("pdf",)
EXPORT_FORMATS = (*export.FORMATS, *PRESENTED_FORMATS)


def render_export(view: Mapping[str, Any], fmt: str) -> bytes:
    """An export view in any of EXPORT_FORMATS (a PDF is the case-file summary). Needs an app
    context, which requests and the command line have."""
    if fmt == "pdf":
        return render_pdf(view, "case_file")
    return export.render(view, fmt)


def offered_formats() -> list[tuple[str, str]]:
    """The formats a team member can download, with their labels, in the order offered."""
    return [(fmt, str(label)) for fmt, label in FORMAT_LABELS.items() if fmt in EXPORT_FORMATS]


@bp.app_context_processor
def _export_formats() -> dict[str, Any]:
    return {"export_formats": offered_formats, "export_consented": export.export_consented}


def _refusal(status: int, message: str) -> tuple[str, int]:
    return render_template(
        "error.html", title=_("This plan cannot be exported"), message=message, status=status
    ), status


@bp.get("/assessments/<int:assessment_id>/export/<fmt>")
@login_required
def download(assessment_id: int, fmt: str) -> Response | tuple[str, int]:
    """The agreed version (or ?version=N) of a plan as a file to save to the case file."""
    db = get_db()
    assessment = db.get(Assessment, assessment_id)
    if assessment is None or not review.can_review(current_user, assessment):
        abort(404)
    if fmt not in EXPORT_FORMATS:
        abort(404)
    version = request.args.get("version", type=int)
    if version is not None and not 1 <= version <= assessment.version:
        abort(404)
    if version is not None and version not in {s.version for s in assessment.sign_offs}:
        # Only what the lead agreed leaves the service; a draft stays on the review page.
        return _refusal(
            409,
            _(
                "Version %(number)d of this plan was not agreed, so it cannot be exported.",
                number=version,
            ),
        )
    try:
        view = export.export_view(db, assessment, version)
    except NoExportConsent:
        return _refusal(
            403,
            _(
                "%(name)s did not agree to their plan being copied to their case file, "
                "so it cannot be exported.",
                name=assessment.person.called,
            ),
        )
    except NotSignedOff:
        return _refusal(
            409, _("This plan has not been agreed yet. Only an agreed plan can be exported.")
        )
    except UnknownVersion:
        abort(404)
    try:
        data = render_export(view, fmt)
    except ValueError:
        current_app.logger.exception(
            "assessment %s could not be exported as %s", assessment.id, fmt
        )
        return _refusal(
            500,
            _(
                "This plan could not be made into a %(format)s file: part of it is not valid for "
                "that format. Nothing was downloaded. Please tell your administrator.",
                format=FORMAT_LABELS[fmt],
            ),
        )
    exported = f"{assessment.id} v{view['assessment']['version']} {fmt}"
    record_audit(db, current_user, "export", "assessment", exported, assessment.person_id)
    db.commit()
    name = export.file_name(view, fmt)
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
