"""Journey: a follow-up round with no new file says so before the text leaves the app (blocking finding on the
badge of every step, "not ready" banner on Copy and Download, the platform's rejection beside the editor), then is
ready once a new file is added; and the readiness badge follows uploads, captions and removals without a reload."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appeals.models import Appeal, ViolationItem
from appeals.services.appeals import appeal_save_step, appeal_start, appeal_submit
from appeals.services.evidence import evidence_add
from appeals.services.outcomes import appeal_follow_up_start, outcome_record
from tests.browser.helpers import log_in, png_bytes
from tests.factories import ViolationFactory

REJECTION = "The listing still shows a trademarked logo without authorization."
OUTCOME = "Reinstate the listing for SKU 12345."


def _badge(page) -> str:
    return page.locator("#readiness-badge").inner_text()


def _mark_page(page) -> None:
    """A flag on the window: it survives htmx swaps and disappears if the page reloads."""
    page.evaluate("() => { window.__noReload = true; }")


def _still_same_page(page) -> bool:
    return page.evaluate("() => window.__noReload === true")


def _go_to_step(page, name: str, heading: str) -> None:
    page.get_by_role("navigation", name="Appeal steps").get_by_role("link", name=name).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for()


@pytest.mark.django_db(transaction=True)
def test_follow_up_without_new_file_is_not_ready_until_one_is_added(browser_page, org, member, shop):
    violation = ViolationFactory(
        account=shop, reference="VR-FUJ", kind="listing_removal", policy="Intellectual property: trademark"
    )
    ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value="12345")
    first = appeal_start(violation=violation, by=member)
    first = appeal_save_step(
        appeal_id=first.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=first.version
    )
    first = appeal_save_step(
        appeal_id=first.pk,
        step=2,
        data={
            "rule_cited": "Intellectual property: trademark",
            "rule_explanation": "We bought the units from the brand's authorized US distributor.",
            "explanation": "",
        },
        by=member,
        version=first.version,
    )
    evidence_add(
        appeal_id=first.pk,
        upload=SimpleUploadedFile("invoice.txt", b"round one invoice"),
        by=member,
        caption="Invoice from the distributor",
    )
    first = appeal_submit(appeal_id=first.pk, by=member)
    first = outcome_record(
        appeal_id=first.pk, by=member, outcome=Appeal.Status.UPHELD, message=REJECTION, version=first.version
    )
    follow_up = appeal_follow_up_start(appeal_id=first.pk, by=member)

    page = browser_page
    log_in(page, "member@acme.test")
    page.goto(f"/appeals/{follow_up.pk}/")
    page.get_by_role("heading", name="What outcome do you want?").wait_for()
    page.check()
    # From step 1: the platform's rejection, the rounds left and the window, and the blocking finding.
    context = page.locator("#follow-up-changes")
    assert REJECTION in context.inner_text()
    assert "Rounds left" in context.inner_text()
    assert re.search(r"in \d+ business days?", context.inner_text())
    assert "No new evidence since round 1" in _badge(page)
    assert "Not ready" in _badge(page)

    # Before submission, on the review step: the banner on Copy and Download.
    _go_to_step(page, "5. Review and submit", "Review and submit")
    page.check()
    banner = page.get_by_role("alert").filter(has_text="Not ready: the platform needs new evidence.")
    banner.wait_for()
    assert page.get_by_role("button", name="Copy text").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download text", exact=True).click()
    with open(download_info.value.path(), encoding="utf-8") as downloaded:
        assert downloaded.read().startswith("NOT READY: the platform needs new evidence.")
    assert "The text is the same as round 1" in page.locator("#follow-up-changes").inner_text()

    # A new file: the badge turns without a reload, and the review step no longer warns.
    _go_to_step(page, "4. Evidence", "Evidence")
    _mark_page(page)
    page.get_by_label("Add files").set_input_files(
        {"name": "brand-letter.png", "mimeType": "image/png", "buffer": png_bytes(colour=(240, 200, 20))}
    )
    page.get_by_text('Added "brand-letter.png"').wait_for()
    page.wait_for_function("() => !document.querySelector('#readiness-badge').innerText.includes('No new evidence')")
    assert "brand-letter.png" in page.locator("#follow-up-changes").inner_text()
    page.get_by_label("What brand-letter.png proves").fill("Letter from the brand owner authorizing our sales")
    page.locator(".evidence-item", has_text="brand-letter.png").get_by_role("button", name="Save caption").click()
    page.locator(".evidence-item", has_text="brand-letter.png").get_by_text("Saved", exact=True).wait_for()
    assert _still_same_page(page)
    page.check()

    page.get_by_role("button", name="Continue to review →").click()
    page.get_by_role("heading", name="Review and submit").wait_for()
    page.check()
    assert page.get_by_text("Not ready: the platform needs new evidence.").count() == 0
    assert "Not ready" not in _badge(page)
    score = int(re.search(r"(\d+) / 100", _badge(page)).group(1))
    assert score >= 80
    page.get_by_role("button", name="Mark as submitted").click()
    page.wait_for_url(re.compile(rf"/violations/{violation.pk}/$"))
    page.get_by_text("Appeal marked as submitted").wait_for()
    follow_up.refresh_from_db()
    assert follow_up.status == Appeal.Status.UNDER_REVIEW


@pytest.mark.django_db(transaction=True)
def test_readiness_badge_follows_upload_caption_and_removal_without_reload(browser_page, org, member, shop):
    violation = ViolationFactory(account=shop, reference="VR-LIVE", kind="listing_removal", policy="Trademark")
    ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value="12345")
    appeal = appeal_start(violation=violation, by=member)
    appeal = appeal_save_step(
        appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=appeal.version
    )
    appeal_save_step(
        appeal_id=appeal.pk,
        step=2,
        data={
            "rule_cited": "Trademark",
            "rule_explanation": "We bought the units from the brand's authorized US distributor.",
            "explanation": "",
        },
        by=member,
        version=appeal.version,
    )

    page = browser_page
    log_in(page, "member@acme.test")
    page.goto(f"/appeals/{appeal.pk}/step/4/")
    page.get_by_role("heading", name="Evidence", exact=True).wait_for()
    page.check()
    assert "No evidence is attached" in _badge(page)
    before = _badge(page)
    _mark_page(page)

    page.get_by_label("Add files").set_input_files(
        {"name": "label.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_text('Added "label.png"').wait_for()
    page.wait_for_function("() => !document.querySelector('#readiness-badge').innerText.includes('No evidence')")
    after_upload = _badge(page)
    assert after_upload != before
    assert _still_same_page(page)

    assert "without a caption" in after_upload
    page.get_by_label("What label.png proves").fill("Product label showing the brand")
    page.locator(".evidence-item", has_text="label.png").get_by_role("button", name="Save caption").click()
    page.locator(".evidence-item", has_text="label.png").get_by_text("Saved", exact=True).wait_for()
    page.wait_for_function("(old) => document.querySelector('#readiness-badge').innerText !== old", arg=after_upload)
    assert "Ready" in _badge(page) and "100 / 100" in _badge(page)
    assert _still_same_page(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".evidence-item", has_text="label.png").get_by_role("button", name="Remove").click()
    page.wait_for_function("() => document.querySelector('#readiness-badge').innerText.includes('No evidence')")
    assert _still_same_page(page)
    page.check()
