"""Ticket lists with SLA status, and the partner authorization overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from appeals.models import Account, ChannelRule, SupportTicket, Violation
from core.models import Organization

# A deadline closer than this many business hours puts the ticket at risk.
AT_RISK_BUSINESS_HOURS = 4


class Sla:
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"

    CHOICES = [(ON_TIME, "On time"), (AT_RISK, "At risk"), (BREACHED, "Breached"), (MET, "Met")]
    LABELS = dict(CHOICES)


def at_risk_threshold(organization: Organization, now: datetime | None = None) -> datetime:
    """Deadlines at or before this moment are within AT_RISK_BUSINESS_HOURS of now."""
    now = now or timezone.now()
    return organization.business_calendar().add_business_hours(now, AT_RISK_BUSINESS_HOURS)


def _breached_q(now: datetime) -> Q:
    return (
        Q(first_response_at__isnull=True, first_response_due_at__lt=now)
        | Q(first_response_at__gt=F("first_response_due_at"))
        | Q(resolved_at__isnull=True, resolution_due_at__lt=now)
        | Q(resolved_at__gt=F("resolution_due_at"))
    )


def _at_risk_q(threshold: datetime) -> Q:
    return Q(resolved_at__isnull=True) & (
        Q(first_response_at__isnull=True, first_response_due_at__lte=threshold) | Q(resolution_due_at__lte=threshold)
    )


def with_sla(queryset: QuerySet[SupportTicket], *, now: datetime, threshold: datetime) -> QuerySet[SupportTicket]:
    """Annotate `sla`: breached beats everything, a resolved ticket otherwise met its SLA."""
    return queryset.annotate(
        sla=Case(
            When(_breached_q(now), then=Value(Sla.BREACHED)),
            When(resolved_at__isnull=False, then=Value(Sla.MET)),
            When(_at_risk_q(threshold), then=Value(Sla.AT_RISK)),
            default=Value(Sla.ON_TIME),
            output_field=CharField(),
        )
    )


def _part_status(done: datetime | None, due: datetime, now: datetime, threshold: datetime) -> str:
    if done is not None:
        return Sla.MET if done <= due else Sla.BREACHED
    if due < now:
        return Sla.BREACHED
    if due <= threshold:
        return Sla.AT_RISK
    return Sla.ON_TIME


@dataclass(frozen=True)
class SlaReport:
    status: str
    first_response: str
    resolution: str

    @property
    def label(self) -> str:
        return Sla.LABELS[self.status]

    @property
    def first_response_label(self) -> str:
        return Sla.LABELS[self.first_response]

    @property
    def resolution_label(self) -> str:
        return Sla.LABELS[self.resolution]


def ticket_sla(ticket: SupportTicket, *, now: datetime, threshold: datetime) -> SlaReport:
    """The same answer as the `sla` annotation, plus each deadline's own status (for the detail page)."""
    first = _part_status(ticket.first_response_at, ticket.first_response_due_at, now, threshold)
    resolution = _part_status(ticket.resolved_at, ticket.resolution_due_at, now, threshold)
    first_for_overall = Sla.ON_TIME if ticket.resolved_at is None and first == Sla.MET else first
    parts = {first_for_overall, resolution}
    if Sla.BREACHED in parts:
        status = Sla.BREACHED
    elif ticket.resolved_at is not None:
        status = Sla.MET
    elif Sla.AT_RISK in parts:
        status = Sla.AT_RISK
    else:
        status = Sla.ON_TIME
    return SlaReport(status=status, first_response=first, resolution=resolution)


@dataclass(frozen=True)
class TicketFilters:
    account: int | None = None
    violation: int | None = None
    channel: str = ""
    sla: str = ""
    state: str = ""  # "open" / "resolved"
    opened_from: date | None = None
    opened_to: date | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return any(getattr(self, f) for f in self.__dataclass_fields__)


