"""Journeys: a notice into a case. Pasted on Record a violation, it fills the form (htmx) for review, then saves;
an .eml upload lands in "To review" (the inbox shows it), is checked on one screen and confirmed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appeals.models import NoticeIntake, Violation
from tests.browser.helpers import log_in

MAIL = Path(__file__).parent.parent / "fixtures" / "mail"
NOTICE = """Hi Seller,

Violation ID: VR7302938475
Violation reason: Prohibited products: weapons
Enforcement action: Product removed
Violation points: 4
Violation time: 2026/10/28 09:15
Shop ID: 7495001122
Product ID: 1729384756102938475
Questions? Call +1 (888) 555-0147.
"""


@pytest.mark.django_db(transaction=True)
def test_paste_review_save(browser_page, org, member, shop):
    page = browser_page
    log_in(page, "member@acme.test")
    page.goto("/violations/new/")
    page.get_by_label("Paste the notice").fill(NOTICE)
    # htmx fills the fields as the text arrives; each is marked for review.
    page.get_by_text(re.compile(r"Read from the notice: \d+ fields")).wait_for()
    assert page.get_by_label("Violation reference number").input_value() == "VR7302938475"
    assert page.get_by_label("Penalty points").input_value() == "4"
    assert "1729384756102938475" in page.get_by_label("Product IDs").input_value()
    assert page.locator("[data-from-notice]").count() >= 8
    assert Violation.objects.count() == 0
    page.check()
    page.get_by_label("Policy or rule cited").fill("Prohibited products: weapons (knife sharpener)")
    page.get_by_role("button", name="Record violation").click()
    page.get_by_role("heading", name="Violation VR7302938475").wait_for()
    violation = Violation.objects.get()
    assert violation.account == shop and violation.policy.endswith("(knife sharpener)")
    assert violation.penalty_points == 4 and "555-0147" in violation.notice


@pytest.mark.django_db(transaction=True)
def test_eml_upload_to_review_then_confirm(browser_page, org, member, shop):
    page = browser_page
    log_in(page, "member@acme.test")
    page.goto("/notices/")
    page.get_by_text("notices-").first.wait_for()
    page.get_by_label("Notice email (.eml)").set_input_files(str(MAIL / "multipart.eml"))
    page.get_by_role("button", name="Read the email").click()
    page.get_by_role("heading", name=re.compile("Review notice")).wait_for()
    intake = NoticeIntake.objects.get()
    assert intake.status == NoticeIntake.Status.TO_REVIEW

    # The inbox lists it to review.
    page.goto("/inbox/")
    page.locator("#group-to-review").get_by_role("link", name="Fwd: Violation notice: product removed").click()
    page.get_by_role("heading", name=re.compile("Review notice")).wait_for()
    assert page.get_by_label("Violation reference number").input_value() == "VR7318000888"
    page.get_by_text("notice.png").wait_for()
    page.check()
    page.get_by_label("Kind").select_option("listing_removal")
    page.get_by_role("button", name="Save the case").click()
    page.get_by_role("heading", name="Violation VR7318000888").wait_for()
    violation = Violation.objects.get()
    assert violation.attachments.count() == 1
    intake.refresh_from_db()
    assert intake.status == NoticeIntake.Status.CONFIRMED
    page.goto("/inbox/")
    assert page.locator("#group-to-review").count() == 0
