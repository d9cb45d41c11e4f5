"""Journey 5: a manager opens analytics, narrows the date range and the account, and drills into a number."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appeals.models import Appeal
from tests.browser.helpers import log_in, nav_to
from tests.factories import AppealFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
S = Appeal.Status


def decided(account, status: str, day: datetime, reference: str) -> Appeal:
    violation = ViolationFactory(account=account, reference=reference, enforced_at=day - timedelta(days=5))
    return AppealFactory(
        violation=violation,
        status=status,
        submitted_at=day - timedelta(days=2),
        due_at=day + timedelta(days=1),
        decided_at=day,
        readiness_score=80,
    )


@pytest.mark.django_db(transaction=True)
def test_manager_filters_analytics_and_drills_down(browser_page, org, manager, shop, creator_account):
    october = datetime(2026, 10, 14, 12, tzinfo=NY)
    for i, status in enumerate([S.REVERSED, S.REVERSED, S.REVERSED, S.UPHELD, S.UPHELD]):
        decided(shop, status, october + timedelta(days=i), f"SHOP-OCT-{i}")
    decided(creator_account, S.REVERSED, october, "CREATOR-OCT-0")
    decided(creator_account, S.REVERSED, october + timedelta(days=1), "CREATOR-OCT-1")
    decided(shop, S.UPHELD, datetime(2026, 9, 10, 12, tzinfo=NY), "SHOP-SEP-0")

    page = browser_page
    log_in(page, "manager@acme.test")
    nav_to(page, "Analytics")
    page.get_by_role("heading", name="Analytics", exact=True).wait_for()
    page.check()

    filters = page.get_by_role("search", name="Analytics filters")
    filters.get_by_label("From").fill("2026-10-01")
    filters.get_by_label("To").fill("2026-10-31")
    filters.get_by_label("Account").select_option(str(shop.pk))
    filters.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"date_from=2026-10-01.*account="))
    headline = page.locator(".stat", has=page.get_by_role("heading", name="Success rate"))
    headline.get_by_role("link", name="5 decided").wait_for()
    assert headline.get_by_role("link", name="3 reversed").is_visible()
    assert page.get_by_role("main").get_by_text("Acme US Shop").first.is_visible()
    page.check()

    headline.get_by_role("link", name="2 upheld").click()
    page.wait_for_url(re.compile(r"/analytics/appeals/\?.*outcome=upheld"))
    page.check()
    cases = page.locator("td[data-label=Case]").all_inner_texts()
    assert sorted(c.strip() for c in cases) == ["SHOP-OCT-3", "SHOP-OCT-4"]

    page.get_by_role("link", name="SHOP-OCT-3").click()
    page.get_by_role("heading", name=re.compile("SHOP-OCT-3")).first.wait_for()
    page.check()
    page.go_back()
    page.get_by_role("link", name="← Back to analytics").click()
    page.wait_for_url(re.compile(r"/analytics/\?.*date_from=2026-10-01"))
    assert filters.get_by_label("From").input_value() == "2026-10-01"
    assert filters.get_by_label("Account").input_value() == str(shop.pk)
    page.check()
