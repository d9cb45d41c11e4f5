"""From a case, a member asks the channel guide where to go; the ticket it suggests opens pre-filled with the
account, the case and the appeal round, and saves linked to all three."""

from __future__ import annotations

import re

import pytest

from appeals.models import SupportTicket
from appeals.services.tickets import channel_rules_install
from tests.browser.helpers import log_in
from tests.factories import AppealFactory, ViolationFactory


@pytest.mark.django_db(transaction=True)
def test_guide_to_ticket_pre_filled_from_a_case(browser_page, org, member, shop):
    channel_rules_install(org)
    case = ViolationFactory(account=shop, reference="VR-GUIDE-1", policy="Counterfeit goods")
    AppealFactory(violation=case, round=1)
    page = browser_page
    log_in(page, member.email)

    page.goto(f"/violations/{case.pk}/")
    page.locator("#case-tickets").get_by_role("link", name="Which channel?").click()
    page.wait_for_url(re.compile(rf"/channel-guide/\?violation_pk={case.pk}"))
    page.locator("#guide-case").get_by_text("VR-GUIDE-1").wait_for()
    assert page.get_by_label("Seller", exact=True).is_checked()  # pre-answered from the case's shop
    assert page.get_by_label("Enforcement or violation").is_checked()
    page.check()

    page.get_by_label("Yes, I can log in").check()  # only the person knows: the htmx answer follows
    page.get_by_role("heading", name="Use: Seller Center live chat").wait_for()
    page.get_by_role("link", name="Open a ticket record with this channel").first.click()
    page.wait_for_url(re.compile(r"/tickets/new/\?channel=seller_center_chat&account_pk=\d+&violation_pk=\d+"))
    assert page.get_by_label("Account").input_value() == str(shop.pk)
    assert page.get_by_label("Case (violation reference number)").input_value() == "VR-GUIDE-1"
    assert page.get_by_label("Appeal round").input_value() == "1"
    assert page.get_by_label("Subject").input_value().startswith("Case VR-GUIDE-1")
    page.check()

    page.get_by_role("button", name="Record ticket").click()
    page.get_by_text("Ticket recorded.").wait_for()
    ticket = SupportTicket.objects.get()
    assert (ticket.account_id, ticket.violation_id, ticket.appeal.round) == (shop.pk, case.pk, 1)
    assert ticket.channel == "seller_center_chat"
