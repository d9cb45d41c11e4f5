"""Journey 2: record a violation with the form, watch it, find it by an affected ID, then import a CSV with
one bad row, read the problem by line and column, fix the file and import it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Violation, Watch
from tests.browser.helpers import log_in, nav_to
from tests.factories import ViolationFactory

HEADER = "account,reference,kind,policy,enforced_at,penalty_points,sku_ids\n"


@pytest.mark.django_db(transaction=True)
def test_record_then_import_with_a_bad_row(browser_page, org, member, shop, creator_account):
    ViolationFactory(account=shop, reference="VR-J2-OLD", appeal_by=timezone.now() + timedelta(days=2))
    page = browser_page
    log_in(page, "member@acme.test")
    page.get_by_role("heading", name=re.compile("Appeal window closing")).wait_for()
    page.check()

    page.get_by_role("link", name="Record a violation").first.click()
    page.check()
    page.get_by_label("Account").select_option(str(creator_account.pk))
    page.get_by_label("Violation reference number").fill("VR-J2-FORM")
    page.get_by_label("Kind").select_option("penalty_points")
    page.get_by_label("Policy or rule cited").fill("Creator code of conduct: misleading claims")
    page.get_by_label("Video IDs").fill("VID-998877; VID-998878")
    page.get_by_role("button", name="Record violation").click()
    page.get_by_role("heading", name=re.compile("Violation VR-J2-FORM")).wait_for()
    page.check()
    assert Violation.objects.get(reference="VR-J2-FORM").account == creator_account

    page.get_by_role("button", name="Watch this case").click()
    page.get_by_role("button", name="Stop watching").wait_for()
    assert Watch.objects.filter(user=member, violation__reference="VR-J2-FORM").exists()

    # Find it by an affected ID with the in-place filters (htmx), the other case filtered out.
    nav_to(page, "Violations")
    page.check()
    page.get_by_label("Search").fill("VID-9988")
    page.wait_for_url(re.compile(r"q=VID-9988"))
    page.locator("#results").get_by_role("link", name="VR-J2-FORM").wait_for()
    assert page.locator("#results").get_by_role("link", name="VR-J2-OLD").count() == 0
    page.check()
    page.goto("/violations/import/")
    page.check()
    bad = (
        HEADER
        + f"{shop.external_id},VR-J2-1,listing_removal,Counterfeit,2026-03-01,2,A1;A2\n"
        + f"{shop.external_id},VR-J2-2,listing_removal,Counterfeit,not-a-date,0,B1\n"
        + f"{shop.external_id},VR-J2-3,shop_restriction,Late dispatch,2026-03-03,1,\n"
    )
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "violations.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("Nothing was imported.").wait_for()
    page.check()
    row = page.locator("tbody tr").filter(has=page.locator("td[data-label=Line]", has_text=re.compile(r"^3$"))).first
    assert row.locator("td[data-label=Column]").inner_text().strip() == "enforced_at"
    assert row.locator("td[data-label=Problem]").inner_text().strip()
    assert not Violation.objects.filter(reference__in=["VR-J2-1", "VR-J2-2", "VR-J2-3"]).exists()

    page.get_by_role("link", name="Upload the corrected file").click()
    page.check()
    fixed = bad.replace("not-a-date", "2026-03-02")
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "violations.csv", "mimeType": "text/csv", "buffer": fixed.encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 3 violations").wait_for()
    page.check()
    page.get_by_role("button", name="Import 3 violations").click()
    page.get_by_role("heading", name="Violations").wait_for()
    page.check()
    imported = Violation.objects.filter(reference__in=["VR-J2-1", "VR-J2-2", "VR-J2-3"])
    assert sorted(imported.values_list("reference", flat=True)) == ["VR-J2-1", "VR-J2-2", "VR-J2-3"]
    assert imported.get(reference="VR-J2-1").penalty_points == 2
