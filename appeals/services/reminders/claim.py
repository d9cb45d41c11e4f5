"""Claiming a reminder row: a conditional UPDATE that exactly one caller wins while its lease holds."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from appeals.models import Reminder

log = logging.getLogger(__name__)

# Recording a send right after the server accepted it: tries, and the pause between them (~2 s in all).
RECORD_ATTEMPTS = 5
RECORD_PAUSE_SECONDS = 0.5


class ReminderRetry(Exception):
    """Delivery failed; try again in `retry_in` seconds (the row is pending and unclaimed)."""

    def __init__(self, message: str, *, retry_in: int) -> None:
        super().__init__(message)
        self.retry_in = retry_in


def _lease() -> timedelta:
    return timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)


def retry_delay(attempts: int) -> int:
    """Backoff after the n-th failed attempt; capped far below the broker's visibility timeout."""
    return int(min(settings.REMINDER_RETRY_MAX_SECONDS, settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (attempts - 1)))


def _claimable(now: datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _lease())


def _by_delivery(rows: Iterable[tuple[int, int, bool]]) -> tuple[list[int], list[int]]:
    """(reminder id, recipient id, digest) rows → (ids sent one by one, users who get a digest)."""
    singles: list[int] = []
    digests: set[int] = set()
    for reminder_id, user_id, digest in rows:
        if digest:
            digests.add(user_id)
        else:
            singles.append(reminder_id)
    return singles, sorted(digests)


def reminders_due_for_sending(now: datetime) -> tuple[list[int], list[int]]:
    """Pending rows whose time has come and whose claim is free or expired: (reminder ids, digest user ids)."""
    rows = (
        # Index reminder_pending_send_after.
        Reminder.objects.filter(status=Reminder.Status.PENDING, send_after__lte=now)
        .filter(_claimable(now))
        .values_list("id", "recipient_id", "digest")
        .order_by("send_after", "id")
    )
    return _by_delivery(rows)


def sweep_key(now: datetime) -> str:
    """The sweep's claim key: its claim time in UTC, which its tasks carry (`claim`)."""
    return now.astimezone(UTC).isoformat()


def _key_of(token: datetime | str | None) -> str | None:
    return sweep_key(token) if isinstance(token, datetime) else token


def reminders_claim_due(now: datetime) -> tuple[list[int], list[int]]:
    """Claim every row reminders_due_for_sending lists, in one UPDATE: (reminder ids, digest user ids).

    The claim (claimed_at = now, claim_key = sweep_key(now)) is the sweep's hand-over token: the task carries
    it, and the worker that presents it takes the row over (reminder_claim with token), so one send per row
    however often the message is delivered. The UPDATE re-checks its condition on rows a concurrent sweep or
    worker changed meanwhile, so a row is claimed by one of them only.
    """
    key = sweep_key(now)
    due = Reminder.objects.filter(status=Reminder.Status.PENDING, send_after__lte=now)
    with transaction.atomic():
        if not due.filter(_claimable(now)).update(claimed_at=now, claim_key=key):
            return [], []
        rows = list(
            due.filter(claimed_at=now, claim_key=key)
            .values_list("id", "recipient_id", "digest")
            .order_by("send_after", "id")
        )
    return _by_delivery(rows)


def _claimable_or_handed_over(now: datetime, token: datetime | str | None, delivery: str | None = None) -> Q:
    """Free or expired; or held under the sweep's key this task carries; or held by this very delivery."""
    allowed = _claimable(now)
    for key in (_key_of(token), delivery):
        if key:
            allowed |= Q(claim_key=key)
    return allowed


def new_delivery() -> str:
    """A claim key for a delivery that is not a Celery task (inline sends, tests)."""
    return f"inline-{uuid.uuid4().hex}"


def reminder_claim(
    *, reminder_id: int, now: datetime, token: datetime | str | None = None, delivery: str | None = None
) -> bool:
    """Conditional UPDATE: True for exactly one caller while the claim (lease) holds.

    token: the sweep's claim key, carried by the task; presenting it takes the row over once (the row then
    holds `delivery`, so another task carrying the same sweep's key finds it taken).
    delivery: this task's delivery key (its Celery task id). A redelivery of the same task (Celery requeued it
    after its worker was killed, or it retried after a database error) holds the same key and takes its own
    claim over at once instead of waiting out the lease; a different task cannot.
    """
    return (
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING)
        .filter(_claimable_or_handed_over(now, token, delivery))
        .update(claimed_at=now, claim_key=delivery or new_delivery())
        == 1
    )


def _held(now: datetime, key: str) -> Q:
    return Q(claimed_at=now, claim_key=key)


def _fail(ids: list[int], *, now: datetime, key: str, error: Exception) -> None:
    """Release claims after a failed send; rows out of attempts become failed. Raises ReminderRetry if any remain."""
    message = f"{type(error).__name__}: {error}"[:2000]
    held = Reminder.objects.filter(_held(now, key), pk__in=ids)
    with transaction.atomic():
        held.update(attempts=F("attempts") + 1, last_error=message)
        held.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
            status=Reminder.Status.FAILED, claimed_at=None, claim_key=""
        )
        left = list(held.filter(status=Reminder.Status.PENDING).values_list("attempts", flat=True))
        if left:
            delay = retry_delay(max(left))
            held.update(claimed_at=None, claim_key="", send_after=now + timedelta(seconds=delay))
    log.warning("Reminder send failed for %s: %s", ids, message)
    if left:
        raise ReminderRetry(message, retry_in=delay)


def _skip(ids: list[int], now: datetime, key: str, why: str) -> None:
    Reminder.objects.filter(_held(now, key), pk__in=ids).update(status=Reminder.Status.SKIPPED, last_error=why)
