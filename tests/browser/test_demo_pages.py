"""Every main screen filled with the demo data (long names, many rows, charts) is accessible and fits a phone;
the dark theme's contrast is checked too."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from appeals.management.commands.load_demo import DEMO_EMAIL, DEMO_PASSWORD
from appeals.models import Appeal, Escalation, SupportTicket, Violation
from core.models import Organization
from tests.browser.conftest import check_page, open_page
from tests.browser.helpers import log_in


@pytest.mark.django_db(transaction=True)
def test_demo_screens_are_clean(chromium_browser, live_server):
    call_command("load_demo", stdout=io.StringIO())
    org = Organization.objects.get(memberships__user__email=DEMO_EMAIL)
    decided = Appeal.objects.filter(organization=org, decided_at__isnull=False).order_by("pk").first()
    draft = Appeal.objects.filter(organization=org, status=Appeal.Status.DRAFT).order_by("pk").first()
    account = decided.violation.account
    paths = [
        "/inbox/",
        "/violations/",
        "/violations/?status=under_review&sort=-enforced_at",
        f"/violations/{decided.violation_id}/",
        f"/violations/{decided.violation_id}/edit/",
        f"/violations/{decided.violation_id}/escalation-packet/",
        f"/appeals/{decided.pk}/step/5/",
        *(f"/appeals/{draft.pk}/step/{step}/" for step in range(1, 6)),
        "/accounts/",
        f"/accounts/{account.pk}/",
        "/tickets/",
        "/channel-guide/",
        "/appeal-templates/",
        "/checklists/",
        "/analytics/",
        "/analytics/appeals/",
        "/settings/",
        "/settings/members/",
        "/profile/",
        "/profile/tokens/",
        "/calendar/",
        "/reminders/failed/",
    ]
    if ticket := SupportTicket.objects.filter(organization=org).first():
        paths.append(f"/tickets/{ticket.pk}/")
    if escalation := Escalation.objects.filter(organization=org).first():
        paths.append(f"/violations/{escalation.violation_id}/")
    assert Violation.objects.filter(organization=org).count() > 10

    problems = []
    # One load of the demo data, three ways of seeing it (the dark theme on a laptop is enough).
    for size, colour_scheme in [("laptop", "light"), ("phone", "light"), ("laptop", "dark")]:
        page = open_page(chromium_browser, live_server.url, size=size, colour_scheme=colour_scheme)
        try:
            log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
            for path in paths:
                response = page.goto(path)
                if response.status != 200:
                    problems.append(f"{size} {colour_scheme} {path}: HTTP {response.status}")
                    continue
                try:
                    # The dark theme only changes colours: its contrast is what needs checking.
                    check_page(page, phone=page.phone, only=["color-contrast"] if colour_scheme == "dark" else None)
                except AssertionError as exc:
                    problems.append(f"{size} {colour_scheme}: {exc}")
        finally:
            page.context.close()
        page.watch.assert_clean()
    assert problems == [], "\n".join(problems)
