"""The sweep (Celery beat, or `manage.py run_reminders`):

1. For each rule, selects the deadlines entering its window (rules).
2. Inserts one Reminder row per recipient, ignoring conflicts on the unique key (schedule).
3. Claims the due rows and, after commit, publishes their send tasks (a killed worker's row is claimed
   again once its lease has passed).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appeals.models import Delivery, Reminder
from appeals.services.destinations.deliver import deliveries_claim_due
from appeals.services.destinations.events import DELIVERY_TASK, events_for_reminders, weekly_summary_events
from appeals.services.reminders.claim import reminders_claim_due, reminders_due_for_sending, sweep_key
from appeals.services.reminders.rules import RULES, _Calendars
from appeals.services.reminders.schedule import _insert, _rows
from core.celery import app

log = logging.getLogger(__name__)

SWEEP_TASK = "appeals.tasks.reminders_sweep"
SEND_TASK = "appeals.tasks.reminder_send"
DIGEST_TASK = "appeals.tasks.reminder_digest_send"
BATCH_TASK = "appeals.tasks.reminders_send_batch"


def enqueue_safely(task: str | Any, *args: Any) -> bool:
    """Publish a task (by name: services never import the tasks module); False (never an exception, never
    a long wait) when the broker is unreachable.

    The work stays in the database as a pending row, so the next sweep enqueues it again. The pooled connection
    is checked with one attempt first: a publish on a connection the broker dropped would otherwise reconnect
    with kombu's retries (minutes), inside a web request or the sweep.
    """
    try:
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=1)
            signature = app.signature(task) if isinstance(task, str) else task
            signature.apply_async(args=args, retry=False, producer=producer)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError: all mean "not now"
        log.warning("Could not enqueue %s%r: %s", getattr(task, "name", task), args, exc)
        return False
    return True


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def reminders_publish(singles: list[int], digest_users: list[int], now: datetime) -> int:
    """Publish the rows the sweep claimed at `now`, REMINDER_BATCH_SIZE per task; returns tasks published.

    One task per row cost ~1 ms of broker round trip each: 85% of a morning sweep with 1,500 due. A batch
    is sent one row after another by one worker; the rows of a batch still go out in parallel with other
    batches. When the broker is down the rows of unpublished batches are released at once (the next sweep
    publishes them) instead of waiting out the lease.
    """
    claim = sweep_key(now)
    size = max(1, settings.REMINDER_BATCH_SIZE)
    batches = [(chunk, []) for chunk in _chunks(singles, size)] + [([], chunk) for chunk in _chunks(digest_users, size)]
    for n, (reminder_ids, user_ids) in enumerate(batches):
        if not enqueue_safely(BATCH_TASK, reminder_ids, user_ids, claim):
            held = Reminder.objects.filter(claimed_at=now, claim_key=claim, status=Reminder.Status.PENDING)
            rest_ids = [i for chunk, _ in batches[n:] for i in chunk]
            rest_users = [u for _, users in batches[n:] for u in users]
            held.filter(Q(pk__in=rest_ids) | Q(recipient_id__in=rest_users)).update(claimed_at=None, claim_key="")
            return n
    return len(batches)


def reminders_sweep(*, now: datetime | None = None, enqueue: bool = True) -> dict[str, int]:
    """One sweep; returns counts.

    With enqueue (beat, run_reminders) the due rows are claimed and their tasks published after commit.
    Without (tests, `run_reminders --inline`, the benchmark) rows are only created and counted.
    """
    now = now or timezone.now()
    cals = _Calendars()
    dues = [d for rule in RULES for d in rule(now, cals)]
    rows = _rows(dues, now, cals)
    deliveries: list[int] = []
    with transaction.atomic():
        _insert(rows)
        events = events_for_reminders(dues, now) + weekly_summary_events(now)
        if enqueue:
            singles, digest_users = reminders_claim_due(now)
            deliveries = deliveries_claim_due(now)
            transaction.on_commit(lambda: _publish_all(singles, digest_users, deliveries, now))
        else:
            singles, digest_users = reminders_due_for_sending(now)
    return {
        "deadlines": len(dues),
        "new_rows": len(rows),
        "to_send": len(singles),
        "digests": len(digest_users),
        "events": events,
        "deliveries": len(deliveries),
    }


def _publish_all(singles: list[int], digest_users: list[int], deliveries: list[int], now: datetime) -> int:
    return reminders_publish(singles, digest_users, now) + _deliveries_publish(deliveries, now)


def _deliveries_publish(ids: list[int], now: datetime) -> int:
    """Like reminders_publish: one task per batch; when the broker is down the claims are released at once."""
    claim = sweep_key(now)
    batches = _chunks(ids, max(1, settings.REMINDER_BATCH_SIZE))
    for n, batch in enumerate(batches):
        if not enqueue_safely(DELIVERY_TASK, batch, claim):
            rest = [i for chunk in batches[n:] for i in chunk]
            Delivery.objects.filter(pk__in=rest, claimed_at=now, claim_key=claim).update(claimed_at=None, claim_key="")
            return n
    return len(batches)


def reminders_sweep_soon() -> bool:
    """Ask the worker for a sweep now (after a case change); safe when the broker is down (beat catches up)."""
    return enqueue_safely(SWEEP_TASK)
