"""The dashboard and a person's safety flags on a tablet, in a real Chromium, checked with axe."""

from __future__ import annotations

import pytest

from .conftest import Tablet, unavailable_reason

_reason = unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from .test_chat_browser import Carer, axe_clean, small_targets  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]
expect.set_options(timeout=15_000)

RISK = "Some nights I just want to end it all."


def test_a_flag_raised_in_a_conversation_is_seen_and_cleared_by_the_team(tablet: Tablet) -> None:
    page = tablet.page
    person_id = tablet.open_person()
    tablet.start_conversation()
    carer = Carer(page)
    carer.to_the_opener()
    carer.type(RISK)
    carer.wait_for_question("Would you like to stop and talk to the worker")

    tablet.goto("/")
    flags = page.locator("section", has=page.get_by_role("heading", name="Safety flags to act on"))
    row = flags.locator("tr", has_text="Thoughts of suicide or self-harm").first
    expect(row).to_contain_text("Urgent: may be in danger now")
    axe_clean(page, "the dashboard with a flag")
    assert small_targets(page, "main") == []
    tablet.screenshot("dashboard-01-flag")

    row.get_by_role("link").click()
    page.wait_for_url(f"**/persons/{person_id}#flag-*")
    flag = page.locator("article.flag-open", has_text=RISK).first
    expect(flag).to_contain_text("Thoughts of suicide or self-harm")
    axe_clean(page, "the person page with a flag")
    assert small_targets(page, "main") == []
    tablet.screenshot("dashboard-02-person-flag")

    flag.get_by_label("What was done").fill("Rang the crisis team with her; she is safe tonight.")
    flag.get_by_role("button", name="Record and clear the flag").click()
    expect(page.locator(".flash")).to_contain_text("The flag is cleared")
    cleared = page.locator("article.flag", has_text="Rang the crisis team with her").first
    expect(cleared).to_contain_text("Cleared")
    expect(cleared).to_contain_text(RISK)
    axe_clean(page, "the person page with a cleared flag")
    tablet.screenshot("dashboard-03-cleared")
    assert not tablet.errors, tablet.errors
