"""Celery tasks: load by id, call a service, retry on transient errors. Business rules live in services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from appeals.services import recompute, reminders
from appeals.services.destinations import deliver as destinations

# A database error after the claim (connection cut, failover): retry soon under the same task id, which
# holds the claim, so the retry takes its rows over at once instead of waiting out the lease.
DB_RETRY_SECONDS = 5


@shared_task(name="appeals.tasks.reminders_sweep", ignore_result=True)
def reminders_sweep() -> dict[str, int]:
    """Beat, every REMINDER_SWEEP_SECONDS. A second beat does no harm: the unique key inserts each row once."""
    return reminders.reminders_sweep()


# max_retries=None: the attempt count lives in the database (REMINDER_MAX_ATTEMPTS), not in the message.
@shared_task(name="appeals.tasks.reminder_send", bind=True, max_retries=None, ignore_result=True)
def reminder_send(self, reminder_id: int, claim: str | None = None) -> str:
    """claim: the sweep's claim key on the row; None for a manager's retry. self.request.id keys this delivery."""
    try:
        return reminders.reminder_deliver(reminder_id=reminder_id, token=claim, delivery=self.request.id)
    except reminders.ReminderRetry as exc:
        # Short countdown (<= REMINDER_RETRY_MAX_SECONDS, far below the visibility timeout). If this publish
        # fails too, the row is pending with send_after set, and the next sweep enqueues it.
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(countdown=DB_RETRY_SECONDS, exc=exc) from exc


@shared_task(name="appeals.tasks.reminder_digest_send", bind=True, max_retries=None, ignore_result=True)
def reminder_digest_send(self, user_id: int, claim: str | None = None) -> str:
    try:
        return reminders.digest_deliver(user_id=user_id, token=claim, delivery=self.request.id)
    except reminders.ReminderRetry as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(countdown=DB_RETRY_SECONDS, exc=exc) from exc


@shared_task(name="appeals.tasks.reminders_send_batch", bind=True, max_retries=None, ignore_result=True)
def reminders_send_batch(self, reminder_ids: list[int], digest_user_ids: list[int], claim: str | None = None) -> dict:
    """A sweep's batch. self.request.id keys its claims: a redelivery (kill -9, retry) resumes where it stopped."""
    try:
        result = reminders.reminders_deliver_batch(
            reminder_ids=reminder_ids, digest_user_ids=digest_user_ids, token=claim, delivery=self.request.id
        )
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(countdown=DB_RETRY_SECONDS, exc=exc) from exc
    if result.retry_reminders or result.retry_users:
        # Only the rows that failed, released with their backoff; no claim needed to take them again.
        raise self.retry(args=(result.retry_reminders, result.retry_users, None), countdown=result.retry_in)
    return dict(result.outcomes)


@shared_task(name="appeals.tasks.deliveries_send_batch", bind=True, max_retries=None, ignore_result=True)
def deliveries_send_batch(self, delivery_ids: list[int], claim: str | None = None) -> dict:
    """Events to Slack, Teams and webhooks; keyed like reminders_send_batch by self.request.id."""
    try:
        result = destinations.deliveries_deliver_batch(delivery_ids=delivery_ids, token=claim, delivery=self.request.id)
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(countdown=DB_RETRY_SECONDS, exc=exc) from exc
    if result.retry:
        raise self.retry(args=(result.retry, None), countdown=result.retry_in)
    return dict(result.outcomes)


@shared_task(name="appeals.tasks.weekly_summaries_send", ignore_result=True)
def weekly_summaries_send() -> object:
    """Managers' weekly summary (implemented by the analytics area; imported lazily)."""
    from appeals.services import analytics_email

    return analytics_email.weekly_summaries_send()


# max_retries=None: a retry resumes after the job's last committed batch (services.recompute.recompute_job_run).
@shared_task(name="appeals.tasks.recompute_run", bind=True, max_retries=None, ignore_result=True)
def recompute_run(self, job_id: int) -> str:
    try:
        return recompute.recompute_job_run(job_id=job_id).state
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(countdown=DB_RETRY_SECONDS, exc=exc) from exc
    except Exception as exc:
        recompute.recompute_job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="appeals.tasks.recompute_resume", ignore_result=True)
def recompute_resume() -> int:
    """Beat, every 5 minutes: jobs whose task was never delivered."""
    return recompute.recompute_jobs_resume()
