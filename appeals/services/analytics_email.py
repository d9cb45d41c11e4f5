"""The managers' weekly summary email: last week's decisions, success rate, and what is overdue now.

Beat calls `weekly_summaries_send` every hour. A manager or owner who opted in (User.weekly_summary)
gets one email per ISO week, on Monday from SEND_HOUR in their own timezone. Exactly once:
a Reminder row (kind weekly_summary, deadline = that Monday 00:00 local) is inserted under the
reminder unique key, then claimed with a conditional UPDATE before sending, the same way the
deadline reminders work; a crashed send is retried by the next hourly run after the lease.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from appeals.models import Reminder
from appeals.selectors.analytics import analytics_dashboard
from core.db_router import replica_reads
from core.emails import email_send
from core.models import Membership, Organization, Role

log = logging.getLogger(__name__)

SEND_HOUR = 8
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 5
OVERDUE_IN_EMAIL = 10


def week_start(moment: datetime, tz) -> date:
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def weekly_summary_context(organization: Organization, week_from: date, *, now: datetime) -> dict[str, Any]:
    """Figures for the 7 days week_from..week_from+6 (organization's timezone) and overdue now."""
    week_to = week_from + timedelta(days=6)
    with replica_reads():
        data = analytics_dashboard(organization, week_from, week_to, None, now=now)
    base = settings.SITE_URL
    query = f"date_from={week_from.isoformat()}&date_to={week_to.isoformat()}"
    return {
        "organization": organization,
        "week_from": week_from,
        "week_to": week_to,
        "rate": data["overall"],
        "time_to_decision": data["time_to_decision"],
        "overdue_count": data["overdue_count"],
        "overdue": [
            {
                "reference": a.violation.reference,
                "account": a.violation.account.name,
                "due_at": a.due_at,
                "url": base + reverse("appeals:case", kwargs={"violation_pk": a.violation_id}),
            }
            for a in data["overdue"][:OVERDUE_IN_EMAIL]
        ],
        "dashboard_url": f"{base}{reverse('appeals:analytics')}?{query}",
        "overdue_url": f"{base}{reverse('appeals:analytics_appeals')}?basis=overdue",
        "profile_url": base + reverse("core:profile"),
    }


def _due_memberships(now: datetime) -> list[tuple[Membership, datetime]]:
    """Opted-in managers and owners for whom it is Monday, SEND_HOUR or later, now."""
    out = []
    memberships = (
        Membership.objects.filter(role__in=[Role.MANAGER, Role.OWNER], user__weekly_summary=True, user__is_active=True)
        .select_related("user", "organization")
        .order_by("id")
    )
    for membership in memberships:
        tz = membership.user.zoneinfo
        local = now.astimezone(tz)
        if local.weekday() == 0 and local.hour >= SEND_HOUR:
            monday = datetime.combine(local.date(), time.min, tzinfo=tz)
            out.append((membership, monday))
    return out


def _reminder_for(membership: Membership, monday: datetime, now: datetime) -> Reminder | None:
    """The week's guard row (inserted once under the unique key); None when already sent or given up."""
    key = {
        "kind": Reminder.Kind.WEEKLY_SUMMARY,
        "subject_key": f"organization:{membership.organization_id}",
        "recipient": membership.user,
        "deadline": monday,
    }
    try:
        with transaction.atomic():
            reminder, _ = Reminder.objects.get_or_create(
                **key, defaults={"organization": membership.organization, "send_after": monday}
            )
    except IntegrityError:  # a concurrent run inserted it first
        reminder = Reminder.objects.get(**key)
    if reminder.status != Reminder.Status.PENDING:
        return None
    return reminder


def _claim(reminder: Reminder, now: datetime) -> bool:
    claimed = (
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .update(claimed_at=now)
    )
    return claimed == 1


def _message_id(local_part: str) -> str:
    """An email header (RFC 5322 Message-ID), not markup: the same for every try of one week's summary."""
    return f"<{local_part}@appeal-desk>"


def weekly_summaries_send(*, now: datetime | None = None) -> dict[str, int]:
    """1. Find the opted-in managers whose Monday morning it is.
    2. Insert (or find) this ISO week's guard row for each, and claim it.
    3. Build last week's summary of their organization (once per organization per run) and send.
    4. Mark sent; on failure release the claim and count the attempt (failed after MAX_ATTEMPTS).
    """
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    contexts: dict[tuple[int, date], dict[str, Any]] = {}
    for membership, monday in _due_memberships(now):
        reminder = _reminder_for(membership, monday, now)
        if reminder is None or not _claim(reminder, now):
            counts["skipped"] += 1
            continue
        organization = membership.organization
        # Last week, Monday to Sunday, in the organization's timezone.
        week_from = week_start(now, organization.zoneinfo) - timedelta(days=7)
        cache_key = (organization.pk, week_from)
        if cache_key not in contexts:
            contexts[cache_key] = weekly_summary_context(organization, week_from, now=now)
        context = {**contexts[cache_key], "user": membership.user}
        try:
            email_send(
                name="weekly-summary",
                to=[membership.user.email],
                context=context,
                headers={"Message-ID": _message_id(f"weekly-summary-{reminder.pk}")},
            )
        except Exception as exc:  # SMTP and connection errors: retried by the next hourly run
            attempts = reminder.attempts + 1
            Reminder.objects.filter(pk=reminder.pk).update(
                claimed_at=None,
                attempts=attempts,
                last_error=str(exc)[:1000],
                status=Reminder.Status.FAILED if attempts >= MAX_ATTEMPTS else Reminder.Status.PENDING,
            )
            log.warning("weekly summary %s failed: %s", reminder.pk, exc)
            counts["failed"] += 1
            continue
        Reminder.objects.filter(pk=reminder.pk).update(
            status=Reminder.Status.SENT, sent_at=timezone.now(), attempts=reminder.attempts + 1
        )
        counts["sent"] += 1
    return counts
