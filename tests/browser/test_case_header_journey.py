"""The case header's primary action is on screen without scrolling, on a laptop (1366×900) and a phone (390×844),
on a case with a long notice and a long timeline: before the appeal (Start appeal), in the builder (Continue
draft), and after submission (Record decision, with the decision's due date). The sections below it fold."""

from __future__ import annotations

import pytest

from appeals.models import Comment, TimelineEvent, TimelineVerb
from appeals.services.appeals import appeal_save_step, appeal_submit
from tests.browser.helpers import log_in
from tests.factories import ViolationFactory

VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
NOTICE = "\n".join(
    f"Line {n}: the listing for SKU 55{n:04} was removed under the trademark policy, section 4.{n}." for n in range(80)
)


def primary_action_in_view(page) -> dict:
    action = page.locator("#case-header .primary-action")
    assert action.count() == 1, "exactly one primary action in the header"
    box = action.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (box, viewport)
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (box, viewport)
    return box


@pytest.mark.django_db(transaction=True)
def test_primary_action_visible_without_scrolling(browser_page, org, member, shop, size):
    page = browser_page
    page.set_viewport_size(VIEWPORTS[size])
    violation = ViolationFactory(account=shop, reference="VR-HEAD", notice=NOTICE, assignee=member)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(organization=org, violation=violation, actor=member, verb=TimelineVerb.COMMENTED)
        for _ in range(60)
    )
    Comment.objects.bulk_create(
        Comment(violation=violation, organization=org, author=member, body=f"Note {n}: checked the listing again.")
        for n in range(15)
    )
    log_in(page, "member@acme.test")

    page.goto(f"/violations/{violation.pk}/")
    assert page.evaluate("document.documentElement.scrollHeight") > 3 * VIEWPORTS[size]["height"]
    primary_action_in_view(page)
    header = page.locator("#case-header")
    assert "Start appeal" in header.inner_text() and "Appeal window closes" in header.inner_text()
    assert str(member) in header.inner_text() and "2 of 2" in header.inner_text()
    page.check()

    # The sections fold without JavaScript's help: a <details> per card.
    notice = page.locator("#notice pre")
    assert notice.is_visible()
    page.locator("#notice summary").click()
    assert not notice.is_visible()

    page.locator("#case-header .primary-action").click()
    page.get_by_role("heading", name="What outcome do you want?").wait_for()
    assert "Continue draft (step 1)" in page.locator("#case-header").inner_text()
    primary_action_in_view(page)
    page.check()

    appeal = violation.appeals.get()
    appeal_save_step(
        appeal_id=appeal.pk, step=1, data={"desired_outcome": "Reinstate SKU 550001"}, by=member, version=1
    )
    appeal = appeal_submit(appeal_id=appeal.pk, by=member)
    page.goto(f"/violations/{violation.pk}/")
    header_text = page.locator("#case-header").inner_text()
    assert "Decision due" in header_text and "Record decision" in header_text and "1 of 2" in header_text
    primary_action_in_view(page)
    page.check()
    page.locator("#case-header .primary-action").click()
    page.get_by_role("button", name="Save outcome").wait_for()
    page.check()
