"""Upcoming deadlines of a person's organizations (iCalendar feed) and the failed reminders list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from appeals.models import Account, Appeal, CaseStatus, Escalation, Reminder, SupportTicket, Violation
from core.models import Organization

FEED_LIMIT = 500  # per kind: a feed is for the weeks ahead, not an archive


@dataclass(frozen=True)
class FeedEntry:
    uid: str
    title: str
    at: datetime | None
    day: date | None
    organization: Organization
    violation_id: int | None
    description: str


def upcoming_deadlines(organization_ids: list[int], *, now: datetime | None = None) -> list[FeedEntry]:
    """Every open deadline from yesterday on, of the given organizations, in a fixed number of queries."""
    now = now or timezone.now()
    since = now - timedelta(days=1)
    entries: list[FeedEntry] = []
    appeals = (
        Appeal.objects.filter(
            organization_id__in=organization_ids, status=Appeal.Status.UNDER_REVIEW, due_at__gte=since
        )
        .select_related("violation__account", "organization")
        .order_by("due_at")[:FEED_LIMIT]
    )
    for a in appeals:
        v = a.violation
        entries.append(
            FeedEntry(
                f"appeal-{a.pk}-due",
                f"Decision due: {v.reference} ({v.account.name})",
                a.due_at,
                None,
                a.organization,
                v.pk,
                f"Appeal round {a.round} for violation {v.reference}, {v.policy}.",
            )
        )
    violations = (
        Violation.objects.filter(
            organization_id__in=organization_ids,
            status__in=(CaseStatus.NOT_APPEALED, CaseStatus.DRAFT),
            appeal_by__gte=since,
        )
        .select_related("account", "organization")
        .order_by("appeal_by")[:FEED_LIMIT]
    )
    for v in violations:
        entries.append(
            FeedEntry(
                f"violation-{v.pk}-window",
                f"Appeal window closes: {v.reference} ({v.account.name})",
                v.appeal_by,
                None,
                v.organization,
                v.pk,
                f"Last moment to appeal violation {v.reference} ({v.policy}).",
            )
        )
    tickets = (
        SupportTicket.objects.filter(organization_id__in=organization_ids, resolved_at__isnull=True)
        .filter(resolution_due_at__gte=since)
        .select_related("account", "organization")
        .order_by("resolution_due_at")[:FEED_LIMIT]
    )
    for t in tickets:
        if t.first_response_at is None and t.first_response_due_at >= since:
            entries.append(
                FeedEntry(
                    f"ticket-{t.pk}-first-response",
                    f"Ticket first response due: {t.subject}",
                    t.first_response_due_at,
                    None,
                    t.organization,
                    t.violation_id,
                    f"{t.get_channel_display()} {t.platform_number}".strip(),
                )
            )
        entries.append(
            FeedEntry(
                f"ticket-{t.pk}-resolution",
                f"Ticket resolution due: {t.subject}",
                t.resolution_due_at,
                None,
                t.organization,
                t.violation_id,
                f"{t.get_channel_display()} {t.platform_number}".strip(),
            )
        )
    escalations = (
        Escalation.objects.filter(
            organization_id__in=organization_ids, answered_at__isnull=True, answer_due_at__gte=since
        )
        .select_related("violation", "organization")
        .order_by("answer_due_at")[:FEED_LIMIT]
    )
    for e in escalations:
        entries.append(
            FeedEntry(
                f"escalation-{e.pk}-answer",
                f"Escalation answer due: {e.violation.reference}",
                e.answer_due_at,
                None,
                e.organization,
                e.violation_id,
                f"Escalated to {e.get_to_team_display()}.",
            )
        )
    accounts = (
        Account.objects.filter(
            organization_id__in=organization_ids, authorized=True, authorization_expires_on__gte=since.date()
        )
        .select_related("organization")
        .order_by("authorization_expires_on")[:FEED_LIMIT]
    )
    for acc in accounts:
        entries.append(
            FeedEntry(
                f"account-{acc.pk}-authorization",
                f"Partner authorization expires: {acc.name}",
                None,
                acc.authorization_expires_on,
                acc.organization,
                None,
                f"Renew the authorization for {acc.name} ({acc.external_id}).",
            )
        )
    return entries


def failed_reminders(organization: Organization) -> QuerySet[Reminder]:
    # Index reminder_org_failed.
    return (
        Reminder.objects.filter(organization=organization, status=Reminder.Status.FAILED)
        .select_related("recipient", "violation__account", "ticket", "account")
        .order_by("-deadline", "-id")
    )
