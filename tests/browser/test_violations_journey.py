"""A member records a violation, finds it by SKU with the in-place filters, works the case, imports a CSV."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Violation, Watch
from tests.factories import ViolationFactory


def _log_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


@pytest.mark.django_db(transaction=True)
def test_record_find_work_import(browser_page, org, member, owner, shop, tmp_path):
    now = timezone.now()
    for i in range(3):
        ViolationFactory(account=shop, reference=f"OLD{i}", appeal_by=now + timedelta(days=2 + i))
    page = browser_page
    _log_in(page, "member@acme.test")
    page.get_by_role("heading", name="Inbox").wait_for()
    page.get_by_role("heading", name=re.compile("Appeal window closing")).wait_for()
    page.check()

    page.get_by_role("link", name="Record a violation").first.click()
    page.check()
    page.get_by_label("Account").select_option(str(shop.pk))
    page.get_by_label("Violation reference number").fill("VR-BROWSER-1")
    page.get_by_label("Policy or rule cited").fill("Intellectual property: trademark")
    page.get_by_label("SKU IDs").fill("SKU-998877; SKU-998878")
    page.get_by_role("button", name="Record violation").click()
    page.get_by_role("heading", name=re.compile("Violation VR-BROWSER-1")).wait_for()
    page.check()

    page.get_by_role("button", name="Watch this case").click()
    page.get_by_role("button", name="Stop watching").wait_for()
    assert Watch.objects.filter(user=member, violation__reference="VR-BROWSER-1").exists()

    page.goto("/violations/")
    page.check()
    page.get_by_label("Search").fill("SKU-9988")
    page.wait_for_url(re.compile(r"q=SKU-9988"))
    page.locator("#results").get_by_role("link", name="VR-BROWSER-1").wait_for()
    assert page.locator("#results").get_by_role("link", name="OLD0").count() == 0
    page.check()

    csv_path = tmp_path / "violations.csv"
    csv_path.write_text(
        "account,reference,kind,policy,enforced_at,sku_ids\n"
        f"{shop.external_id},VR-CSV-1,listing_removal,Counterfeit,2026-03-01,A1;A2\n"
    )
    page.goto("/violations/import/")
    page.check()
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("to create").wait_for()
    page.check()
    page.get_by_role("button", name=re.compile("Import 1 violation")).click()
    page.get_by_role("heading", name="Violations").wait_for()
    assert Violation.objects.filter(reference="VR-CSV-1").exists()
