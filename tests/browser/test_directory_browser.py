"""Local support on the review page, on a tablet: the suggestions under an outcome, and one
taken up as an action."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Tablet
from tests.browser.test_chat_browser import axe_clean, small_targets
from tests.live import hold_whole_conversation, person_id

# Where a person checking the page by eye finds its screenshots, besides test-artifacts/.
SHOTS = Path(os.environ.get("DIRECTORY_SHOTS", "test-artifacts"))


def money_card(page):
    """The raised outcome's card (other cards name it too, in their merge lists)."""
    words = page.locator("blockquote.own-words", has_text="The bills pile up and money is tight")
    return page.locator("article.outcome", has=words)


def test_an_outcome_shows_local_support_and_one_becomes_an_action(
    tablet: Tablet, server: LiveServer
) -> None:
    assessment_id = hold_whole_conversation(server.url, person_id(f"sqlite:///{server.database}"))
    tablet.goto(f"/assessments/{assessment_id}/review")
    page = tablet.page
    page.get_by_label("What matters, as it was said in the meeting").fill(
        "The bills pile up and money is tight"
    )
    page.get_by_label("Area of life").select_option(label="Money")
    page.get_by_role("button", name="Add outcome").click()
    card = money_card(page)
    suggestions = card.locator(".directory")
    expect(suggestions.get_by_role("heading")).to_have_text("Local support that may help")
    first = suggestions.locator("li.suggestion").first
    expect(first).to_contain_text("Lothwick Citizens Advice (money advice)")
    expect(first).to_contain_text("0131 496 0320")
    axe_clean(page, "the review page with local support")
    assert small_targets(page, ".directory") == []
    suggestions.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SHOTS / "directory-suggestions-card.png"))
    page.screenshot(path=str(SHOTS / "directory-review-page.png"), full_page=True)

    first.get_by_role("button", name=re.compile("^Add as an action")).click()
    page.wait_for_url(re.compile(r"#outcome-\d+$"))
    card = money_card(page)
    expect(card.locator("ul.actions")).to_contain_text(
        "Contact Lothwick Citizens Advice (money advice) (0131 496 0320"
    )
    expect(card.locator("li.suggestion").first).to_contain_text("Already an action")
    card.screenshot(path=str(SHOTS / "directory-action-added.png"))
    assert tablet.errors == []
