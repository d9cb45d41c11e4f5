"""Events for destinations: the webhook body {id, type, created, organization, data}, stored on each Delivery row
in the same transaction as the change it reports (so an event is never lost nor made twice: the unique key
(destination, event_id) holds it), and published after commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appeals.models import (
    Account,
    Appeal,
    Delivery,
    Destination,
    Escalation,
    EventType,
    Reminder,
    SupportTicket,
    TimelineEvent,
    TimelineVerb,
    Violation,
)
from appeals.services.reminders.links import _url, case_url
from core.models import Organization

EVENT_NAMESPACE = uuid.UUID("5b0f8a52-3c1e-4c55-9a55-2f1d4b8f6d20")
TIMELINE_EVENTS = {
    TimelineVerb.CREATED: EventType.VIOLATION_CREATED,
    TimelineVerb.APPEAL_SUBMITTED: EventType.APPEAL_SUBMITTED,
    TimelineVerb.OUTCOME_RECORDED: EventType.DECISION_RECORDED,
    TimelineVerb.FOLLOW_UP_STARTED: EventType.FOLLOW_UP_STARTED,
}
DELIVERY_TASK = "appeals.tasks.deliveries_send_batch"
IMPORT_EVENT_CHUNK = 2000
IMPORT_SUMMARY_REFERENCES = 5  # the first cases a chat summary of an import names


def event_type_for_reminder(kind: str) -> str:
    return EventType.ESCALATION_UNANSWERED if kind == "escalation_unanswered" else f"reminder.{kind}"


def event_id(source: str) -> str:
    """Stable id from what the event is about: the same event made twice (two sweeps) has the same id."""
    return f"evt_{uuid.uuid5(EVENT_NAMESPACE, source).hex}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def case_data(v: Violation, account: Account | None = None) -> dict[str, Any]:
    account = account or v.account
    return {
        "id": v.pk,
        "reference": v.reference,
        "url": case_url(v.pk),
        "status": v.status,
        "policy": v.policy,
        "action": v.action,
        "penalty_points": v.penalty_points,
        "appeal_by": _iso(v.appeal_by),
        "account": {"id": account.pk, "name": account.name},
        "assignee": v.assignee.display_name if v.assignee_id and v.assignee else None,
    }


def appeal_data(a: Appeal) -> dict[str, Any]:
    return {
        "id": a.pk,
        "round": a.round,
        "status": a.status,
        "submitted_at": _iso(a.submitted_at),
        "due_at": _iso(a.due_at),
        "decided_at": _iso(a.decided_at),
    }


def envelope(*, source: str, type: str, organization: Organization, data: dict[str, Any], created: datetime) -> dict:
    return {
        "id": event_id(source),
        "type": type,
        "created": created.isoformat(),
        "organization": {"id": organization.pk, "name": organization.name},
        "data": data,
    }


def _subscribed(
    organization_id: int, types: Iterable[str], kinds: Iterable[str] | None = None
) -> list[tuple[int, set[str]]]:
    wanted = set(types)
    destinations = Destination.objects.filter(organization_id=organization_id, is_active=True)
    if kinds is not None:
        destinations = destinations.filter(kind__in=list(kinds))
    rows = destinations.values_list("id", "events")
    return [(pk, set(events) & wanted) for pk, events in rows if set(events) & wanted]


def deliveries_create(
    organization_id: int, events: list[dict], *, publish: bool = True, kinds: Iterable[str] | None = None
) -> list[int]:
    """One Delivery per subscribed destination (of `kinds`, default all) and event; a second call for the same
    event adds nothing. Published after commit, REMINDER_BATCH_SIZE deliveries per task."""
    if not events:
        return []
    destinations = _subscribed(organization_id, {e["type"] for e in events}, kinds)
    rows = [
        Delivery(
            organization_id=organization_id,
            destination_id=pk,
            event_id=e["id"],
            event_type=e["type"],
            event=e,
        )
        for pk, types in destinations
        for e in events
        if e["type"] in types
    ]
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(
            destination_id__in=[pk for pk, _ in destinations],
            event_id__in=[e["id"] for e in events],
            status=Delivery.Status.PENDING,
        ).values_list("id", flat=True)
    )
    if publish and ids:
        size = max(1, settings.REMINDER_BATCH_SIZE)
        transaction.on_commit(lambda: [deliveries_publish(ids[i : i + size]) for i in range(0, len(ids), size)])
    return ids


def deliveries_publish(ids: list[int], claim: str | None = None) -> bool:
    """Hand new deliveries to a worker now; if the broker is down, the sweep finds them pending."""
    from appeals.services.reminders.sweep import enqueue_safely

    return enqueue_safely(DELIVERY_TASK, ids, claim)


def event_from_timeline(entry: TimelineEvent) -> None:
    """Called for every timeline entry: the four that are events go to the destinations that want them."""
    type_ = TIMELINE_EVENTS.get(entry.verb)
    if type_ is None or not Destination.objects.filter(organization_id=entry.organization_id, is_active=True).exists():
        return
    violation = Violation.objects.select_related("account", "assignee", "organization").get(pk=entry.violation_id)
    data: dict[str, Any] = {"case": case_data(violation)}
    if entry.appeal_id:
        data["appeal"] = appeal_data(Appeal.objects.get(pk=entry.appeal_id))
    if entry.actor_id:
        data["by"] = entry.actor.display_name
    event = envelope(
        source=f"timeline:{entry.pk}",
        type=type_,
        organization=violation.organization,
        data=data,
        created=entry.created_at,
    )
    deliveries_create(entry.organization_id, [event])


def events_for_imported_cases(organization: Organization, violation_ids: list[int], *, by=None) -> int:
    """violation.created for the cases an import made (a COPY writes no timeline entry one by one).

    Webhooks get one event per case, like a case created by hand, with `source: "import"`. Slack and Teams get
    one summary per import: a channel should not receive a message per spreadsheet row. Returns deliveries made.
    """
    if not violation_ids:
        return 0
    wanted = _subscribed(organization.pk, [EventType.VIOLATION_CREATED])
    if not wanted:
        return 0
    made = 0
    now = timezone.now()
    actor = by.display_name if getattr(by, "is_authenticated", False) else None
    if _subscribed(organization.pk, [EventType.VIOLATION_CREATED], [Destination.Kind.WEBHOOK]):
        for start in range(0, len(violation_ids), IMPORT_EVENT_CHUNK):
            chunk = violation_ids[start : start + IMPORT_EVENT_CHUNK]
            cases = Violation.objects.select_related("account", "assignee").in_bulk(chunk)
            by_actor = {"by": actor} if actor else {}
            events = [
                envelope(
                    source=f"violation-created:{pk}",
                    type=EventType.VIOLATION_CREATED,
                    organization=organization,
                    data={"case": case_data(cases[pk]), **by_actor, "source": "import"},
                    created=now,
                )
                for pk in chunk
                if pk in cases
            ]
            made += len(deliveries_create(organization.pk, events, kinds=[Destination.Kind.WEBHOOK]))
    chat = [Destination.Kind.SLACK, Destination.Kind.TEAMS]
    if _subscribed(organization.pk, [EventType.VIOLATION_CREATED], chat):
        references = list(
            Violation.objects.filter(pk__in=violation_ids[:IMPORT_SUMMARY_REFERENCES])
            .order_by("pk")
            .values_list("reference", flat=True)
        )
        summary = envelope(
            source=f"violations-imported:{violation_ids[0]}:{len(violation_ids)}",
            type=EventType.VIOLATION_CREATED,
            organization=organization,
            data={
                "import": {"cases": len(violation_ids), "references": references, "url": _url("appeals:violations")},
                **({"by": actor} if actor else {}),
            },
            created=now,
        )
        made += len(deliveries_create(organization.pk, [summary], kinds=chat))
    return made


def events_for_reminders(dues: list, now: datetime) -> int:
    """The sweep's due deadlines as reminder events, one per deadline (not per person); returns rows made."""
    org_ids = {d.organization_id for d in dues}
    with_destinations = set(
        Destination.objects.filter(organization_id__in=org_ids, is_active=True).values_list(
            "organization_id", flat=True
        )
    )
    dues = [d for d in dues if d.organization_id in with_destinations]
    if not dues:
        return 0
    organizations = Organization.objects.in_bulk({d.organization_id for d in dues})
    violations = Violation.objects.select_related("account", "assignee").in_bulk(
        {d.violation_id for d in dues if d.violation_id}
    )
    tickets = SupportTicket.objects.in_bulk({d.ticket_id for d in dues if d.ticket_id})
    accounts = Account.objects.in_bulk({d.account_id for d in dues if d.account_id})
    escalations = Escalation.objects.in_bulk({d.escalation_id for d in dues if d.escalation_id})
    made = 0
    by_org: dict[int, list[dict]] = {}
    for d in dues:
        data: dict[str, Any] = {
            "kind": d.kind,
            "label": Reminder.Kind(d.kind).label,
            "deadline": d.deadline.isoformat(),
            "subject": d.subject_key,
        }
        if d.violation_id in violations:
            data["case"] = case_data(violations[d.violation_id])
        if d.ticket_id in tickets:
            t = tickets[d.ticket_id]
            data["ticket"] = {
                "id": t.pk,
                "subject": t.subject,
                "platform_number": t.platform_number,
                "url": _url("appeals:ticket_detail", ticket_pk=t.pk),
            }
        if d.account_id in accounts:
            a = accounts[d.account_id]
            data["account"] = {"id": a.pk, "name": a.name, "authorization_expires_on": str(a.authorization_expires_on)}
        if d.appeal_id:
            data["appeal_id"] = d.appeal_id
        if d.escalation_id in escalations:
            e = escalations[d.escalation_id]
            data["escalation"] = {
                "id": e.pk,
                "to_team": e.get_to_team_display(),
                "reference": e.reference,
                "escalated_at": _iso(e.escalated_at),
                "answer_due_at": _iso(e.answer_due_at),
            }
        by_org.setdefault(d.organization_id, []).append(
            envelope(
                source=f"reminder:{d.kind}:{d.subject_key}:{d.deadline.isoformat()}",
                type=event_type_for_reminder(d.kind),
                organization=organizations[d.organization_id],
                data=data,
                created=now,
            )
        )
    for org_id, events in by_org.items():
        made += len(deliveries_create(org_id, events, publish=False))
    return made


