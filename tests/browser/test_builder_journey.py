"""A member goes from a violation to a submitted appeal with evidence, in a real browser."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from appeals.models import Appeal, ViolationItem
from appeals.services.checklists import checklist_install_defaults
from tests.factories import ViolationFactory


def _log_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_violation_to_submitted_appeal(browser_page, org, member, shop):
    checklist_install_defaults(org)
    violation = ViolationFactory(account=shop, reference="VR-4242", policy="Intellectual property: trademark")
    ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value="12345")
    page = browser_page
    _log_in(page, "member@acme.test")

    page.goto(f"/violations/{violation.pk}/")
    page.get_by_role("button", name="Start appeal").click()
    page.get_by_role("heading", name="What outcome do you want?").wait_for()
    page.check()
    page.get_by_label("The outcome you want, in one sentence").fill(
        "Reinstate the listing for SKU 12345: the trademark rule cited does not apply."
    )
    page.get_by_role("button", name="Save and continue →").click()
    page.get_by_role("heading", name="Which rule was misapplied, and why?").wait_for()
    page.check()
    assert page.get_by_label("The rule you believe was misapplied").input_value() == "Intellectual property: trademark"
    page.get_by_label("Why it does not apply, briefly").fill("We sell genuine goods from the authorized distributor.")
    page.get_by_role("button", name="Save and continue →").click()
    page.get_by_role("heading", name="The IDs the reviewer needs").wait_for()
    page.check()
    assert page.get_by_label("SKU IDs").input_value() == "12345"
    page.get_by_role("button", name="Save and continue →").click()
    page.get_by_role("heading", name="Evidence", exact=True).wait_for()
    assert page.get_by_text("Trademark registration certificate").is_visible()
    page.check()

    # Two files at once: one good, one refused; the good one stays.
    page.get_by_label("Add files").set_input_files(
        [
            {"name": "label.png", "mimeType": "image/png", "buffer": _png()},
            {"name": "evil.png", "mimeType": "image/png", "buffer": b"MZ" + b"\x00" * 200},
        ]
    )
    page.get_by_text('Added "label.png"').wait_for()
    assert page.get_by_text("is not an accepted file type").is_visible()
    page.get_by_label("What label.png proves").fill("Product label showing the brand")
    page.get_by_role("button", name="Save caption").click()
    page.get_by_text("Saved", exact=True).wait_for()
    page.check()

    page.get_by_role("button", name="Continue to review →").click()
    page.get_by_role("heading", name="Review and submit").wait_for()
    text = page.locator("#final-text").input_value()
    assert text.startswith("Reinstate the listing for SKU 12345")
    assert "1. Product label showing the brand (label.png)" in text
    assert page.locator(".readiness").is_visible()
    page.check()

    page.get_by_label("Platform's appeal reference (optional)").fill("AP-777")
    page.get_by_role("button", name="Mark as submitted").click()
    page.wait_for_url(re.compile(rf"/violations/{violation.pk}/$"))
    page.get_by_text("Appeal marked as submitted").wait_for()
    page.check()
    appeal = Appeal.objects.get(violation=violation)
    assert appeal.status == Appeal.Status.UNDER_REVIEW
    assert appeal.platform_reference == "AP-777"
    assert appeal.final_text == text
