"""The picture of change as a pure function: valid SVG, a text alternative, each rating by its
own shape and its own words, time mirrored right to left; and the records read into it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR
from outcomes_chat.dialogue.frameworks import load_framework
from outcomes_chat.outcomes import change_picture, review
from outcomes_chat.outcomes.change_picture import ChartText, draw, least_good
from outcomes_chat.outcomes.models import (
    Assessment,
    AssessmentStatus,
    Consent,
    ConsentPurpose,
    PlanStage,
)

SVG = "{http://www.w3.org/2000/svg}"
TEXT = ChartText(
    title="How things have changed for Margaret",
    description="Each row is an area of life.",
    ratings={"met": "Going well", "partly_met": "Partly", "not_met": "Not at all",
             "unknown": "Not sure"},
    no_rating="No rating",
)  # fmt: skip
DOMAINS = [("finance", "Money"), ("health", "My health <& sleep>")]
SERIES = [
    ("Agreed 1 Mar 2026", {"finance": "not_met", "health": "unknown"}),
    ("Agreed 1 Sep 2026", {"finance": "partly_met", "health": None}),
    ("Now", {"finance": "met"}),
]


def parsed(rtl: bool = False) -> ET.Element:
    return ET.fromstring(draw(SERIES, DOMAINS, TEXT, rtl))


def marks(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == "mark"]


def label_of(mark: ET.Element) -> str:
    return next(t.text or "" for t in mark.iter(f"{SVG}text") if t.get("class") == "mark-label")


def shape_of(mark: ET.Element) -> tuple:
    """What the mark looks like without its label: elements, fills, dashes and glyphs."""
    return tuple(
        (el.tag, el.get("fill"), el.get("stroke-dasharray"), el.text)
        for el in mark
        if el.get("class") != "mark-label"
    )


def test_the_chart_has_its_text_alternative():
    svg = parsed()
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "change-title"
    assert svg.get("aria-describedby") == "change-desc"
    assert svg.find(f"{SVG}title").get("id") == "change-title"
    assert svg.find(f"{SVG}title").text == TEXT.title
    assert svg.find(f"{SVG}desc").get("id") == "change-desc"
    assert svg.find(f"{SVG}desc").text == TEXT.description


def test_every_mark_carries_its_rating_as_text():
    found = [(m.get("data-rating"), label_of(m)) for m in marks(parsed())]
    assert found == [
        ("not_met", "Not at all"),
        ("partly_met", "Partly"),
        ("met", "Going well"),
        ("unknown", "Not sure"),
        ("none", "No rating"),
        ("none", "No rating"),
    ]


def test_each_rating_has_its_own_shape():
    shapes = {m.get("data-rating"): shape_of(m) for m in marks(parsed())}
    assert set(shapes) == {"met", "partly_met", "not_met", "unknown", "none"}
    assert len(set(shapes.values())) == 5


def test_text_is_escaped_and_the_document_is_well_formed():
    areas = [t.text for t in parsed().iter(f"{SVG}text") if t.get("class") == "area"]
    assert areas == ["Money", "My health <& sleep>"]


def _moment_xs(svg: ET.Element) -> list[float]:
    return [float(t.get("x")) for t in svg.iter(f"{SVG}text") if t.get("class") == "moment"]


def test_right_to_left_mirrors_time_and_the_area_labels():
    ltr, rtl = parsed(), parsed(rtl=True)
    assert _moment_xs(ltr) == sorted(_moment_xs(ltr))
    assert _moment_xs(rtl) == sorted(_moment_xs(rtl), reverse=True)
    width = float(ltr.get("width"))
    assert [width - x for x in _moment_xs(ltr)] == _moment_xs(rtl)
    area_ltr = next(t for t in ltr.iter(f"{SVG}text") if t.get("class") == "area")
    area_rtl = next(t for t in rtl.iter(f"{SVG}text") if t.get("class") == "area")
    assert float(area_ltr.get("x")) < width / 2 < float(area_rtl.get("x"))
    assert rtl.get("direction") == "rtl"


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        (["met", "not_met"], "not_met"),
        (["met", "partly_met"], "partly_met"),
        (["met", "unknown"], "unknown"),
        (["partly_met", "unknown"], "partly_met"),
        ([None, "met"], "met"),
        ([None], None),
        ([], None),
    ],
)
def test_an_area_with_several_outcomes_shows_the_least_good(ratings, expected):
    assert least_good(ratings) == expected


# ------------------------------------------------------------------------- from the records


FRAMEWORK = load_framework(DEFAULT_PROMPTS_DIR, "carer")
TODAY = date(2026, 12, 2)


def _plan(db, person, lead, said, review_of=None) -> Assessment:
    """A carer plan whose conversation said `said` (key -> (domain, rating)), signed off."""
    plan = Assessment(
        person=person,
        framework="carer",
        language="en",
        status=AssessmentStatus.FINISHED,
        state={},
        stage=PlanStage.AWAITING_REVIEW,
        review_of_id=review_of.id if review_of else None,
    )
    plan.consents.append(Consent(purpose=ConsentPurpose.SHARE_TEAM, given=True))
    db.add(plan)
    _say(db, plan, lead, said)
    seen = review.plan_fingerprint(db, plan)
    review.sign_off(db, plan, lead, date(2027, 3, 1), FRAMEWORK, TODAY, seen)
    db.commit()
    return plan


def _say(db, plan, lead, said) -> None:
    outcomes = [
        {"id": key, "words": f"words {key}", "domains": [domain], "rating": rating}
        for key, (domain, rating) in said.items()
    ]
    review.record_conversation(db, plan, {"outcomes": outcomes}, lead, lead.display_name)
    db.commit()


@pytest.fixture
def reviewed(db, team):
    """A first plan, a review of it (both agreed), and the review being changed now."""
    person, lead, _nurse, _outsider = team
    first = _plan(
        db,
        person,
        lead,
        {"a": ("finance", "not_met"), "b": ("health_wellbeing", "met"),
         "c": ("health_wellbeing", "partly_met")},
    )  # fmt: skip
    second = _plan(
        db,
        person,
        lead,
        {"a": ("finance", "partly_met"), "b": ("health_wellbeing", "met")},
        review_of=first,
    )
    review.start_new_version(db, second, lead)
    _say(db, second, lead, {"a": ("finance", "met"), "b": ("health_wellbeing", "unknown")})
    return first, second


def test_the_records_give_every_sign_off_oldest_first_then_now(db, reviewed):
    first, second = reviewed
    columns = change_picture.change_over_time(db, second, lambda _plan: True)
    assert [(c.kind, c.assessment_id) for c in columns] == [
        ("agreed", first.id),
        ("agreed", second.id),
        ("now", second.id),
    ]
    assert [c.ratings for c in columns] == [
        {"finance": "not_met", "health_wellbeing": "partly_met"},
        {"finance": "partly_met", "health_wellbeing": "met"},
        {"finance": "met", "health_wellbeing": "unknown"},
    ]
    # The first plan's health rating stands for two outcomes, the least good of them.
    assert [c.several for c in columns] == [{"health_wellbeing": 2}, {}, {}]


def test_an_earlier_plan_the_reader_may_not_see_is_left_out(db, reviewed):
    first, second = reviewed
    columns = change_picture.change_over_time(db, second, lambda plan: plan.id != first.id)
    assert [c.assessment_id for c in columns] == [second.id, second.id]


def test_areas_follow_the_framework_order(db, reviewed):
    _first, second = reviewed
    columns = change_picture.change_over_time(db, second, lambda _plan: True)
    domains = [(d.id, d.plain_label) for d in FRAMEWORK.domains]
    assert change_picture.domains_in(columns, domains) == [
        ("health_wellbeing", "My health"),
        ("finance", "Money"),
    ]
