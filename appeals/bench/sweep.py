"""The reminder sweep (issue 20, point 4): every appeal made open (under review), SWEEP_DUE of them due; the time to
find the due deadlines, claim the rows and publish the tasks to the real broker."""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from appeals.models import Reminder
from appeals.services.reminders.rules import LOOKAHEAD, OPEN_CASE_STATUSES

SWEEP_DUE = 1_500
SWEEP_DUE_IN = timedelta(hours=20)  # how far ahead the due deadlines are


def sweep(*, stdout) -> dict:
    from appeals.services.reminders import reminders_claim_due, reminders_publish, reminders_sweep

    now = timezone.now()
    # The beat's sweep runs in a worker that has swept before: modules (the holidays package, ~0.4 s to
    # import) and calendars loaded. One sweep a year back, where nothing is due, does that here.
    reminders_sweep(now=now - timedelta(days=365), enqueue=False)
    with connection.cursor() as cursor:
        # Every run (also with --reuse) starts from the same empty table: a DELETE left the last run's rows
        # dead in the table and its indexes, so each run inserted beside more of them than the one before.
        cursor.execute("TRUNCATE appeals_reminder")
        cursor.execute(
            "UPDATE appeals_appeal SET status = 'under_review', submitted_at = coalesce(submitted_at, created_at), "
            "due_at = %s + (id %% 40 + 20) * interval '1 day', decided_at = NULL",
            [now],
        )
        cursor.execute(
            "UPDATE appeals_appeal SET due_at = %s WHERE id IN "
            "(SELECT id FROM appeals_appeal ORDER BY random() LIMIT %s)",
            [now + SWEEP_DUE_IN, SWEEP_DUE],
        )
        # Exactly SWEEP_DUE deadlines are due: the open cases whose appeal window closes within the sweep's look-ahead
        # (their "window closing" reminders are due for ~3 business days, more or fewer with the hour and the
        # weekday the bench runs) have their window moved past it, so that every run measures the same work.
        cursor.execute(
            "UPDATE appeals_violation SET appeal_by = appeal_by + %s WHERE status = ANY(%s) "
            "AND appeal_by >= %s AND appeal_by <= %s",
            [2 * LOOKAHEAD, list(OPEN_CASE_STATUSES), now - LOOKAHEAD, now + LOOKAHEAD],
        )
        cursor.execute("SELECT count(*) FROM appeals_appeal WHERE status = 'under_review'")
        open_appeals = cursor.fetchone()[0]
        cursor.execute("ANALYZE appeals_appeal")
    # What the beat sweep does before publishing: find the due deadlines, insert their reminder rows,
    # claim the rows to send (publishing and sending are parallel across workers).
    started = time.perf_counter()
    counts = reminders_sweep(now=now, enqueue=False)
    found = time.perf_counter() - started
    # Claimed at the deadlines: a reminder waits for its recipient's working hours but never past the
    # deadline, so then every row is due whatever time of day the bench runs.
    claimed_at = now + SWEEP_DUE_IN
    claim_started = time.perf_counter()
    singles, digest_users = reminders_claim_due(claimed_at)
    claim_seconds = time.perf_counter() - claim_started
    # Publishing to the real broker (REDIS_URL), in batches of REMINDER_BATCH_SIZE; then the queue is emptied,
    # as no worker of this database should send them. The beat's sweep runs in a worker whose broker
    # connection is open, so the connection is opened first (one no-op task), outside the timing.
    _warm_broker()
    publish_started = time.perf_counter()
    published = reminders_publish(singles, digest_users, claimed_at)
    publish_seconds = time.perf_counter() - publish_started
    _purge_queue()
    result = {
        "open_appeals": open_appeals,
        "due": SWEEP_DUE,
        "due_deadlines": counts["deadlines"],
        "reminder_rows": counts["new_rows"],
        "seconds": round(found, 3),
        "claims": Reminder.objects.filter(claimed_at=claimed_at).count(),
        "emails_to_publish": len(singles) + len(digest_users),
        "claim_seconds": round(claim_seconds, 3),
        "tasks_published": published,
        "publish_seconds": round(publish_seconds, 3),
        "total_seconds": round(found + claim_seconds + publish_seconds, 3),
    }
    stdout.write(f"  sweep: {result}")
    return result


def _warm_broker() -> None:
    from appeals.services.reminders.sweep import BATCH_TASK, enqueue_safely

    enqueue_safely(BATCH_TASK, [], [], None)


def _purge_queue() -> None:
    from core.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