def tickets_for_list(
    organization: Organization, *, filters: TicketFilters | None = None, now: datetime | None = None
) -> QuerySet[SupportTicket]:
    """The ticket list: newest first, every filter applied in the database, `sla` annotated."""
    filters = filters or TicketFilters()
    now = now or timezone.now()
    threshold = at_risk_threshold(organization, now)
    qs = with_sla(
        SupportTicket.objects.filter(organization=organization).select_related("account", "violation", "appeal"),
        now=now,
        threshold=threshold,
    )
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.violation:
        qs = qs.filter(violation_id=filters.violation)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.state == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif filters.state == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    if filters.sla:
        qs = qs.filter(sla=filters.sla)
    tz = organization.zoneinfo
    if filters.opened_from:
        qs = qs.filter(opened_at__gte=datetime.combine(filters.opened_from, datetime.min.time(), tzinfo=tz))
    if filters.opened_to:
        qs = qs.filter(opened_at__lt=datetime.combine(filters.opened_to, datetime.max.time(), tzinfo=tz))
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(
            Q(subject__icontains=term)
            | Q(platform_number__icontains=term)
            | Q(violation__reference__icontains=term)
            | Q(account__name__icontains=term)
            | Q(account__external_id__icontains=term)
        )
    return qs.order_by("-opened_at", "-id")


def sla_counts(organization: Organization, *, now: datetime | None = None) -> dict[str, int]:
    """How many open tickets are on time / at risk / breached (the list's summary line)."""
    now = now or timezone.now()
    qs = with_sla(
        SupportTicket.objects.filter(organization=organization, resolved_at__isnull=True),
        now=now,
        threshold=at_risk_threshold(organization, now),
    )
    counts = {Sla.ON_TIME: 0, Sla.AT_RISK: 0, Sla.BREACHED: 0}
    for row in qs.values("sla").annotate(n=Count("id")).order_by():
        counts[row["sla"]] = row["n"]
    return counts


CASE_TICKETS_ORDER = ("-opened_at", "-id")


def tickets_for_violation(
    organization: Organization,
    violation: Violation,
    *,
    now: datetime | None = None,
    tickets: list[SupportTicket] | None = None,
) -> list[tuple[SupportTicket, SlaReport]]:
    """The case page's ticket card: every ticket of the case with its SLA. `tickets`: the case's tickets in
    CASE_TICKETS_ORDER when the page has read them (selectors.case.case_detail), else one query."""
    now = now or timezone.now()
    if tickets is None:
        tickets = list(
            SupportTicket.objects.filter(organization=organization, violation=violation)
            .select_related("account", "appeal")
            .order_by(*CASE_TICKETS_ORDER)
        )
    if not tickets:  # most cases: no business-hours arithmetic for nothing
        return []
    threshold = at_risk_threshold(organization, now)
    return [(t, ticket_sla(t, now=now, threshold=threshold)) for t in tickets]


def ticket_detail(organization: Organization, ticket: SupportTicket, *, now: datetime | None = None) -> SlaReport:
    now = now or timezone.now()
    return ticket_sla(ticket, now=now, threshold=at_risk_threshold(organization, now))


def accounts_for_authorizations(organization: Organization, *, today: date | None = None) -> list[dict[str, Any]]:
    """Every account with its authorization state, the ones needing action first."""
    today = today or timezone.localdate(timezone=organization.zoneinfo)
    order = {"missing": 0, "expired": 1, "expiring": 2, "valid": 3}
    rows = []
    for account in Account.objects.filter(organization=organization).select_related("organization"):
        rows.append({"account": account, "state": account.authorization_state(today)})
    rows.sort(key=lambda r: (order[r["state"]], r["account"].name.lower()))
    return rows


def channel_rules_for_guide(organization: Organization) -> list[ChannelRule]:
    return list(ChannelRule.objects.filter(organization=organization).order_by("audience", "position", "id"))
