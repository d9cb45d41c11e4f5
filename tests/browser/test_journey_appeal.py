"""Journey 3: build an appeal through every step with an image and a PDF (a disguised executable beside them
is refused alone), watch the readiness score rise as each weakness is fixed, copy the final text, mark it
submitted and see when the decision is due."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from appeals.models import Appeal, ViolationItem
from appeals.services.checklists import checklist_install_defaults
from tests.browser.helpers import log_in, pdf_bytes, png_bytes
from tests.factories import ViolationFactory

NEXT = "Save and continue →"


def score(page) -> int:
    """The readiness score shown on this step (the chip on steps 1-4, the report on the review step)."""
    badge = page.locator(".readiness-chip .badge, .readiness-score .badge").first
    return int(re.match(r"\d+", badge.inner_text()).group(0))


def go_to_step(page, name: str, heading: str) -> None:
    page.get_by_role("navigation", name="Appeal steps").get_by_role("link", name=name).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for()


@pytest.mark.django_db(transaction=True)
def test_build_appeal_with_two_files_copy_and_submit(browser_page, org, member, shop):
    checklist_install_defaults(org)
    violation = ViolationFactory(
        account=shop, reference="VR-J3", kind="listing_removal", policy="Intellectual property: trademark"
    )
    ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value="12345")
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "member@acme.test")

    page.goto(f"/violations/{violation.pk}/")
    page.check()
    page.get_by_role("button", name="Start appeal").click()
    page.get_by_role("heading", name="What outcome do you want?").wait_for()
    page.check()
    # A first draft a reviewer would skim past: it describes the problem, not the decision wanted.
    page.get_by_label("The outcome you want, in one sentence").fill("Our listing was removed")
    page.get_by_role("button", name=NEXT).click()
    page.get_by_role("heading", name="Which rule was misapplied, and why?").wait_for()
    page.check()
    assert page.get_by_label("The rule you believe was misapplied").input_value() == "Intellectual property: trademark"
    page.get_by_label("The reason: why this rule does not apply to your case").fill(
        "We sell genuine goods bought from the brand's distributor."
    )
    page.get_by_role("button", name=NEXT).click()
    page.get_by_role("heading", name="The IDs the reviewer needs").wait_for()
    page.check()
    assert page.get_by_label("SKU IDs").input_value() == "12345"
    page.get_by_role("button", name=NEXT).click()
    page.get_by_role("heading", name="Evidence", exact=True).wait_for()
    page.check()
    no_evidence = score(page)
    assert "No evidence" in page.locator(".readiness-chip").inner_text() or no_evidence < 100

    page.get_by_label("Add files").set_input_files(
        [
            {"name": "label.png", "mimeType": "image/png", "buffer": png_bytes()},
            {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
            {"name": "evil.png", "mimeType": "image/png", "buffer": b"MZ" + b"\x00" * 200},
        ]
    )
    page.get_by_text('Added "label.png"').wait_for()
    page.get_by_text('Added "invoice.pdf"').wait_for()
    assert page.get_by_text("is not an accepted file type").is_visible()  # the third file is refused, alone
    page.check()
    page.get_by_role("button", name="Continue to review →").click()
    page.get_by_role("heading", name="Review and submit").wait_for()
    page.check()
    uncaptioned = score(page)
    assert uncaptioned > no_evidence
    assert page.locator(".findings").get_by_text("2 file(s) without a caption").is_visible()
    assert page.locator(".findings").get_by_text("The outcome is vague").is_visible()

    # Fix the captions: the score rises.
    go_to_step(page, "4. Evidence", "Evidence")
    for name, caption in [
        ("label.png", "Product label showing the brand"),
        ("invoice.pdf", "Invoice from the distributor"),
    ]:
        page.get_by_label(f"What {name} proves").fill(caption)
        page.locator(".evidence-item", has_text=name).get_by_role("button", name="Save caption").click()
        page.locator(".evidence-item", has_text=name).get_by_text("Saved", exact=True).wait_for()
    page.check()
    page.get_by_role("button", name="Continue to review →").click()
    page.get_by_role("heading", name="Review and submit").wait_for()
    captioned = score(page)
    assert captioned > uncaptioned
    assert page.get_by_text("without a caption").count() == 0

    # Fix the outcome: name the action and the thing.
    go_to_step(page, "1. Outcome", "What outcome do you want?")
    page.get_by_label("The outcome you want, in one sentence").fill(
        "Reinstate the listing for SKU 12345: the trademark rule cited does not apply."
    )
    page.get_by_role("button", name=NEXT).click()
    page.get_by_role("heading", name="Which rule was misapplied, and why?").wait_for()
    go_to_step(page, "5. Review and submit", "Review and submit")
    page.check()
    final_score = score(page)
    assert final_score > captioned
    assert page.get_by_text("The outcome is vague").count() == 0

    text = page.locator("#final-text").input_value()
    assert text.startswith("Reinstate the listing for SKU 12345")
    assert "Product label showing the brand (label.png)" in text and "(invoice.pdf)" in text
    page.get_by_role("button", name="Copy text").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == text

    page.get_by_label("Platform's appeal reference (optional)").fill("AP-J3")
    page.get_by_role("button", name="Mark as submitted").click()
    page.wait_for_url(re.compile(rf"/violations/{violation.pk}/$"))
    page.get_by_text("Appeal marked as submitted").wait_for()
    page.check()
    appeal = Appeal.objects.get(violation=violation)
    assert appeal.status == Appeal.Status.UNDER_REVIEW and appeal.readiness_score == final_score
    assert (appeal.platform_reference, appeal.final_text) == ("AP-J3", text)
    assert sorted(appeal.evidence.values_list("original_name", flat=True)) == ["invoice.pdf", "label.png"]
    due = page.locator("td[data-label='Decision due'] time").first
    assert datetime.fromisoformat(due.get_attribute("datetime")) == appeal.due_at
    assert due.inner_text().strip()
