"""manage.py load_demo: realistic demo data on an empty database, nothing otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from appeals.models import KINDS_FOR_ACCOUNT, Account, Appeal, CaseStatus, SupportTicket, Violation
from core.models import Membership, Organization, Role, User
from tests.factories import OrganizationFactory


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_loads_an_agency_with_people_accounts_cases_and_prints_the_login():
    output = load_demo()
    organization = Organization.objects.get()
    assert organization.name == "Demo Agency"
    assert organization.is_agency
    roles = dict(Membership.objects.filter(organization=organization).values_list("user__email", "role"))
    assert roles["demo@appealdesk.local"] == Role.OWNER
    assert sorted(roles.values()) == sorted([Role.OWNER, Role.MANAGER, Role.MEMBER])
    assert User.objects.get(email="demo@appealdesk.local").check_password("appeal-desk-demo")
    assert "Demo login: demo@appealdesk.local / appeal-desk-demo" in output

    kinds = list(organization.accounts.values_list("kind", flat=True))
    assert kinds.count(Account.Kind.SELLER_SHOP) == 3
    assert kinds.count(Account.Kind.CREATOR) == 2
    planned = organization.violations.filter(reference__startswith="VIO-2026")
    assert planned.count() == 25  # the hand-written cases in every state, as before the history was added
    assert organization.violations.count() >= 175
    assert organization.violations.filter(items__isnull=False).distinct().count() >= 10


@pytest.mark.django_db
def test_the_cases_are_consistent():
    load_demo()
    violations = Violation.objects.prefetch_related("appeals", "escalations").select_related("account")
    statuses = set()
    for violation in violations:
        assert violation.status == Violation.derive_status(violation.appeals.all(), violation.escalations.all())
        assert violation.kind in KINDS_FOR_ACCOUNT[violation.account.kind]
        assert violation.appeal_by > violation.enforced_at
        statuses.add(violation.status)
        for appeal in violation.appeals.all():
            assert appeal.created_at >= violation.enforced_at
            if appeal.submitted_at:
                assert appeal.submitted_at >= appeal.created_at
                assert appeal.due_at > appeal.submitted_at
            if appeal.decided_at:
                assert appeal.decided_at > appeal.submitted_at
        assert violation.timeline.exists(), "every case has a history"
    assert {
        CaseStatus.NOT_APPEALED,
        CaseStatus.DRAFT,
        CaseStatus.UNDER_REVIEW,
        CaseStatus.REVERSED,
        CaseStatus.UPHELD,
        CaseStatus.ESCALATED,
    } <= statuses


@pytest.mark.django_db
def test_ticket_deadlines_follow_the_platform_clock():
    from core.markets import platform_clock
    from core.rules import ticket_rules

    load_demo()
    tickets = list(SupportTicket.objects.select_related("organization", "account", "rule_version"))
    assert len(tickets) >= 2
    for ticket in tickets:
        calendar = platform_clock(ticket.organization, ticket.account.market)
        hours = ticket_rules(ticket).ticket_first_response_hours
        assert ticket.rule_version is not None
        assert ticket.first_response_due_at == calendar.add_business_hours(ticket.opened_at, hours)
        assert ticket.opened_at < ticket.first_response_due_at < ticket.resolution_due_at


@pytest.mark.django_db
def test_running_twice_changes_nothing():
    load_demo()
    counts = (Violation.objects.count(), Appeal.objects.count(), User.objects.count())
    output = load_demo()
    assert "already has organizations" in output
    assert "Demo login" in output
    assert (Violation.objects.count(), Appeal.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
def test_a_database_in_use_is_left_alone():
    OrganizationFactory()
    output = load_demo()
    assert "already has organizations" in output
    assert "Demo login" not in output
    assert not Violation.objects.exists()
    assert not User.objects.filter(email="demo@appealdesk.local").exists()


@pytest.mark.django_db
def test_six_months_of_decided_appeals_tell_what_wins():
    from datetime import timedelta

    from django.utils import timezone
    from PIL import Image

    from appeals.models import Evidence
    from appeals.selectors.analytics import analytics_dashboard, default_range
    from appeals.services.appeals import appeal_readiness

    load_demo()
    organization = Organization.objects.get()
    decided = Appeal.objects.filter(organization=organization, status__in=Appeal.DECIDED)
    assert decided.count() >= 150
    first, last = decided.order_by("decided_at").first(), decided.order_by("decided_at").last()
    assert (last.decided_at - first.decided_at) >= timedelta(days=170)
    assert last.decided_at < timezone.now()

    # Readiness is the real check of each appeal's text and files, not a random number.
    for appeal in decided.select_related("violation", "organization").order_by("?")[:25]:
        assert appeal.readiness_score == appeal_readiness(appeal).score

    # Evidence files are real files of the type they claim.
    files = Evidence.objects.filter(organization=organization)
    assert files.count() >= 150
    assert set(files.values_list("category", flat=True)) == {"image", "document", "spreadsheet"}
    png = files.filter(content_type="image/png").first()
    with png.file.open("rb") as handle:
        assert Image.open(handle).size == (360, 200)
    with files.filter(content_type="application/pdf").first().file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # The dashboard's default range: figures with intervals, better appeals winning more, a trend with points.
    data = analytics_dashboard(organization, *default_range(organization))
    assert not data["overall"].too_few and data["overall"].interval is not None
    bands = {row["key"]: row["rate"] for row in data["breakdowns"]["readiness"]}
    assert not bands["80-100"].too_few and not bands["50-79"].too_few
    assert bands["80-100"].rate > bands["50-79"].rate
    evidence = {row["key"]: row["rate"] for row in data["breakdowns"]["ev_band"]}
    assert all(not rate.too_few for rate in evidence.values())
    assert evidence["2-3"].rate > evidence["0"].rate
    notice = {row["key"]: row["rate"] for row in data["breakdowns"]["notice"]}
    assert notice["0-2"].rate > notice["8-30"].rate
    assert data["success_trend_shown"]["judged"] >= 5

    # Six months of cases, yet no shop or creator reaches the platform's repeat-violation threshold.
    from appeals.services.violations import repeat_count

    for violation in Violation.objects.filter(organization=organization).select_related("account", "organization"):
        assert not repeat_count(violation=violation).warn, violation.reference
