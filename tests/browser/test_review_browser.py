"""Two practitioners review one plan together, each on their own tablet, live."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import TABLET, LiveServer, Tablet
from tests.browser.test_chat_browser import axe_clean
from tests.live import hold_whole_conversation, person_id


def _second_tablet(browser, server: LiveServer, username: str) -> tuple[BrowserContext, Tablet]:
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    other = Tablet(page, server, errors)
    other.log_in(username)
    return context, other


def _notes_of(tablet: Tablet, outcome_id: str):
    card = tablet.page.locator(f"#outcome-{outcome_id}")
    card.locator("summary", has_text="Add a note, an action or a comment").click()
    return card, card.get_by_label("Note or rewording")


def test_two_practitioners_see_each_other_and_each_others_changes_live(
    tablet: Tablet, server: LiveServer, browser
) -> None:
    assessment_id = hold_whole_conversation(server.url, person_id(f"sqlite:///{server.database}"))
    review_path = f"/assessments/{assessment_id}/review"
    tablet.goto(review_path)
    expect(tablet.page.get_by_role("heading", level=1)).to_contain_text("Plan for")
    context, nurse = _second_tablet(browser, server, "amir")
    try:
        nurse.goto(review_path)
        expect(tablet.page.locator("#presence")).to_have_text(re.compile("Amir Khan"))
        expect(nurse.page.locator("#presence")).to_have_text(re.compile("Morag Campbell"))
        axe_clean(tablet.page, "the review page")
        outcome_id = tablet.page.locator("article.outcome").first.get_attribute("data-outcome-id")
        assert outcome_id

        # Amir saves a note; Morag sees it appear without reloading.
        card, note = _notes_of(nurse, outcome_id)
        note.fill("Her sister can sit on Tuesdays")
        card.get_by_role("button", name="Save notes").click()
        nurse.page.wait_for_url(re.compile(f"#outcome-{outcome_id}$"))
        morag_card = tablet.page.locator(f"#outcome-{outcome_id}")
        expect(morag_card).to_contain_text("Her sister can sit on Tuesdays")
        expect(tablet.page.locator("#live-notice")).to_contain_text("Amir Khan changed an outcome")
        tablet.screenshot("review-live-change-seen")

        # Both start on the same note: Morag is typing when Amir saves first.
        morag_card, morag_note = _notes_of(tablet, outcome_id)
        morag_note.fill("Tuesdays and Thursdays")
        card, note = _notes_of(nurse, outcome_id)
        note.fill("Tuesdays only, from March")
        card.get_by_role("button", name="Save notes").click()
        expect(tablet.page.locator("#live-notice")).to_contain_text("while you were editing")
        morag_card.get_by_role("button", name="Save notes").click()
        refused = tablet.page.locator("#refused")
        expect(refused).to_contain_text("Someone else changed this")
        expect(refused).to_contain_text("Tuesdays only, from March")
        expect(
            tablet.page.locator(f"#outcome-{outcome_id}").get_by_label("Note or rewording")
        ).to_have_value("Tuesdays and Thursdays")
        tablet.screenshot("review-stale-change-refused")
        assert server.query("SELECT note FROM recorded_outcomes WHERE id = ?", int(outcome_id)) == [
            ("Tuesdays only, from March",)
        ]

        # Amir is half-way through a comment on the plan when Morag adds an outcome: his words
        # stay where they are, and he is told the plan changed.
        plan_comment = nurse.page.locator("#comments-heading ~ form textarea[name=text]")
        plan_comment.fill("Respite on Fridays, if the centre")
        tablet.page.get_by_label("What matters, as it was said in the meeting").fill(
            "Wants to learn to drive"
        )
        tablet.page.get_by_label("Area of life").select_option(label="Time for me")
        tablet.page.get_by_role("button", name="Add outcome").click()
        expect(nurse.page.locator("#live-notice")).to_contain_text("changed the plan")
        expect(plan_comment).to_have_value("Respite on Fridays, if the centre")

        nurse.page.close()
        expect(tablet.page.locator("#presence")).to_have_text("Only you have this page open.")
    finally:
        context.close()
    # The refused save is answered 409 Conflict, which the browser logs; nothing else may be.
    assert [e for e in tablet.errors if "409 (CONFLICT)" not in e] == [] and nurse.errors == []
