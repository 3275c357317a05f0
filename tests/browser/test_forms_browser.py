"""Forms in Chromium at the tablet's size: a checkbox and its label are one touch target."""

from __future__ import annotations

import pytest

from .conftest import Tablet, unavailable_reason

_reason = unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


def test_each_consent_is_one_touch_target_on_one_line(tablet: Tablet) -> None:
    tablet.open_person()
    tablet.page.get_by_role("link", name="Start a conversation").click()
    share = tablet.page.locator("label.check[for=consent_share]")
    box = share.bounding_box()
    tick = tablet.page.locator("#consent_share").bounding_box()
    assert box and tick and 44 <= box["height"] < 2 * 44
    # The tick sits beside the words, within the same target.
    assert box["y"] <= tick["y"] and tick["y"] + tick["height"] <= box["y"] + box["height"]
    tablet.screenshot("start-conversation-consents")
    share.click(position={"x": box["width"] - 10, "y": box["height"] / 2})
    assert tablet.page.locator("#consent_share").is_checked()
    assert not tablet.errors
