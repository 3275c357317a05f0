"""Every machine-readable export format, for a carer plan with actions and an adult plan
without, with the person's words in English, Welsh, Polish and Arabic: the words arrive byte
for byte, and the plan's actions go out only where there are some."""

from __future__ import annotations

import pytest

from outcomes_chat.outcomes import demo_plans, export, review
from outcomes_chat.outcomes.conversations import start_conversation
from outcomes_chat.outcomes.models import ConsentPurpose, PersonKind
from outcomes_chat.outcomes.persons import PersonDetails, create_person
from tests.outcomes.conftest import hold_conversation
from tests.outcomes.test_export import TODAY, WORDS, agree, allow_export, say_instead

LANGUAGES = {"english": "I'd like to get back to the bowling club on a Thursday", **WORDS}
ALL_CONSENTS = dict.fromkeys(ConsentPurpose, True)


@pytest.fixture
def carer_plan(app, db, team, carer_framework):
    """A carer plan agreed with one action."""
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    first = next(o for o in assessment.outcomes if o.active)
    review.add_action(
        db,
        assessment,
        first.id,
        review.ActionDetails("Ask about a sitter", "Jo", "voluntary"),
        lead,
    )
    db.commit()
    agree(db, assessment, lead, carer_framework)
    return assessment


@pytest.fixture
def adult_plan(app, db, team):
    """A service user's plan, held with the demo's script and agreed without actions."""
    from outcomes_chat.dialogue.frameworks import load_framework
    from outcomes_chat.web.engines import engine_for

    _carer, lead, _nurse, _outsider = team
    person = create_person(
        db, PersonDetails("Alasdair Ross", "CASE-2", PersonKind.SERVICE_USER), lead, "Social worker"
    )
    with app.app_context():
        engine = engine_for("adult")
    assessment = start_conversation(db, engine, person, lead, "adult", "en", ALL_CONSENTS)
    demo_plans.hold(db, engine, assessment, demo_plans._adult_script(), lead)
    framework = load_framework(app.config["PROMPTS_DIR"], "adult")
    demo_plans.agree(db, assessment, lead, framework, [], lead, TODAY, 90)
    db.commit()
    return assessment


@pytest.mark.parametrize("plan", ["carer_plan", "adult_plan"])
def test_each_format_carries_the_persons_words_byte_for_byte(request, db, plan):
    # One plan per kind, its first outcome reworded in each language in turn: holding a
    # conversation is the slow part, so it is not repeated for every language and format.
    assessment = request.getfixturevalue(plan)
    first = next(o for o in assessment.outcomes if o.active)
    for language, words in LANGUAGES.items():
        say_instead(db, first, words)
        view = export.export_view(db, assessment)
        assert view["person"]["kind"] == ("carer" if plan == "carer_plan" else "service_user")
        assert bool(view["actions"]) == (plan == "carer_plan")
        for fmt in export.FORMATS:
            data = export.render(view, fmt)
            assert words.encode("utf-8") in data, (language, fmt)
            for outcome in view["outcomes"][1:]:
                assert outcome["words"].encode("utf-8") in data, (language, fmt)
