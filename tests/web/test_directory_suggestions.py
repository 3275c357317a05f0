"""Local support on the review page: each outcome shows the services that may help, best
first, and a practitioner can take one up as an action; a suggestion, never automatic."""

from __future__ import annotations

import html as html_text
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from outcomes_chat.config import DEFAULTS
from outcomes_chat.dialogue.frameworks import load_framework
from outcomes_chat.outcomes import review
from outcomes_chat.outcomes.models import AuditEvent, OutcomeAction, PlanStage, Revision
from tests.conftest import login
from tests.outcomes.conftest import hold_conversation

SAMPLE = Path(str(DEFAULTS["DIRECTORY_PATH"]))


@pytest.fixture
def plan(app, db, people):
    """A conversation under way with three outcomes raised in the meeting, by their words."""
    person, lead, _nurse = people
    assessment = hold_conversation(app, db, person, lead, finish=False)
    framework = load_framework(Path(app.config["PROMPTS_DIR"]), "carer")
    raised = {
        words: review.raise_outcome(db, assessment, words, domain, lead, framework)
        for words, domain in [
            ("Money is tight since I stopped work", "finance"),
            ("Getting a full night's sleep", "health_wellbeing"),
            ("Singing in the choir on Tuesdays", "life_of_own"),
        ]
    }
    db.commit()
    return assessment, {words: outcome.id for words, outcome in raised.items()}


def card(client, assessment, outcome_id: int) -> str:
    """One outcome's card on the review page, as a person reads it."""
    page = client.get(f"/assessments/{assessment.id}/review").get_data(as_text=True)
    found = re.search(rf'<article [^>]*id="outcome-{outcome_id}".*?</article>', page, re.S)
    assert found, page[:500]
    return html_text.unescape(found.group(0))


def take_up(client, assessment, outcome_id: int, entry_id: str):
    return client.post(
        f"/assessments/{assessment.id}/review/outcomes/{outcome_id}/directory/{entry_id}"
    )


def test_each_outcome_shows_the_services_that_may_help_best_first(client, plan):
    assessment, ids = plan
    login(client, "amir")
    money = card(client, assessment, ids["Money is tight since I stopped work"])
    assert "Local support that may help" in money
    assert money.index("Lothwick Citizens Advice (money advice)") < money.index("Add as an action")
    for shown in (
        "Free, confidential benefit checks",
        "Anyone living in Lothwick.",
        "0131 496 0320",
        "Monday to Thursday, 10am to 4pm",
        "English, Polish, Arabic (interpreter by arrangement)",
        "Suggested because of: money, tight, stopped work",
    ):
        assert shown in money
    sleep = card(client, assessment, ids["Getting a full night's sleep"])
    assert "Lothwick Short Breaks Service" in sleep and "Citizens Advice" not in sleep


def test_an_outcome_nothing_matches_shows_no_suggestions(client, plan):
    assessment, ids = plan
    login(client, "amir")
    choir = card(client, assessment, ids["Singing in the choir on Tuesdays"])
    assert "Local support that may help" not in choir and "Add as an action" not in choir


@pytest.mark.parametrize(
    ("words", "entry_id", "expected"),
    [
        (
            "Money is tight since I stopped work",
            "citizens_advice",
            "Contact Lothwick Citizens Advice (money advice) "
            "(0131 496 0320, https://lothwick-advice.example.org) about: Free, confidential",
        ),
        (
            "Getting a full night's sleep",
            "short_breaks",
            "Contact Lothwick Short Breaks Service "
            "(0131 496 0210, breaks@lothwick-carers.example.org) about: Short breaks",
        ),
    ],
)
def test_a_suggestion_taken_up_is_an_action_for_the_practitioner_audited_and_revisioned(
    client, db, plan, words, entry_id, expected
):
    assessment, ids = plan
    login(client, "amir")
    response = take_up(client, assessment, ids[words], entry_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#outcome-{ids[words]}")
    action = db.scalar(select(OutcomeAction))
    assert action.outcome_id == ids[words] and action.what.startswith(expected)
    assert action.who == "Amir" and action.agency.value == "voluntary"
    assert action.status.value == "open" and action.due is None
    revision = db.scalar(select(Revision).where(Revision.subject == "action"))
    assert revision.subject_id == action.id and revision.change == "added"
    audit = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "action"))
    assert audit.action == "create" and audit.object_id == str(action.id)
    after = card(client, assessment, ids[words])
    assert "Already an action" in after and expected in after


def test_the_action_carries_the_agency_the_directory_gives(client, db, plan, people):
    assessment, _ids = plan
    _person, lead, _nurse = people
    framework = load_framework(Path(client.application.config["PROMPTS_DIR"]), "carer")
    fell = review.raise_outcome(
        db, assessment, "He fell twice last month", "cared_for", lead, framework
    )
    db.commit()
    login(client, "amir")
    assert "NHS Lothwick Falls Prevention Service" in card(client, assessment, fell.id)
    assert take_up(client, assessment, fell.id, "falls_service").status_code == 302
    assert db.scalar(select(OutcomeAction)).agency.value == "health"


def test_an_unknown_service_is_refused_clearly_and_adds_nothing(client, db, plan):
    assessment, ids = plan
    login(client, "amir")
    response = take_up(client, assessment, ids["Money is tight since I stopped work"], "no_such")
    assert response.status_code == 404
    assert "That service is not in the local directory" in html_text.unescape(
        response.get_data(as_text=True)
    )
    assert db.scalar(select(OutcomeAction)) is None


def test_taking_up_a_suggestion_needs_the_forms_token(app, client, db, plan):
    assessment, ids = plan
    login(client, "amir")
    app.config["WTF_CSRF_ENABLED"] = True
    response = take_up(
        client, assessment, ids["Money is tight since I stopped work"], "citizens_advice"
    )
    assert response.status_code == 400
    assert db.scalar(select(OutcomeAction)) is None


def test_someone_outside_the_team_sees_nothing_and_adds_nothing(client, db, plan):
    assessment, ids = plan
    login(client, "olga")
    response = take_up(
        client, assessment, ids["Money is tight since I stopped work"], "citizens_advice"
    )
    assert response.status_code == 404
    assert db.scalar(select(OutcomeAction)) is None


def test_an_agreed_plan_shows_no_suggestions_and_refuses_one(client, db, plan):
    assessment, ids = plan
    assessment.stage = PlanStage.AGREED
    db.commit()
    login(client, "amir")
    money = ids["Money is tight since I stopped work"]
    assert "Local support that may help" not in card(client, assessment, money)
    assert take_up(client, assessment, money, "citizens_advice").status_code == 400
    assert db.scalar(select(OutcomeAction)) is None


def test_a_bad_replacement_directory_leaves_the_old_one_in_use(app, client, plan, tmp_path):
    assessment, ids = plan
    ours = tmp_path / "ours.yaml"
    ours.write_text(SAMPLE.read_text(encoding="utf-8").replace("Lothwick Citizens", "Our Citizens"))
    app.config["DIRECTORY_PATH"] = str(ours)
    login(client, "amir")
    money = ids["Money is tight since I stopped work"]
    assert "Our Citizens Advice" in card(client, assessment, money)
    ours.write_text(ours.read_text().replace("    agency: health\n", "    agency: NHS\n"))
    later = ours.stat().st_mtime_ns + 2_000_000_000
    os.utime(ours, ns=(later, later))
    assert "Our Citizens Advice" in card(client, assessment, money)
    assert take_up(client, assessment, money, "citizens_advice").status_code == 302
