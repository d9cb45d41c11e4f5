"""The markets migration on a copy of the demo database: every case gets version 1 of its market, no stored
deadline changes, and recounting the open cases on their platform clocks moves nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from appeals.models import Appeal, Escalation, SupportTicket, Violation
from appeals.services.recompute import recompute_preview
from core.market_models import RuleVersion
from core.models import Organization

BEFORE = [("appeals", "0015_notice_intake"), ("core", "0005_security_events")]


def _deadlines() -> dict:
    return {
        "violations": dict(Violation.objects.values_list("pk", "appeal_by")),
        "next": dict(Violation.objects.values_list("pk", "next_deadline_at")),
        "appeals": dict(Appeal.objects.values_list("pk", "due_at")),
        "escalations": dict(Escalation.objects.values_list("pk", "answer_due_at")),
        "tickets": {
            pk: (a, b)
            for pk, a, b in SupportTicket.objects.values_list("pk", "first_response_due_at", "resolution_due_at")
        },
    }


@pytest.mark.django_db(transaction=True)
def test_demo_data_keeps_every_deadline_through_the_markets_migration():
    call_command("load_demo", stdout=io.StringIO())
    before = _deadlines()
    assert len(before["violations"]) >= 175 and len(before["tickets"]) >= 2
    for app, target in BEFORE:
        call_command("migrate", app, target, stdout=io.StringIO(), verbosity=0)

    call_command("migrate", stdout=io.StringIO(), verbosity=0)

    assert _deadlines() == before
    organization = Organization.objects.get()
    versions = RuleVersion.objects.filter(organization=organization)
    markets = set(organization.accounts.values_list("market", flat=True))
    assert set(versions.values_list("market", flat=True)) == markets
    assert set(versions.values_list("number", flat=True)) == {1}
    assert not Violation.objects.filter(rule_version=None).exists()
    assert not SupportTicket.objects.filter(rule_version=None).exists()
    # Version 1 follows the organization's settings: nothing of its own, so the rules are what they were.
    assert versions.filter(review_business_days=None, appeal_window_days=None, max_rounds=None).count() == len(markets)
    # Recounting every open case and ticket on its market's platform clock with its version moves nothing.
    assert recompute_preview(organization=organization) == 0
