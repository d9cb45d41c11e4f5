"""The analytics facts stored on Appeal (copies of the violation's attributes, notice and decision days) always
equal what they are computed from, whichever service, import or migration writes them."""

from __future__ import annotations

import importlib
import io
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from appeals import imports
from appeals.imports import parse_violations_csv
from appeals.models import Appeal
from appeals.services.appeals import FACT_FIELDS, appeal_analytics_facts
from appeals.services.outcomes import outcome_record
from appeals.services.violations import violation_assign, violation_update, violations_import
from core.services import closed_date_add, closed_date_remove, organization_update
from core.signals import business_calendar_changed
from tests.factories import AccountFactory, ViolationFactory
from tests.outcomes_helpers import submitted_appeal
from tests.test_analytics import S, local, make_appeal
from tests.test_imports import HEADER, good_line


def stored(appeal: Appeal) -> dict:
    appeal.refresh_from_db()
    return {name: getattr(appeal, name) for name in FACT_FIELDS}


def truth(appeal: Appeal) -> dict:
    appeal = Appeal.objects.select_related("violation", "organization").get(pk=appeal.pk)
    return appeal_analytics_facts(appeal, appeal.violation, appeal.organization.business_calendar())


def test_factory_appeal_has_its_facts(org, shop, member):
    # Enforced Sunday 1 March (local), submitted Tuesday 3 March: 2 calendar days.
    appeal = make_appeal(
        org,
        status=S.REVERSED,
        enforced_at=local(2026, 3, 1, 23, 30),
        submitted_at=local(2026, 3, 3, 0, 30),
        decided_at=local(2026, 3, 9),
        account=shop,
        kind="listing_removal",
        policy="Counterfeit",
        assignee=member,
    )
    assert stored(appeal) == {
        "violation_kind": "listing_removal",
        "violation_policy": "Counterfeit",
        "violation_account_id": shop.pk,
        "violation_assignee_id": member.pk,
        "notice_days": 2,
        "decision_business_days": 4,  # Wed, Thu, Fri, Mon
    }


def test_decision_days_skip_the_organizations_holidays(org, shop, member):
    # Submitted Thursday 2 July 2026; Friday 3 July is the observed Independence Day holiday.
    appeal = submitted_appeal(shop, submitted_at=local(2026, 7, 2, 10))
    outcome_record(
        appeal_id=appeal.pk, by=member, outcome=S.UPHELD, decided_at=local(2026, 7, 6, 9), version=appeal.version
    )
    assert stored(appeal)["decision_business_days"] == 1
    assert stored(appeal) == truth(appeal)


def test_case_edits_and_assignments_follow_to_the_appeals(org, shop, creator_account, member):
    appeal = make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 9), account=shop)
    violation = appeal.violation
    violation = violation_update(
        violation=violation,
        by=member,
        version=violation.version,
        kind="content_restriction",
        policy="Community guidelines",
        account=creator_account,
        enforced_at=local(2026, 2, 20),
    )
    facts = stored(appeal)
    assert (facts["violation_kind"], facts["violation_policy"], facts["violation_account_id"]) == (
        "content_restriction",
        "Community guidelines",
        creator_account.pk,
    )
    assert facts["notice_days"] == 15  # 20 Feb to 7 Mar
    violation_assign(violation=violation, assignee=member, by=member)
    assert stored(appeal)["violation_assignee_id"] == member.pk
    violation_assign(violation=violation, assignee=None, by=member)
    assert stored(appeal) == truth(appeal)


def test_deleting_the_assignee_clears_the_copy(org, shop):
    from tests.factories import UserFactory

    someone = UserFactory()
    appeal = make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 9), account=shop, assignee=someone)
    someone.delete()
    assert stored(appeal)["violation_assignee_id"] is None


def test_import_updates_follow_to_the_appeals(org, shop, member):
    def run(**changes):
        content = f"{HEADER}\n{good_line(**changes)}\n".encode()
        parsed = parse_violations_csv(
            io.BytesIO(content), accounts=imports.account_lookup(org.accounts.all()), timezone=org.timezone
        )
        assert parsed.ok, parsed.errors
        return violations_import(organization=org, rows=parsed.rows, by=member)

    run()
    violation = shop.violations.get(reference="VR1")
    appeal = submitted_appeal(shop, violation=violation, submitted_at=datetime(2026, 3, 10, 15, tzinfo=UTC))
    assert stored(appeal)["violation_policy"] == "IP: trademark"
    assert run(kind="order_action", policy="IP: counterfeit", enforced_at="2026-03-05").updated == 1
    facts = stored(appeal)
    assert (facts["violation_kind"], facts["violation_policy"], facts["notice_days"]) == (
        "order_action",
        "IP: counterfeit",
        5,
    )
    assert facts == truth(appeal)


def test_migration_backfill_matches_the_services(org, shop, member):
    other = AccountFactory(organization=org)
    appeals = [
        make_appeal(org, status=S.REVERSED, decided_at=local(2026, 7, 6), submitted_at=local(2026, 7, 2), account=shop),
        make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 3), account=other, assignee=member),
        make_appeal(org, status=S.DRAFT, violation=ViolationFactory(account=shop)),
    ]
    expected = [stored(a) for a in appeals]
    Appeal.objects.update(
        violation_kind="",
        violation_policy="",
        violation_account=None,
        violation_assignee=None,
        notice_days=None,
        decision_business_days=None,
    )
    migration = importlib.import_module("appeals.migrations.0008_analytics_facts")
    migration.backfill(django_apps, SimpleNamespace(connection=connection))  # it only uses the connection
    assert [stored(a) for a in appeals] == expected


