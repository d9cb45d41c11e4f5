"""Journey 1: sign up (by keyboard alone), add a seller shop and a creator account, try a wrong setting,
invite a teammate who accepts in their own browser and logs in."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from appeals.models import Account
from core.models import Membership, Role
from tests.browser.helpers import (
    PASSWORD,
    assert_focus_visible,
    check,
    ignore_expected_status,
    link_in_last_email,
    log_in,
    nav_to,
    tab_to,
)


@pytest.mark.django_db(transaction=True)
def test_sign_up_accounts_invite_and_teammate_joins(browser_page, chromium_browser, live_server):

    page = browser_page
    page.goto("/")
    page.check()
    page.goto("/signup/")
    page.check()

    # Keyboard only: Tab to the first field, type, Tab on, Enter submits; the focus ring shows on each field.
    tab_to(page, "#id_full_name")
    page.keyboard.type("Dana Founder")
    for field, text in [("#id_email", "dana@founder.test"), ("#id_password1", PASSWORD)]:
        page.keyboard.press("Tab")
        if not page.evaluate("s => document.activeElement.matches(s)", field):  # help links between fields
            tab_to(page, field)
        assert_focus_visible(page)
        page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your email").wait_for()
    page.check()
    # The address is confirmed from the email; then the organization is named.
    page.goto(link_in_last_email("dana@founder.test", "/auth/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/organizations/new/$"))
    page.check()
    page.get_by_label("Shop, creator or agency name").fill("Founder Goods")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/inbox/$"))
    page.get_by_text("Welcome! Add the shops").wait_for()
    page.check()
    founder = Membership.objects.get(user__email="dana@founder.test")
    assert founder.role == Role.OWNER and founder.organization.name == "Founder Goods"

    nav_to(page, "Accounts")
    page.wait_for_url(re.compile(r"/accounts/$"))
    page.check()
    page.get_by_role("link", name="Add seller shop").first.click()
    page.check()
    page.get_by_label("Shop ID or creator username").fill("7495123456")
    page.get_by_label("Shop name or display name").fill("Founder US Shop")
    page.get_by_role("button", name="Add account").click()
    page.get_by_role("heading", name="Founder US Shop").wait_for()
    page.check()

    page.goto("/accounts/")
    page.get_by_role("link", name="Add creator").first.click()
    page.check()
    page.get_by_label("Shop ID or creator username").fill("@dana.makes")
    page.get_by_label("Shop name or display name").fill("Dana Makes")
    page.get_by_role("button", name="Add account").click()
    page.get_by_role("heading", name="Dana Makes").wait_for()
    page.check()
    kinds = dict(Account.objects.filter(organization=founder.organization).values_list("name", "kind"))
    assert kinds == {"Founder US Shop": Account.Kind.SELLER_SHOP, "Dana Makes": Account.Kind.CREATOR}

    # Settings: a wrong holiday region is refused at the field (the page answers 400 on purpose).
    nav_to(page, "Settings")
    page.check()
    page.get_by_label("State / region").fill("ZZ")
    page.get_by_role("button", name="Save settings").click()
    assert page.locator("#id_holiday_subdivision_error").is_visible()
    page.check()
    ignore_expected_status(page, 400)

    page.goto("/settings/members/")
    page.check()
    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email").fill("sam@founder.test")
    invite.get_by_label("Role").select_option("member")
    invite.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent").wait_for()
    page.check()
    invite_path = link_in_last_email("sam@founder.test", "/invitations/")
    assert len(mail.outbox) == 2  # the address confirmation, the invitation

    # The teammate opens the link in their own browser, sets a name and password, joins, logs out and in again.
    teammate = chromium_browser.new_context(viewport=page.viewport_size, base_url=live_server.url)
    try:
        other = teammate.new_page()
        other.watch = page.watch
        page.watch.attach(other)
        other.phone = page.phone
        other.goto("/password/reset/")
        check(other)
        other.goto(invite_path)
        other.get_by_role("heading", name="Join Founder Goods").wait_for()
        check(other)
        other.get_by_label("Your name").fill("Sam Teammate")
        other.get_by_label("Password").fill("another-long-passphrase")
        other.get_by_role("button", name="Create account and join").click()
        other.wait_for_url(re.compile(r"/inbox/$"))
        other.get_by_text("Welcome to Founder Goods").wait_for()
        check(other)
        other.get_by_role("button", name="Log out").click()
        other.wait_for_url(re.compile(r"/login/"))
        log_in(other, "sam@founder.test", "another-long-passphrase")
        other.get_by_role("heading", name="Inbox").wait_for()
        check(other)
    finally:
        teammate.close()
    joined = Membership.objects.get(user__email="sam@founder.test")
    assert (joined.organization_id, joined.role) == (founder.organization_id, Role.MEMBER)
