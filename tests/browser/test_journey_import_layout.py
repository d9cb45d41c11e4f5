"""Journey: a team imports its own spreadsheet layout. A CSV with foreign headers goes through the column
matching (guessed columns, a wrong choice refused at its field), the preview and the import; the same
file again goes straight to the preview through the saved profile."""

from __future__ import annotations

import re

import pytest

from appeals.models import ImportProfile, Violation
from tests.browser.helpers import log_in

LAYOUT = (
    "Violation ID,Shop ID,Violation Type,Violation Reason,Violation Date,SKU ID,Points\n"
    "VR-LAY-1,7495001122,listing_removal,Counterfeit goods,13/03/2026,A1;A2,2\n"
    "VR-LAY-2,7495001122,listing_removal,IP: trademark,02/03/2026,B1,0\n"
)


def upload(page) -> None:
    page.goto("/violations/import/")
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "seller-center.csv", "mimeType": "text/csv", "buffer": LAYOUT.encode()}
    )
    page.get_by_role("button", name="Check the file").click()


@pytest.mark.django_db(transaction=True)
def test_foreign_headers_mapped_once_then_reused(browser_page, org, member, shop):
    page = browser_page
    log_in(page, "member@acme.test")
    upload(page)
    page.get_by_role("heading", name=re.compile("Match the columns of seller-center.csv")).wait_for()
    page.check()
    # The columns were guessed from the headers, with examples from the file.
    reference = page.get_by_label("Violation reference")
    assert "Violation ID (e.g. VR-LAY-1, VR-LAY-2)" in reference.locator("option:checked").inner_text()
    assert page.get_by_label("Enforced date").locator("option:checked").inner_text().startswith("Violation Date")

    # One file column for two fields is refused at the field, and nothing is imported.
    page.get_by_label("Notice text").select_option(label="Violation Reason (e.g. Counterfeit goods, IP: trademark)")
    page.get_by_role("button", name="Check the file with these columns").click()
    page.locator("#field-notice [role=alert]").get_by_text(re.compile("already matched")).wait_for()
    page.check()
    assert not Violation.objects.filter(reference__startswith="VR-LAY-").exists()

    page.get_by_label("Notice text").select_option(label="— not in this file —")
    page.get_by_label("Save this matching as").fill("Seller Center export")
    page.get_by_role("button", name="Check the file with these columns").click()
    page.get_by_role("button", name="Import 2 violations").wait_for()
    page.get_by_text("saved profile").wait_for()
    page.check()
    page.get_by_role("button", name="Import 2 violations").click()
    page.get_by_role("heading", name="Violations").wait_for()
    imported = Violation.objects.get(reference="VR-LAY-1")
    # 13/03/2026 in the column told the day comes first.
    assert imported.enforced_at.astimezone(org.zoneinfo).date().isoformat() == "2026-03-13"
    assert ImportProfile.objects.filter(organization=org, name="Seller Center export").exists()

    # The same layout again: no matching step, the preview says nothing changes.
    upload(page)
    page.get_by_text("Seller Center export").first.wait_for()
    assert "/columns/" not in page.url
    page.get_by_text(re.compile(r"to update, 2 unchanged")).wait_for()
    page.check()
