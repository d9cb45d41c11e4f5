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

from django.db import transaction
from django.utils import timezone

from appeals.models import Reminder
from appeals.services.reminders.claim import reminders_claim_due, reminders_due_for_sending
from appeals.services.reminders.rules import RULES, _Calendars
from appeals.services.reminders.schedule import _insert, _rows
from core.celery import app

log = logging.getLogger(__name__)

SWEEP_TASK = "appeals.tasks.reminders_sweep"
SEND_TASK = "appeals.tasks.reminder_send"
DIGEST_TASK = "appeals.tasks.reminder_digest_send"


def enqueue_safely(task: str | Any, *args: Any) -> bool:
    """Publish a task (by name: services never import the tasks module); False (never an exception, never
    a long wait) when the broker is unreachable.

    The work stays in the database as a pending row, so the next sweep enqueues it again.
    """
    try:
        (app.signature(task) if isinstance(task, str) else task).apply_async(args=args, retry=False)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError: all mean "not now"
        log.warning("Could not enqueue %s%r: %s", getattr(task, "name", task), args, exc)
        return False
    return True


def _enqueue_all(singles: list[int], digest_users: list[int], token: datetime) -> int:
    """Publish the claimed rows; when the broker is down, release the rest at once (the next sweep retries)."""
    claim = token.isoformat()
    sent = 0
    for n, reminder_id in enumerate(singles):
        if not enqueue_safely(SEND_TASK, reminder_id, claim):
            # Broker down: don't wait on it once per row.
            Reminder.objects.filter(pk__in=singles[n:], claimed_at=token).update(claimed_at=None, claim_key="")
            Reminder.objects.filter(recipient_id__in=digest_users, claimed_at=token).update(
                claimed_at=None, claim_key=""
            )
            return sent
        sent += 1
    for n, user_id in enumerate(digest_users):
        if not enqueue_safely(DIGEST_TASK, user_id, claim):
            Reminder.objects.filter(recipient_id__in=digest_users[n:], claimed_at=token).update(
                claimed_at=None, claim_key=""
            )
            return sent
        sent += 1
    return sent


def reminders_sweep(*, now: datetime | None = None, enqueue: bool = True) -> dict[str, int]:
    """One sweep; returns counts.

    With enqueue (beat, run_reminders) the due rows are claimed and their tasks published after commit.
    Without (tests, `run_reminders --inline`, the benchmark) rows are only created and counted.
    """
    now = now or timezone.now()
    cals = _Calendars()
    dues = [d for rule in RULES for d in rule(now, cals)]
    rows = _rows(dues, now, cals)
    with transaction.atomic():
        _insert(rows)
        if enqueue:
            singles, digest_users = reminders_claim_due(now)
            transaction.on_commit(lambda: _enqueue_all(singles, digest_users, now))
        else:
            singles, digest_users = reminders_due_for_sending(now)
    return {"deadlines": len(dues), "new_rows": len(rows), "to_send": len(singles), "digests": len(digest_users)}


def reminders_sweep_soon() -> bool:
    """Ask the worker for a sweep now (after a case change); safe when the broker is down (beat catches up)."""
    return enqueue_safely(SWEEP_TASK)
