"""The picture of change: how each area of life was rated at every sign-off, and now.

Two halves. `change_over_time` reads the records into plain columns (no Flask here: the web
layer turns them into labels in the reader's language). `draw` is a pure function from those
labels to an SVG document that reads without colour: every rating has its own shape and a
text label, the chart carries a title and a description, and right-to-left mirrors time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from sqlalchemy.orm import Session

from . import review
from .models import Assessment

RATINGS = ("met", "partly_met", "not_met", "unknown")
# Least good first: with several outcomes in one area, the area shows the least good rating,
# so a "not at all" is never hidden behind a "going well". "Not sure" sits just above
# "partly", below "going well": it is not yet good news.
_LEAST_GOOD_FIRST = ("not_met", "partly_met", "unknown", "met")

Ratings = Mapping[str, str | None]
Series = Sequence[tuple[str, Ratings]]
Domains = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Column:
    """One moment in the picture: a sign-off (`kind` "agreed") or the plan as it is ("now")."""

    kind: str
    assessment_id: int
    version: int | None
    at: date | None
    ratings: dict[str, str | None]
    # How many rated outcomes an area's rating stands for, where more than one.
    several: dict[str, int] = field(default_factory=dict)


def least_good(ratings: Sequence[str | None]) -> str | None:
    """The least good of several ratings; None when none of them is rated."""
    known = [rating for rating in ratings if rating in RATINGS]
    if not known:
        return None
    return min(known, key=_LEAST_GOOD_FIRST.index)


def _column(
    kind: str, assessment: Assessment, version: int | None, at: date | None, outcomes: list[dict]
) -> Column:
    """Rate each area by the outcomes filed under it (their first domain, as on the review
    page) that are still part of the plan."""
    by_domain: dict[str, list[str | None]] = {}
    for values in outcomes:
        if values.get("removed") or values.get("removed_in_review") or values.get("merged_into_id"):
            continue
        domains = values.get("domains") or []
        if domains:
            by_domain.setdefault(domains[0], []).append(values.get("rating"))
    ratings = {domain: least_good(found) for domain, found in by_domain.items()}
    several = {
        domain: len([r for r in found if r in RATINGS])
        for domain, found in by_domain.items()
        if len([r for r in found if r in RATINGS]) > 1
    }
    return Column(kind, assessment.id, version, at, ratings, several)


def earlier_plans(
    db: Session, assessment: Assessment, may_see: Callable[[Assessment], bool]
) -> list[Assessment]:
    """The plans this one reviews (review_of_id, and theirs), oldest first, for the same
    person and only those the reader may see."""
    found: list[Assessment] = []
    seen = {assessment.id}
    next_id = assessment.review_of_id
    while next_id is not None and next_id not in seen:
        seen.add(next_id)
        earlier = db.get(Assessment, next_id)
        if earlier is None or earlier.person_id != assessment.person_id:
            break
        if may_see(earlier):
            found.append(earlier)
        next_id = earlier.review_of_id
    return list(reversed(found))


def change_over_time(
    db: Session, assessment: Assessment, may_see: Callable[[Assessment], bool]
) -> list[Column]:
    """Every sign-off of the earlier plans and of this one, oldest first, then this one now."""
    columns: list[Column] = []
    for plan in [*earlier_plans(db, assessment, may_see), assessment]:
        for signed in plan.sign_offs:
            values = review.values_at_version(db, plan, signed.version)
            outcomes = [values[key] for key in sorted(values)]
            columns.append(_column("agreed", plan, signed.version, signed.at.date(), outcomes))
    now = [review.outcome_values(outcome) for outcome in assessment.outcomes]
    columns.append(_column("now", assessment, None, None, now))
    return columns


def domains_in(columns: Sequence[Column], domains: Domains) -> list[tuple[str, str]]:
    """The areas (in the framework's order) rated or talked about in any column."""
    used = {domain for column in columns for domain in column.ratings}
    return [(domain_id, label) for domain_id, label in domains if domain_id in used]


# ----------------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class ChartText:
    """The words the chart shows, already in the reader's language."""

    title: str
    description: str
    ratings: Mapping[str, str]  # rating id -> label ("Going well")
    no_rating: str  # an area not rated at that moment


ROW_HEIGHT = 64
COLUMN_WIDTH = 150
LABEL_WIDTH = 230
HEADER_HEIGHT = 56
PAD = 12
MARK_RADIUS = 11
INK = "#1b1b1b"


def _mark(rating: str | None, x: float, y: float, label: str) -> str:
    """One rating: its own shape (so it reads without colour), and its label as text."""
    r = MARK_RADIUS
    name = rating or "none"
    if rating == "met":  # a filled circle
        shape = f'<circle cx="{x}" cy="{y}" r="{r}" fill="{INK}" stroke="{INK}" stroke-width="2"/>'
    elif rating == "partly_met":  # a circle, half filled
        shape = (
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="#ffffff" stroke="{INK}" stroke-width="2"/>'
            f'<path d="M {x} {y - r} A {r} {r} 0 0 0 {x} {y + r} Z" fill="{INK}"/>'
        )
    elif rating == "not_met":  # an empty circle
        shape = (
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="#ffffff" stroke="{INK}" stroke-width="2"/>'
        )
    elif rating == "unknown":  # a question mark in a dashed circle
        shape = (
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="#ffffff" stroke="{INK}" stroke-width="2"'
            f' stroke-dasharray="3 3"/>'
            f'<text x="{x}" y="{y + 5}" text-anchor="middle" font-size="15" font-weight="700"'
            f' fill="{INK}" aria-hidden="true">?</text>'
        )
    else:  # not rated at that moment: a short dash
        shape = (
            f'<line x1="{x - r}" y1="{y}" x2="{x + r}" y2="{y}" stroke="{INK}" stroke-width="2"/>'
        )
    return (
        f'<g class="mark" data-rating="{name}">{shape}'
        f'<text class="mark-label" x="{x}" y="{y + r + 17}" text-anchor="middle" font-size="13"'
        f' fill="{INK}">{escape(label)}</text></g>'
    )


def draw(series: Series, domains: Domains, text: ChartText, rtl: bool = False) -> str:
    """An SVG chart: one row per area, one column per moment (oldest first, from the start
    of the line: left to right, or right to left when `rtl`)."""
    width = LABEL_WIDTH + COLUMN_WIDTH * max(len(series), 1) + PAD
    height = HEADER_HEIGHT + ROW_HEIGHT * max(len(domains), 1) + PAD

    def x(position: float) -> float:
        # Positions are measured from the start of the line; mirrored for right to left.
        return width - position if rtl else position

    # "start" is the right-hand end when the svg's direction is rtl.
    start_anchor = "start"
    label_x = x(PAD)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="change-chart" role="img"'
        f' aria-labelledby="change-title" aria-describedby="change-desc"'
        f' viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" font-family="system-ui, sans-serif"'
        f' direction="{"rtl" if rtl else "ltr"}">',
        f'<title id="change-title">{escape(text.title)}</title>',
        f'<desc id="change-desc">{escape(text.description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for index, (label, _ratings) in enumerate(series):
        centre = x(LABEL_WIDTH + COLUMN_WIDTH * index + COLUMN_WIDTH / 2)
        parts.append(
            f'<text class="moment" x="{centre}" y="{HEADER_HEIGHT - 22}" text-anchor="middle"'
            f' font-size="14" font-weight="700" fill="{INK}">{escape(label)}</text>'
        )
    for row, (domain_id, domain_label) in enumerate(domains):
        middle = HEADER_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT / 2 - 8
        top = HEADER_HEIGHT + ROW_HEIGHT * row
        parts.append(
            f'<line x1="{x(PAD)}" y1="{top}" x2="{x(width - PAD)}" y2="{top}"'
            f' stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="area" x="{label_x}" y="{middle + 5}" text-anchor="{start_anchor}"'
            f' font-size="15" fill="{INK}">{escape(domain_label)}</text>'
        )
        for index, (_label, ratings) in enumerate(series):
            centre = x(LABEL_WIDTH + COLUMN_WIDTH * index + COLUMN_WIDTH / 2)
            rating = ratings.get(domain_id)
            shown = text.ratings.get(rating, text.no_rating) if rating else text.no_rating
            parts.append(_mark(rating, centre, middle, shown))
    parts.append("</svg>")
    return "".join(parts)


def table_rows(
    columns: Sequence[Column], domains: Domains
) -> list[tuple[str, str, list[tuple[str | None, int]]]]:
    """The same values as the chart, for its data table: (area id, label, [(rating, how
    many outcomes it stands for)] per column)."""
    return [
        (
            domain_id,
            label,
            [
                (column.ratings.get(domain_id), column.several.get(domain_id, 1))
                for column in columns
            ],
        )
        for domain_id, label in domains
    ]


def as_series(
    columns: Sequence[Column], labels: Sequence[str]
) -> list[tuple[str, dict[str, str | None]]]:
    """Columns as the plain (label, ratings) series `draw` takes."""
    return [(label, dict(column.ratings)) for label, column in zip(labels, columns, strict=True)]
