"""Downloading an agreed plan for the case file, in Chromium at tablet size: from the review
page and the person's page, each format a real file, the page still accessible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Tablet
from tests.browser.test_chat_browser import axe_clean
from tests.browser.test_plans_browser import _sign_off
from tests.live import hold_whole_conversation, person_id


@pytest.fixture(scope="module")
def agreed(server: LiveServer) -> int:
    """A whole conversation, with the person's consent to copy it to their case file."""
    return hold_whole_conversation(
        server.url, person_id(f"sqlite:///{server.database}"), export=True
    )


def test_a_practitioner_downloads_the_agreed_plan_in_each_format(
    tablet: Tablet, server: LiveServer, agreed: int
) -> None:
    _sign_off(tablet, agreed)
    page = tablet.page
    links = page.locator(".export-links")
    expect(links).to_be_visible()
    axe_clean(page, "the review page with its downloads")
    tablet.screenshot("review-downloads")
    words = [
        row[0]
        for row in server.query(
            "SELECT words FROM recorded_outcomes WHERE assessment_id = ? AND NOT removed", agreed
        )
    ]
    starts = {"PDF summary": b"%PDF-", "JSON": b"{", "CSV (spreadsheet)": b"schema_version,"}
    for label, start in starts.items():
        with page.expect_download() as waiting:
            links.get_by_role("link", name=label).click()
        download = waiting.value
        data = Path(download.path()).read_bytes()
        assert data.startswith(start), label
        assert f"-{agreed}-v1." in download.suggested_filename
    with page.expect_download() as waiting:
        links.get_by_role("link", name="HL7 FHIR").click()
    bundle = json.loads(Path(waiting.value.path()).read_bytes())
    goals = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal"]
    assert [goal["description"]["text"] for goal in goals] == words
    audited = server.query("SELECT object_id FROM audit_events WHERE action = 'export' ORDER BY id")
    assert [row[0] for row in audited] == [
        f"{agreed} v1 {fmt}" for fmt in ("pdf", "json", "csv", "fhir")
    ]
    assert tablet.errors == []


def test_the_persons_page_offers_the_same_downloads(tablet: Tablet, agreed: int) -> None:
    tablet.goto(f"/assessments/{agreed}/review")
    tablet.page.get_by_role("link", name="Back to").first.click()
    page = tablet.page
    row_links = page.locator(".export-links")
    expect(row_links.first).to_be_visible()
    expect(row_links.first.get_by_role("link", name="PDF summary")).to_be_visible()
    axe_clean(page, "the person's page with downloads")
    tablet.screenshot("person-downloads")
    assert tablet.errors == []
