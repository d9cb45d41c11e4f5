"""Support tickets: SLA deadlines on the business calendar, SLA status, the service rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.models import SupportChannel, SupportTicket, TimelineEvent, TimelineVerb
from appeals.selectors.tickets import (
    Sla,
    TicketFilters,
    at_risk_threshold,
    sla_counts,
    ticket_sla,
    tickets_for_list,
    tickets_for_violation,
)
from appeals.services import ServiceError, StaleVersion
from appeals.services.tickets import (
    ticket_create,
    ticket_record_first_response,
    ticket_resolve,
    ticket_update,
)
from tests.factories import AccountFactory, AppealFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
FRIDAY_3PM = datetime(2026, 11, 20, 15, 0, tzinfo=NY)  # the Friday before Thanksgiving week


@pytest.fixture(autouse=True)
def after_thanksgiving():
    """Run "now" in mid-December 2026 so every fixed date below is in the past."""
    with time_machine.travel(datetime(2026, 12, 18, 12, 0, tzinfo=NY)):
        yield


def _ticket(org, account, *, opened_at=FRIDAY_3PM, **extra) -> SupportTicket:
    return ticket_create(
        organization=org,
        account=account,
        channel=SupportChannel.SELLER_CENTER_TICKET,
        subject="Why was SKU 12345 removed?",
        opened_at=opened_at,
        **extra,
    )


def test_deadlines_skip_the_weekend(org, shop):
    ticket = _ticket(org, shop)
    # 24 business hours of 8 a day from Fri 15:00: Fri 2h, Mon 8h, Tue 8h, Wed 6h → Wed 15:00.
    assert ticket.first_response_due_at == datetime(2026, 11, 25, 15, 0, tzinfo=NY)


def test_resolution_deadline_skips_weekend_and_thanksgiving(org, shop):
    ticket = _ticket(org, shop)
    # 48 business hours: Fri 2h, Mon 8 (10), Tue 8 (18), Wed 8 (26), Thu 26 Nov is Thanksgiving (skipped),
    # Fri 27 8 (34), Mon 30 8 (42), Tue 1 Dec 6h → 15:00.
    assert ticket.resolution_due_at == datetime(2026, 12, 1, 15, 0, tzinfo=NY)


def test_first_response_deadline_across_thanksgiving_and_weekend(org, shop):
    opened = datetime(2026, 11, 25, 10, 0, tzinfo=NY)  # Wednesday before Thanksgiving
    ticket = _ticket(org, shop, opened_at=opened)
    # Wed 7h (10-17), Thu holiday, Fri 8h (15), Sat/Sun, Mon 8h (23), Tue 1h → Tue 1 Dec 10:00.
    assert ticket.first_response_due_at == datetime(2026, 12, 1, 10, 0, tzinfo=NY)


def test_deadlines_follow_organization_settings(org, shop):
    org.ticket_first_response_hours = 4
    org.ticket_resolution_hours = 16
    org.save()
    ticket = _ticket(org, shop)
    assert ticket.first_response_due_at == datetime(2026, 11, 23, 11, 0, tzinfo=NY)
    assert ticket.resolution_due_at == datetime(2026, 11, 24, 15, 0, tzinfo=NY)


def test_opened_outside_hours_starts_counting_at_next_opening(org, shop):
    saturday = datetime(2026, 11, 21, 20, 0, tzinfo=NY)
    ticket = _ticket(org, shop, opened_at=saturday)
    assert ticket.first_response_due_at == datetime(2026, 11, 25, 17, 0, tzinfo=NY)


def test_changing_opened_at_recomputes_deadlines(org, shop, member):
    ticket = _ticket(org, shop)
    updated = ticket_update(
        ticket_id=ticket.pk, version=ticket.version, by=member, opened_at=datetime(2026, 11, 23, 9, 0, tzinfo=NY)
    )
    assert updated.first_response_due_at == datetime(2026, 11, 25, 17, 0, tzinfo=NY)
    assert updated.version == ticket.version + 1


def test_other_edits_keep_deadlines(org, shop, member):
    ticket = _ticket(org, shop)
    org.ticket_first_response_hours = 2
    org.save()
    updated = ticket_update(ticket_id=ticket.pk, version=ticket.version, by=member, subject="New subject")
    assert updated.first_response_due_at == ticket.first_response_due_at
    assert updated.subject == "New subject"


def test_stale_version_is_refused(org, shop, member):
    ticket = _ticket(org, shop)
    ticket_update(ticket_id=ticket.pk, version=ticket.version, by=member, notes="first")
    with pytest.raises(StaleVersion):
        ticket_update(ticket_id=ticket.pk, version=ticket.version, by=member, notes="second")
    assert SupportTicket.objects.get(pk=ticket.pk).notes == "first"


@pytest.mark.parametrize("field", ["first_response_at", "resolved_at"])
def test_times_before_opening_are_field_errors(org, shop, field):
    with pytest.raises(ServiceError) as exc:
        _ticket(org, shop, **{field: FRIDAY_3PM - timedelta(minutes=1)})
    assert exc.value.field == field
    assert not SupportTicket.objects.exists()


def test_update_rejects_first_response_before_opening(org, shop, member):
    ticket = _ticket(org, shop)
    with pytest.raises(ServiceError) as exc:
        ticket_update(
            ticket_id=ticket.pk, version=ticket.version, by=member, first_response_at=FRIDAY_3PM - timedelta(hours=1)
        )
    assert exc.value.field == "first_response_at"


def test_resolution_counts_as_first_response(org, shop):
    resolved = FRIDAY_3PM + timedelta(hours=1)
    ticket = _ticket(org, shop, resolved_at=resolved)
    assert ticket.first_response_at == resolved


def test_account_of_another_organization_is_refused(org, other_org):
    foreign = AccountFactory(organization=other_org)
    with pytest.raises(ServiceError) as exc:
        _ticket(org, foreign)
    assert exc.value.field == "account"


def test_case_of_another_account_is_refused(org, shop, creator_account):
    violation = ViolationFactory(account=creator_account)
    with pytest.raises(ServiceError) as exc:
        _ticket(org, shop, violation=violation)
    assert exc.value.field == "violation"


def test_linked_ticket_writes_the_case_timeline(org, shop, member):
    violation = ViolationFactory(account=shop)
    appeal = AppealFactory(violation=violation)
    ticket = _ticket(org, shop, appeal=appeal, by=member)
    assert ticket.violation == violation
    event = TimelineEvent.objects.get(violation=violation)
    assert event.verb == TimelineVerb.TICKET_OPENED
    assert event.data["ticket"] == ticket.pk
    ticket_update(ticket_id=ticket.pk, version=ticket.version, by=member, notes="Chased by chat")
    assert TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.TICKET_UPDATED).count() == 1


# SLA status over time


def _status(org, ticket_pk: int) -> str:
    return tickets_for_list(org).get(pk=ticket_pk).sla


def test_sla_status_transitions(org, shop, member):
    ticket = _ticket(org, shop)
    due = ticket.first_response_due_at  # Wed 25 Nov 15:00
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=NY), tick=False):
        assert _status(org, ticket.pk) == Sla.ON_TIME
    with time_machine.travel(due - timedelta(hours=4, minutes=1), tick=False):
        assert _status(org, ticket.pk) == Sla.ON_TIME
    with time_machine.travel(due - timedelta(hours=4), tick=False):
        assert _status(org, ticket.pk) == Sla.AT_RISK
    # Tuesday 16:30: 4 business hours later is Wednesday 12:30, before the 15:00 deadline.
    with time_machine.travel(datetime(2026, 11, 24, 16, 30, tzinfo=NY), tick=False):
        assert _status(org, ticket.pk) == Sla.ON_TIME
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert _status(org, ticket.pk) == Sla.BREACHED


def test_answered_in_time_then_resolved_in_time_is_met(org, shop, member):
    ticket = _ticket(org, shop)
    with time_machine.travel(datetime(2026, 11, 25, 14, 0, tzinfo=NY), tick=False):
        ticket = ticket_record_first_response(ticket_id=ticket.pk, version=ticket.version, by=member)
    with time_machine.travel(datetime(2026, 11, 25, 16, 0, tzinfo=NY), tick=False):
        assert _status(org, ticket.pk) == Sla.ON_TIME
    with time_machine.travel(datetime(2026, 12, 1, 11, 0, tzinfo=NY), tick=False):
        assert _status(org, ticket.pk) == Sla.AT_RISK
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=NY), tick=False):
        ticket = ticket_resolve(ticket_id=ticket.pk, version=ticket.version, by=member)
    with time_machine.travel(datetime(2026, 12, 10, tzinfo=NY), tick=False):
        assert _status(org, ticket.pk) == Sla.MET
        assert tickets_for_list(org, filters=TicketFilters(state="resolved")).count() == 1


def test_late_first_response_stays_breached(org, shop, member):
    ticket = _ticket(org, shop)
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=NY), tick=False):
        ticket = ticket_record_first_response(ticket_id=ticket.pk, version=ticket.version, by=member)
        assert _status(org, ticket.pk) == Sla.BREACHED
        report = ticket_sla(ticket, now=ticket.first_response_at, threshold=at_risk_threshold(org))
        assert report.first_response == Sla.BREACHED
        assert report.resolution == Sla.ON_TIME


def test_sla_filter_and_counts(org, shop):
    on_time = _ticket(org, shop, opened_at=datetime(2026, 11, 30, 9, 0, tzinfo=NY))
    breached = _ticket(org, shop, opened_at=datetime(2026, 11, 2, 9, 0, tzinfo=NY))
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=NY), tick=False):
        assert list(tickets_for_list(org, filters=TicketFilters(sla=Sla.BREACHED))) == [breached]
        assert list(tickets_for_list(org, filters=TicketFilters(sla=Sla.ON_TIME))) == [on_time]
        assert sla_counts(org) == {Sla.ON_TIME: 1, Sla.AT_RISK: 0, Sla.BREACHED: 1}


def test_list_filters(org, shop, creator_account, other_org):
    violation = ViolationFactory(account=shop, reference="VR-777")
    a = _ticket(org, shop, violation=violation, platform_number="TT-123")
    b = ticket_create(
        organization=org,
        account=creator_account,
        channel=SupportChannel.CREATOR_CHAT,
        subject="Samples lost",
        opened_at=datetime(2026, 11, 10, 10, 0, tzinfo=NY),
    )
    AccountFactory(organization=other_org)
    _ticket(other_org, AccountFactory(organization=other_org))
    assert set(tickets_for_list(org)) == {a, b}
    assert list(tickets_for_list(org, filters=TicketFilters(account=creator_account.pk))) == [b]
    assert list(tickets_for_list(org, filters=TicketFilters(channel=SupportChannel.CREATOR_CHAT))) == [b]
    assert list(tickets_for_list(org, filters=TicketFilters(q="tt-12"))) == [a]
    assert list(tickets_for_list(org, filters=TicketFilters(q="VR-777"))) == [a]
    assert list(tickets_for_list(org, filters=TicketFilters(violation=violation.pk))) == [a]
    nov_20 = FRIDAY_3PM.date()
    assert list(tickets_for_list(org, filters=TicketFilters(opened_from=nov_20, opened_to=nov_20))) == [a]
    assert list(tickets_for_list(org, filters=TicketFilters(opened_to=datetime(2026, 11, 19).date()))) == [b]
    assert list(tickets_for_list(org, filters=TicketFilters(state="open"))) == [a, b]


def test_list_query_count_is_fixed(org, shop, django_assert_max_num_queries):
    for i in range(5):
        _ticket(org, shop, violation=ViolationFactory(account=shop), platform_number=str(i))
    with django_assert_max_num_queries(2):
        rows = list(tickets_for_list(org))
        assert all(r.violation.reference and r.account.name for r in rows)


def test_case_tickets_have_sla(org, shop):
    violation = ViolationFactory(account=shop)
    ticket = _ticket(org, shop, violation=violation)
    _ticket(org, shop)
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=NY), tick=False):
        rows = tickets_for_violation(org, violation)
    assert [(t, s.status) for t, s in rows] == [(ticket, Sla.ON_TIME)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.one_of(st.none(), st.integers(min_value=0, max_value=300)),
    resolved=st.one_of(st.none(), st.integers(min_value=0, max_value=300)),
    now=st.integers(min_value=0, max_value=400),
)
def test_database_status_matches_python_status(org, shop, first, resolved, now):
    """The list's SQL annotation and the detail page's Python answer never disagree."""
    ticket = SupportTicket.objects.filter(account=shop).first() or _ticket(org, shop)
    hours = timedelta(hours=1)
    first_at = None if first is None else FRIDAY_3PM + first * hours
    resolved_at = None if resolved is None else FRIDAY_3PM + resolved * hours
    if resolved_at is not None and (first_at is None or first_at > resolved_at):
        first_at = resolved_at
    SupportTicket.objects.filter(pk=ticket.pk).update(first_response_at=first_at, resolved_at=resolved_at)
    ticket.refresh_from_db()
    moment = FRIDAY_3PM + now * hours
    row = tickets_for_list(org, now=moment).get(pk=ticket.pk)
    report = ticket_sla(ticket, now=moment, threshold=at_risk_threshold(org, moment))
    assert row.sla == report.status
    if resolved_at is not None:
        assert report.status in {Sla.MET, Sla.BREACHED}