@pytest.mark.parametrize("filters", [{}, {"kind": "order_action"}, {"assignee": "none"}])
def test_drill_down_counts_match_the_dashboard(org, shop, member, filters):
    from appeals.selectors.analytics import AnalyticsFilters, analytics_dashboard, appeals_for_drilldown

    for i, notice in enumerate([0, 1, 3, 9, 40]):
        make_appeal(
            org,
            status=[S.REVERSED, S.UPHELD][i % 2],
            enforced_at=local(2026, 3, 1),
            submitted_at=local(2026, 3, 1) + timedelta(days=notice),
            decided_at=local(2026, 4, 15),
            account=shop,
            kind="order_action" if i % 2 else "listing_removal",
            assignee=member if i % 3 else None,
        )
    span = (local(2026, 4, 1).date(), local(2026, 4, 30).date())
    f = AnalyticsFilters.from_mapping(filters)
    data = analytics_dashboard(org, *span, f, now=local(2026, 5, 1))
    for row in data["breakdowns"]["notice"]:
        qs = appeals_for_drilldown(org, *span, f, dimensions={"notice": row["key"]})
        assert qs.count() == row["rate"].decided, row["key"]


@pytest.mark.postgres
def test_seed_demo_fills_the_facts(db):
    from django.core.management import call_command

    call_command("seed_demo", orgs=2, violations=60, stdout=io.StringIO())
    appeals = list(Appeal.objects.all()[:40])
    assert appeals
    assert [stored(a) for a in appeals] == [truth(a) for a in appeals]


# --- The organization's calendar changes ------------------------------------------------------------------------


def test_closing_and_reopening_a_date_recounts_the_reviews_that_span_it(org, shop, other_org):
    # Submitted Monday 9 March, decided Friday 13 March: Tue, Wed, Thu, Fri.
    spanning = make_appeal(org, status=S.UPHELD, submitted_at=local(2026, 3, 9), decided_at=local(2026, 3, 13))
    # Decided Wednesday 11 March, before the closed Thursday.
    before = make_appeal(org, status=S.UPHELD, submitted_at=local(2026, 3, 9), decided_at=local(2026, 3, 11))
    # Submitted on the closed day itself: it is not one of the days counted.
    from_it = make_appeal(org, status=S.UPHELD, submitted_at=local(2026, 3, 12), decided_at=local(2026, 3, 16))
    elsewhere = make_appeal(other_org, status=S.UPHELD, submitted_at=local(2026, 3, 9), decided_at=local(2026, 3, 13))
    assert [stored(a)["decision_business_days"] for a in (spanning, before, from_it, elsewhere)] == [4, 2, 2, 4]

    closed = closed_date_add(organization=org, date=date(2026, 3, 12), note="Team offsite")
    assert [stored(a)["decision_business_days"] for a in (spanning, before, from_it, elsewhere)] == [3, 2, 2, 4]
    assert all(stored(a) == truth(a) for a in (spanning, before, from_it, elsewhere))

    closed_date_remove(organization=org, closed_date_id=closed.pk)
    assert stored(spanning)["decision_business_days"] == 4
    assert stored(spanning) == truth(spanning)


def test_new_working_days_recount_every_decided_appeal(org, shop):
    # Submitted Friday 6 March, decided Monday 9 March: only Monday counts until Saturdays are working days.
    appeal = make_appeal(org, status=S.REVERSED, submitted_at=local(2026, 3, 6), decided_at=local(2026, 3, 9))
    pending = make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 6))
    assert stored(appeal)["decision_business_days"] == 1

    organization_update(organization=org, working_days=[1, 2, 3, 4, 5, 6])
    assert stored(appeal)["decision_business_days"] == 2
    assert stored(appeal) == truth(appeal)
    assert stored(pending)["decision_business_days"] is None


def test_a_new_timezone_recounts_notice_days(org, shop):
    # Enforced 23:30 New York on Sunday 1 March is Monday 2 March in Tokyo; submitted Tuesday 3 March 20:00
    # New York is Wednesday 4 March in Tokyo: 2 days either way, but an enforcement at 09:00 is not.
    late = make_appeal(
        org, status=S.UNDER_REVIEW, enforced_at=local(2026, 3, 1, 23, 30), submitted_at=local(2026, 3, 3, 8)
    )
    assert stored(late)["notice_days"] == 2

    organization_update(organization=org, timezone="Asia/Tokyo")
    # In Tokyo: enforced Monday 2 March 13:30, submitted Tuesday 3 March 22:00.
    assert stored(late)["notice_days"] == 1
    assert stored(late) == truth(late)


def test_settings_that_leave_the_calendar_alone_do_not_recount(org, shop):
    heard = []

    def listener(sender, organization, days, **kwargs):
        heard.append(days)

    business_calendar_changed.connect(listener)
    try:
        organization_update(organization=org, name="Acme Shop Ltd", closes_at=time(18, 0), working_days=[5, 4, 3, 2, 1])
        assert heard == []
        organization_update(organization=org, holiday_country="gb")
        assert heard == [None]
    finally:
        business_calendar_changed.disconnect(listener)


def test_a_calendar_change_recounts_an_organization_with_many_appeals(org, shop):
    appeals = [
        make_appeal(
            org, status=S.UPHELD, submitted_at=local(2026, 3, 2) + timedelta(days=n % 5), decided_at=local(2026, 3, 20)
        )
        for n in range(12)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("appeals.services.appeals.FACT_REFRESH_CHUNK", 5)  # several chunks of writes
        organization_update(organization=org, working_days=[1, 2, 3, 4])
    assert all(stored(a) == truth(a) for a in appeals)
    assert {stored(a)["decision_business_days"] for a in appeals} == {8, 9, 10, 11}
