"""Delivery: claim, re-check, send through the channel, record. One send per row however often a task runs."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from appeals.models import Reminder, TimelineVerb
from appeals.services import ServiceError
from appeals.services.reminders.claim import (
    RECORD_ATTEMPTS,
    RECORD_PAUSE_SECONDS,
    ReminderRetry,
    _claimable_or_handed_over,
    _fail,
    _skip,
    new_delivery,
    reminder_claim,
)
from appeals.services.reminders.email import digest_email, reminder_email, smtp_close, smtp_open
from appeals.services.reminders.rules import overtaken_by, still_due
from appeals.services.reminders.sweep import DIGEST_TASK, SEND_TASK, enqueue_safely
from appeals.services.timeline import timeline_record
from core.calendar import BusinessCalendar
from core.models import Organization


def _record_sent(reminders: list[Reminder], now: datetime, key: str) -> list[Reminder]:
    """One UPDATE, committed at once: the only step between the mail server's "250 accepted" and the record.

    A database hiccup here is retried for a few seconds before giving up (then the row's lease lapses and the
    email goes again, with the same Message-ID: the documented at-least-once gap).
    """
    ids = [r.pk for r in reminders]
    stamp = timezone.now()
    for attempt in range(RECORD_ATTEMPTS):
        try:
            updated = Reminder.objects.filter(
                pk__in=ids, claimed_at=now, claim_key=key, status=Reminder.Status.PENDING
            ).update(status=Reminder.Status.SENT, sent_at=stamp, attempts=F("attempts") + 1, last_error="")
            break
        except (OperationalError, InterfaceError):
            if attempt == RECORD_ATTEMPTS - 1:
                raise
            close_old_connections()
            time.sleep(RECORD_PAUSE_SECONDS)
    if updated == len(ids):
        return reminders
    # Some were not ours any more (a lease lapsed meanwhile): only the rows this send marked get a timeline line.
    mine = set(Reminder.objects.filter(pk__in=ids, sent_at=stamp, claim_key=key).values_list("pk", flat=True))
    return [r for r in reminders if r.pk in mine]


def _timeline_sent(reminders: list[Reminder]) -> None:
    """The case timeline's "reminder sent" lines, after the send is recorded (outside the gap)."""
    with transaction.atomic():
        for r in reminders:
            if r.violation_id:
                timeline_record(
                    violation=r.violation,
                    verb=TimelineVerb.REMINDER_SENT,
                    appeal=r.appeal,
                    data={
                        "kind": r.kind,
                        "label": r.get_kind_display(),
                        "recipient": r.recipient.display_name,
                        "deadline": r.deadline.isoformat(),
                        "reminder_id": r.pk,
                    },
                )


def _send_and_record(reminders: list[Reminder], build: Callable[[], EmailMessage], now: datetime, key: str) -> str:
    """Render and connect first, hand the message over, record it, then say goodbye to the server."""
    try:
        message = build()
        connection = smtp_open()
    except Exception as exc:  # template error, connection refused, login refused: retry, then fail
        _fail([r.pk for r in reminders], now=now, key=key, error=exc)
        return "failed"
    try:
        connection.send_messages([message])
    except Exception as exc:  # SMTP refused, timeout: retry, then fail
        smtp_close(connection)
        _fail([r.pk for r in reminders], now=now, key=key, error=exc)
        return "failed"
    try:
        sent = _record_sent(reminders, now, key)
    finally:
        smtp_close(connection)
    _timeline_sent(sent)
    return "sent"


def _not_due_reason(r: Reminder, now: datetime, calendars: dict[int, BusinessCalendar]) -> str:
    """Why this reminder is no longer worth sending ("" when it is)."""
    if not still_due(r):
        return "No longer due when its turn came."
    if r.organization_id not in calendars:
        calendars[r.organization_id] = r.organization.business_calendar()
    later = overtaken_by(kind=r.kind, deadline=r.deadline, now=now, calendar=calendars[r.organization_id])
    if later:
        return f"Overtaken by “{Reminder.Kind(later).label}” before its turn came."
    return ""


def _load(ids: Iterable[int]) -> list[Reminder]:
    return list(
        Reminder.objects.filter(pk__in=list(ids))
        .select_related(
            "organization",
            "recipient",
            "violation__account",
            "appeal",
            "ticket__account",
            "escalation",
            "account__organization",
        )
        .order_by("deadline", "id")
    )


