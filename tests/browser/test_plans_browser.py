"""The person's own copy and the picture of change in Chromium: on screen, printed, with axe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Tablet
from tests.browser.test_chat_browser import axe_clean
from tests.live import hold_whole_conversation, person_id


@pytest.fixture(scope="module")
def agreed(server: LiveServer) -> int:
    """A whole conversation held on the shared server; the test signs it off."""
    return hold_whole_conversation(server.url, person_id(f"sqlite:///{server.database}"))


def _sign_off(tablet: Tablet, assessment_id: int) -> None:
    tablet.goto(f"/assessments/{assessment_id}/review")
    review_date = (date.today() + timedelta(days=90)).isoformat()
    tablet.page.get_by_label("Review date").fill(review_date)
    # Another test on the shared server may have left a safety flag open for this person: the
    # lead confirms they have seen it, as the sign-off asks.
    seen = tablet.page.get_by_label("I have seen the open safety concerns")
    if seen.count():
        seen.check()
    tablet.page.get_by_role("button", name="Sign off the plan").click()
    expect(tablet.page.locator("#agreed-heading")).to_be_visible()


def test_the_copy_prints_the_persons_words_and_none_of_the_app(
    tablet: Tablet, server: LiveServer, agreed: int
) -> None:
    _sign_off(tablet, agreed)
    tablet.page.get_by_role("link", name="The person's own copy").click()
    tablet.page.wait_for_url(f"**/assessments/{agreed}/copy")
    page = tablet.page
    words = [
        row[0]
        for row in server.query(
            "SELECT words FROM recorded_outcomes WHERE assessment_id = ? AND NOT removed", agreed
        )
    ]
    assert words
    for said in words:
        expect(page.locator("blockquote.own-words", has_text=said).first).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    expect(page.locator(".site-header")).to_be_visible()
    expect(page.get_by_text("This plan was agreed on")).to_be_visible()
    axe_clean(page, "the person's copy")
    tablet.screenshot("plan-copy-screen")

    page.emulate_media(media="print")
    for chrome in (".site-header", "nav", ".logout", "#print-copy", ".page-tools"):
        expect(page.locator(chrome).first).to_be_hidden()
    for said in words:
        expect(page.locator("blockquote.own-words", has_text=said).first).to_be_visible()
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.own-words')).fontSize)"
    )
    assert size >= 20  # 16pt and up: large type on paper
    tablet.screenshot("plan-copy-print")
    page.emulate_media(media="screen")
    assert tablet.errors == []


def test_the_picture_of_change_has_a_chart_a_table_and_prints_without_the_app(
    tablet: Tablet, agreed: int
) -> None:
    tablet.goto(f"/assessments/{agreed}/review")
    tablet.page.get_by_role("link", name="The picture of change").click()
    tablet.page.wait_for_url(f"**/assessments/{agreed}/change")
    page = tablet.page
    chart = page.get_by_role("img", name=re.compile("^How things have changed for"))
    expect(chart).to_be_visible()
    expect(page.locator("table.change-table")).to_be_visible()
    axe_clean(page, "the picture of change")
    tablet.screenshot("change-picture-screen")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(chart).to_be_visible()
    tablet.screenshot("change-picture-print")
    page.emulate_media(media="screen")
    assert tablet.errors == []
