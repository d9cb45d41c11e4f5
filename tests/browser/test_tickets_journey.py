"""An agency member asks the channel guide, records the ticket it suggests, and tracks its SLA."""

from __future__ import annotations

import re

import pytest

from appeals.models import SupportTicket
from appeals.services.tickets import channel_rules_install


def _log_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


@pytest.mark.django_db(transaction=True)
def test_guide_to_ticket_to_sla(browser_page, org, manager, shop):
    org.is_agency = True
    org.save()
    channel_rules_install(org)
    page = browser_page
    _log_in(page, "manager@acme.test")

    page.goto("/channel-guide/")
    page.check()
    page.get_by_label("Partner acting for a shop").check()
    page.get_by_label("Yes, I can log in").check()
    page.get_by_label("Enforcement or violation").check()
    page.get_by_label("Which account? (optional)").select_option(str(shop.pk))
    page.get_by_role("button", name="Show the channel").click()
    page.get_by_role("heading", name="Use: Partner Center: support for a shop").wait_for()
    page.get_by_text("No authorization recorded").wait_for()  # once the answer naming the account is in
    page.check()

    page.get_by_role("link", name="Open a ticket record with this channel").first.click()
    page.wait_for_url(re.compile(r"/tickets/new/\?channel=partner_shop_chat"))
    assert page.get_by_text("No authorization recorded").is_visible()
    page.check()
    page.get_by_label("Subject").fill("Why was SKU 12345 removed?")
    page.get_by_label("Platform ticket number").fill("TT-555")
    page.get_by_role("button", name="Record ticket").click()
    page.get_by_role("heading", name="Why was SKU 12345 removed?").wait_for()
    page.check()
    ticket = SupportTicket.objects.get()
    assert ticket.channel == "partner_shop_chat"

    page.get_by_role("button", name="Support answered now").click()
    page.get_by_text("First response recorded.").wait_for()
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None

    page.goto("/tickets/")
    page.get_by_label("SLA").select_option("breached")
    page.get_by_text("No ticket matches these filters.").wait_for()
    assert "sla=breached" in page.url
    page.check()

    page.goto("/authorizations/")
    page.get_by_role("link", name=f"Edit authorization of {shop.name}").click()
    page.get_by_label("Authorized").check()
    page.get_by_label("Renew by").fill("2030-01-31")
    page.get_by_role("button", name="Save").click()
    page.locator(f"#auth-{shop.pk} .badge.valid").wait_for()
    page.check()
    shop.refresh_from_db()
    assert shop.authorized and str(shop.authorization_expires_on) == "2030-01-31"


@pytest.mark.django_db(transaction=True)
def test_owner_pages_are_clean(browser_page, org, owner, shop):
    from datetime import timedelta

    from django.utils import timezone

    from appeals.models import ChannelRule
    from appeals.services.tickets import ticket_create
    from tests.factories import ViolationFactory

    channel_rules_install(org)
    violation = ViolationFactory(account=shop)
    ticket = ticket_create(
        organization=org,
        account=shop,
        violation=violation,
        channel="seller_center_chat",
        subject="Chasing the late decision",
        opened_at=timezone.now() - timedelta(days=10),
    )
    page = browser_page
    _log_in(page, "owner@acme.test")
    rule = ChannelRule.objects.filter(organization=org).first()
    for path in [
        "/channel-guide/rules/",
        f"/channel-guide/rules/{rule.pk}/edit/",
        "/channel-guide/rules/new/",
        f"/tickets/{ticket.pk}/edit/",
        f"/tickets/{ticket.pk}/",
        "/tickets/",
        "/authorizations/",
        f"/authorizations/{shop.pk}/edit/",
    ]:
        page.goto(path)
        page.check()
    page.goto("/tickets/")
    assert page.locator(".badge.breached").first.is_visible()
    page.goto(f"/violations/{violation.pk}/")
    if page.locator("#case-tickets").count():
        assert page.locator("#case-tickets").get_by_text("Chasing the late decision").is_visible()
        page.check()