def reminder_deliver(
    *,
    reminder_id: int,
    now: datetime | None = None,
    token: datetime | str | None = None,
    delivery: str | None = None,
) -> str:
    """Claim, send and mark one reminder. Returns sent / skipped / unsubscribed / not_due / failed.

    token: the sweep's claim key (see reminders_claim_due); delivery: this task's id (see reminder_claim).
    Raises ReminderRetry when the send failed and attempts remain (the task retries with that delay).
    """
    now = now or timezone.now()
    key = delivery or new_delivery()
    if not reminder_claim(reminder_id=reminder_id, now=now, token=token, delivery=key):
        return "skipped"
    loaded = _load([reminder_id])
    if not loaded:
        return "skipped"  # deleted with its case in the meantime
    r = loaded[0]
    if not r.recipient.reminder_emails or not r.recipient.is_active:
        _skip([r.pk], now, key, "Recipient unsubscribed from reminder emails.")
        return "unsubscribed"
    why = _not_due_reason(r, now, {})
    if why:
        _skip([r.pk], now, key, why)
        return "not_due"
    return _send_and_record([r], lambda: reminder_email(r), now, key)


def digest_deliver(
    *, user_id: int, now: datetime | None = None, token: datetime | str | None = None, delivery: str | None = None
) -> str:
    """One email with every due reminder of one person (digest mode): claims all of them first."""
    now = now or timezone.now()
    key = delivery or new_delivery()
    ids = list(
        Reminder.objects.filter(recipient_id=user_id, digest=True, status=Reminder.Status.PENDING, send_after__lte=now)
        .filter(_claimable_or_handed_over(now, token, key))
        .values_list("id", flat=True)
    )
    claimed = [i for i in ids if reminder_claim(reminder_id=i, now=now, token=token, delivery=key)]
    if not claimed:
        return "skipped"
    reminders = _load(claimed)
    user = reminders[0].recipient
    if not user.reminder_emails or not user.is_active:
        _skip(claimed, now, key, "Recipient unsubscribed from reminder emails.")
        return "unsubscribed"
    calendars: dict[int, BusinessCalendar] = {}
    stale: dict[int, str] = {}
    for r in reminders:
        why = _not_due_reason(r, now, calendars)
        if why:
            stale[r.pk] = why
    for pk, why in stale.items():
        _skip([pk], now, key, why)
    reminders = [r for r in reminders if r.pk not in stale]
    if not reminders:
        return "not_due"
    return _send_and_record(reminders, lambda: digest_email(user=user, reminders=reminders, now=now), now, key)


@dataclass
class BatchResult:
    """What a batch did: outcomes counted, and the rows to try again (released, with their backoff)."""

    outcomes: Counter = field(default_factory=Counter)
    retry_reminders: list[int] = field(default_factory=list)
    retry_users: list[int] = field(default_factory=list)
    retry_in: int = 0


def reminders_deliver_batch(
    *,
    reminder_ids: list[int],
    digest_user_ids: list[int],
    token: datetime | str | None = None,
    delivery: str | None = None,
) -> BatchResult:
    """Deliver a batch the sweep published, one row (or digest) after another, under one delivery key.

    A redelivery of the batch (same key) skips what was sent and takes its own claims over at once.
    """
    result = BatchResult()
    key = delivery or new_delivery()
    jobs = [(reminder_deliver, "reminder_id", i, result.retry_reminders) for i in reminder_ids] + [
        (digest_deliver, "user_id", u, result.retry_users) for u in digest_user_ids
    ]
    for deliver, arg, value, retries in jobs:
        try:
            outcome = deliver(**{arg: value}, token=token, delivery=key)
        except ReminderRetry as exc:
            outcome = "retry"
            retries.append(value)
            result.retry_in = min(result.retry_in or exc.retry_in, exc.retry_in)
        result.outcomes[outcome] += 1
    return result


@transaction.atomic
def reminder_retry(*, reminder_id: int, organization: Organization) -> Reminder:
    """A manager sends a failed reminder again: pending, attempts reset, enqueued after commit."""
    r = Reminder.objects.select_for_update().filter(organization=organization, pk=reminder_id).first()
    if r is None:
        raise ServiceError("No such reminder.")
    if r.status != Reminder.Status.FAILED:
        raise ServiceError("Only a failed reminder can be retried.")
    r.status = Reminder.Status.PENDING
    r.attempts = 0
    r.claimed_at = None
    r.claim_key = ""
    r.send_after = timezone.now()
    r.save(update_fields=["status", "attempts", "claimed_at", "claim_key", "send_after"])

    def _enqueue() -> None:
        task, arg = (DIGEST_TASK, r.recipient_id) if r.digest else (SEND_TASK, r.pk)
        enqueue_safely(task, arg)

    transaction.on_commit(_enqueue)
    return r
