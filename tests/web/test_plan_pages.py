"""The person's own copy and the picture of change: team only, audited, the person's words
verbatim, the agreed version, plain words, and a chart that reads without colour."""

from __future__ import annotations

import html as html_text
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select

from outcomes_chat.outcomes.models import (
    Assessment,
    AuditEvent,
    Consent,
    ConsentPurpose,
    RecordedOutcome,
)
from tests.conftest import login
from tests.web.test_review_pages import TODAY, post, sign_off

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import readability

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).resolve().parents[2] / "outcomes_chat" / "web" / "templates"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from outcomes_chat.web import review as review_views

    monkeypatch.setattr(review_views, "today", lambda: TODAY)


def shown(response) -> str:
    return html_text.unescape(response.get_data(as_text=True))


def copy_of(client, assessment):
    return client.get(f"/assessments/{assessment.id}/copy")


def change_of(client, assessment):
    return client.get(f"/assessments/{assessment.id}/change")


def agree(client, assessment, review_date="2027-03-01"):
    login(client, "morag")
    assert sign_off(client, assessment, review_date).status_code == 302


def test_the_copy_shows_the_persons_words_verbatim_as_a_draft_before_sign_off(client, finished):
    login(client, "amir")
    response = copy_of(client, finished)
    html = shown(response)
    assert response.status_code == 200
    for outcome in finished.outcomes:
        if outcome.active:
            assert outcome.words in html
    assert "This is a draft. It is not agreed yet." in html
    assert "The lead person for your plan is Morag." in html
    assert "You can reach them through Health." in html


def test_the_copy_shows_what_the_person_says_about_it_now_at_a_review(client, finished, db):
    outcome = next(o for o in finished.outcomes if o.active)
    outcome.update = "better, she goes three days now"
    db.commit()
    login(client, "amir")
    html = shown(copy_of(client, finished))
    assert "What you say about it now:" in html
    assert "better, she goes three days now" in html


def test_the_copy_shows_the_agreed_version_and_its_review_date(client, finished, db):
    agree(client, finished)
    outcome = finished.outcomes[0]
    rated = next(o for o in finished.outcomes if o.rating)
    html = shown(copy_of(client, finished))
    assert "This is a draft" not in html
    assert "We will look at your plan again by 1 March 2027." in html
    labels = {"met": "Going well", "partly_met": "Partly", "not_met": "Not at all"}
    assert labels.get(rated.rating, "Not sure") in html
    # A new version being worked on does not reach the person's copy until it is agreed.
    assert post(client, finished, "/new-version", {}).status_code == 302
    response = post(
        client, finished, f"/outcomes/{outcome.id}/remove", {"based_on": outcome.revision}
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).removed_in_review
    assert outcome.words in shown(copy_of(client, finished))


def test_the_copy_lists_each_action_with_who_and_when(client, finished):
    login(client, "amir")
    outcome = finished.outcomes[0]
    prefix = f"new-action-{outcome.id}-"
    fields = {"what": "Ask the carers centre about a break", "who": "Amir", "agency": "voluntary"}
    fields |= {"due": "2027-01-15", "status": "open"}
    data = {prefix + name: value for name, value in fields.items()}
    assert post(client, finished, f"/outcomes/{outcome.id}/actions", data).status_code == 302
    html = shown(copy_of(client, finished))
    assert "Ask the carers centre about a break" in html
    assert "Who: Amir, Voluntary sector" in html and "When: by 15 January 2027" in html


def test_the_copy_keeps_the_print_button_and_navigation_out_of_print(client, finished):
    login(client, "amir")
    html = shown(copy_of(client, finished))
    assert 'id="print-copy"' in html and "plans.css" in html
    css = client.get("/static/plans.css").get_data(as_text=True)
    printed = css[css.index("@media print") :]
    for hidden in (".site-header", "nav", ".logout", ".flash", "button"):
        assert hidden in printed.split("{ display: none")[0]


@pytest.mark.parametrize(
    ("language", "words", "direction"),
    [
        ("cy", "Dw i eisiau mynd i'r cwrdd â'm ŵyr bob dydd Sul", "ltr"),
        ("pl", "Chcę mieć czas dla siebie, żeby pójść na spacer z psem Łatką", "ltr"),
        ("ar", "أريد أن أنام جيدا في الليل", "rtl"),
    ],
)
def test_the_copy_is_in_the_persons_language_with_their_words_intact(
    client, finished, db, language, words, direction
):
    assessment = db.get(Assessment, finished.id)
    assessment.language = language
    assessment.outcomes[0].words = words
    db.commit()
    login(client, "amir")
    html = shown(copy_of(client, finished))
    assert words in html
    assert f'dir="{direction}"' in html and f'lang="{language}"' in html


def test_the_copy_and_the_chart_are_for_the_team_only(client, finished, db):
    login(client, "olga")
    assert copy_of(client, finished).status_code == 404
    assert change_of(client, finished).status_code == 404
    assert client.get("/assessments/999999/copy").status_code == 404


def test_a_watcher_of_a_private_conversation_gets_not_found(client, finished, db):
    consent = db.scalar(
        select(Consent).where(
            Consent.assessment_id == finished.id, Consent.purpose == ConsentPurpose.SHARE_TEAM
        )
    )
    consent.given = False
    db.commit()
    login(client, "amir")  # in the team, but did not start it
    assert copy_of(client, finished).status_code == 404
    assert change_of(client, finished).status_code == 404


def test_each_opening_is_audited_as_a_view(client, finished, db):
    login(client, "amir")
    copy_of(client, finished)
    change_of(client, finished)
    seen = set(
        db.execute(
            select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id).where(
                AuditEvent.object_type.in_(["plan_copy", "change_picture"])
            )
        )
    )
    assert seen == {
        ("view", "plan_copy", str(finished.id)),
        ("view", "change_picture", str(finished.id)),
    }


def test_the_review_page_links_to_both(client, finished):
    login(client, "amir")
    html = shown(client.get(f"/assessments/{finished.id}/review"))
    assert f'href="/assessments/{finished.id}/copy"' in html
    assert f'href="/assessments/{finished.id}/change"' in html


def _sentences_in(template: str) -> list[str]:
    source = (TEMPLATES / template).read_text()
    return [
        re.sub(r"%\((\w+)\)[sd]", "Sam", found) for found in re.findall(r'_\("([^"]+)"', source)
    ]


def test_every_fixed_sentence_of_the_copy_is_easy_to_read():
    sentences = _sentences_in("plan_copy.html") + _sentences_in("_plan_copy_body.html")
    assert len(sentences) > 15
    hard = [
        f"{text} ({readability.flesch_reading_ease(text):.0f})"
        for text in sentences
        if not readability.Line("_plan_copy_body.html", text).plain
    ]
    assert hard == []


# ------------------------------------------------------------------------ picture of change


def _svg(response) -> ET.Element:
    html = response.get_data(as_text=True)
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found, html[:400]
    return ET.fromstring(found.group(0))


def test_the_change_page_shows_each_rated_area_agreed_and_now(client, finished, db):
    agree(client, finished)
    response = change_of(client, finished)
    assert response.status_code == 200
    svg = _svg(response)
    moments = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "moment"]
    assert len(moments) == 2 and moments[0].startswith("Agreed ") and moments[1] == "Now"
    areas = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "area"]
    rated = {o.domains[0] for o in finished.outcomes if o.active and o.domains}
    assert len(areas) == len(rated)
    marks = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert len(marks) == 2 * len(rated)
    html = shown(response)
    assert "<table" in html and "The same ratings as a table" in html
