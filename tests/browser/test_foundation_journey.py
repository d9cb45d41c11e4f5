"""An owner adds an account, edits settings, invites a teammate; every page clean and accessible on laptop and phone."""

from __future__ import annotations

import pytest

from appeals.models import Account
from core.models import Invitation, Role
from tests.factories import MembershipFactory


@pytest.mark.django_db(transaction=True)
def test_owner_journey_accounts_settings_members(browser_page):
    page = browser_page
    owner = MembershipFactory(role=Role.OWNER, user__email="owner@journey.test", organization__name="Journey Shop").user
    page.goto("/password/reset/")
    page.check()
    page.goto("/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/inbox/")

    page.goto("/accounts/")
    page.check()
    page.get_by_role("link", name="Add seller shop").first.click()
    page.check()
    page.get_by_label("Shop ID or creator username").fill("7495009999")
    page.get_by_label("Shop name or display name").fill("Journey US Shop")
    page.get_by_role("button", name="Add account").click()
    page.get_by_role("heading", name="Journey US Shop").wait_for()
    page.check()
    assert Account.objects.filter(external_id="7495009999").exists()

    page.goto("/settings/")
    page.check()
    page.get_by_label("State / region").fill("ZZ")
    page.get_by_role("button", name="Save settings").click()
    assert page.locator("#id_holiday_subdivision_error").is_visible()
    page.check()
    # An invalid form answers 400 on purpose; Chromium logs that status as a console error.
    page.watch.console_errors = [e for e in page.watch.console_errors if "status of 400" not in e]

    page.goto("/settings/members/")
    page.check()
    page.get_by_label("Email").fill("teammate@journey.test")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent").wait_for()
    page.check()
    assert Invitation.objects.filter(email="teammate@journey.test").exists()