def weekly_summary_events(now: datetime) -> int:
    """Monday from 08:00 in the organization's timezone: last week's summary for destinations that want it."""
    wanted = {
        org_id
        for org_id, events in Destination.objects.filter(is_active=True).values_list("organization_id", "events")
        if EventType.WEEKLY_SUMMARY in events
    }
    made = 0
    for organization in Organization.objects.filter(pk__in=wanted):
        local = now.astimezone(organization.zoneinfo)
        if local.weekday() != 0 or local.hour < 8:
            continue
        from appeals.services.analytics_email import week_start, weekly_summary_context

        week_from = week_start(now, organization.zoneinfo) - timedelta(days=7)
        source = f"weekly:{organization.pk}:{week_from.isoformat()}"
        if Delivery.objects.filter(organization=organization, event_id=event_id(source)).exists():
            continue
        context = weekly_summary_context(organization, week_from, now=now)
        data = {
            "week_from": week_from.isoformat(),
            "week_to": context["week_to"].isoformat(),
            "overdue_count": context["overdue_count"],
            "overdue": [{**o, "due_at": _iso(o["due_at"])} for o in context["overdue"]],
            "url": context["dashboard_url"],
        }
        event = envelope(
            source=source, type=EventType.WEEKLY_SUMMARY, organization=organization, data=data, created=now
        )
        made += len(deliveries_create(organization.pk, [event], publish=False))
    return made
