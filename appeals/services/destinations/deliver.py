"""Delivering an event to a destination: the same claim, lease and retry machinery as reminder emails.

1. Claim the Delivery row (conditional UPDATE; the sweep's key or this task's own delivery key takes it over).
2. Build the body for the channel and POST it through the guarded transport (http.py).
3. Log the attempt (status code, time, an excerpt of the answer).
4. 2xx: delivered. 408, 429, 5xx, timeout, no connection: released with a backoff and tried again, up to
   REMINDER_MAX_ATTEMPTS. Any other answer (3xx, 4xx): failed at once, not retried. A URL that may not be called:
   failed at once.
5. DESTINATION_DISABLE_AFTER failed attempts in a row switch the destination off and email its owners.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from appeals.models import Delivery, DeliveryAttempt, Destination
from appeals.services.destinations import http
from appeals.services.destinations.slack import slack_request
from appeals.services.destinations.teams import teams_request
from appeals.services.destinations.webhook import webhook_request
from appeals.services.reminders.claim import (
    RECORD_ATTEMPTS,
    RECORD_PAUSE_SECONDS,
    ReminderRetry,
    _key_of,
    new_delivery,
    retry_delay,
    sweep_key,
)
from appeals.services.reminders.rules import overtaken_by
from core.emails import email_send
from core.models import Membership, Role

log = logging.getLogger(__name__)

REQUESTS: dict[str, Callable[[dict, str, int], tuple[bytes, dict[str, str]]]] = {
    Destination.Kind.SLACK: slack_request,
    Destination.Kind.TEAMS: teams_request,
    Destination.Kind.WEBHOOK: webhook_request,
}
RETRIED_STATUSES = {408, 429}
USER_AGENT = "AppealDesk-Webhooks/1.0"


def _lease() -> timedelta:
    return timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)


def _claimable(now: datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _lease())


def deliveries_claim_due(now: datetime) -> list[int]:
    """The sweep's claim of every pending delivery whose time has come, in one UPDATE (see reminders_claim_due)."""
    key = sweep_key(now)
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, send_after__lte=now)
    with transaction.atomic():
        if not due.filter(_claimable(now)).update(claimed_at=now, claim_key=key):
            return []
        return list(due.filter(claimed_at=now, claim_key=key).order_by("send_after", "id").values_list("id", flat=True))


def deliveries_due(now: datetime) -> list[int]:
    """Pending deliveries whose time has come and whose claim is free or expired (for `run_reminders --inline`)."""
    return list(
        Delivery.objects.filter(_claimable(now), status=Delivery.Status.PENDING, send_after__lte=now)
        .order_by("send_after", "id")
        .values_list("id", flat=True)
    )


def delivery_claim(*, delivery_id: int, now: datetime, token: datetime | str | None, delivery: str) -> bool:
    allowed = _claimable(now)
    for key in (_key_of(token), delivery):
        if key:
            allowed |= Q(claim_key=key)
    return (
        Delivery.objects.filter(allowed, pk=delivery_id, status=Delivery.Status.PENDING).update(
            claimed_at=now, claim_key=delivery
        )
        == 1
    )


def _held(pk: int, now: datetime, key: str):
    return Delivery.objects.filter(pk=pk, claimed_at=now, claim_key=key, status=Delivery.Status.PENDING)


def _log(d: Delivery, *, status: int | None, ms: int, error: str = "", body: bytes = b"") -> None:
    DeliveryAttempt.objects.create(
        delivery=d,
        status_code=status,
        duration_ms=ms,
        error=error[:500],
        response_excerpt=body[:500].decode("utf-8", "replace"),
    )


def _still_worth_sending(d: Delivery, now: datetime) -> str:
    """A reminder event overtaken by a later one of its chain is not sent (see rules.overtaken_by)."""
    kind = d.event.get("data", {}).get("kind")
    if not kind or not d.event_type.startswith("reminder."):
        return ""
    later = overtaken_by(
        kind=kind,
        deadline=datetime.fromisoformat(d.event["data"]["deadline"]),
        now=now,
        calendar=d.destination.organization.business_calendar(),
    )
    return f"Overtaken by {later} before its turn came." if later else ""


def delivery_deliver(
    *, delivery_id: int, now: datetime | None = None, token: datetime | str | None = None, delivery: str | None = None
) -> str:
    """Claim, send, log and mark one delivery. Returns sent / skipped / disabled / not_due / failed.

    Raises ReminderRetry when the endpoint should be tried again (the task retries with that delay).
    """
    now = now or timezone.now()
    key = delivery or new_delivery()
    if not delivery_claim(delivery_id=delivery_id, now=now, token=token, delivery=key):
        return "skipped"
    d = Delivery.objects.select_related("destination__organization").filter(pk=delivery_id).first()
    if d is None:
        return "skipped"
    destination = d.destination
    if not destination.is_active:
        _held(d.pk, now, key).update(status=Delivery.Status.SKIPPED, last_error="The destination is switched off.")
        return "disabled"
    why = _still_worth_sending(d, now)
    if why:
        _held(d.pk, now, key).update(status=Delivery.Status.SKIPPED, last_error=why)
        return "not_due"
    body, headers = REQUESTS[destination.kind](d.event, destination.secret, int(time.time()))
    started = time.monotonic()
    try:
        answer = http.post(destination.url, body, {**headers, "User-Agent": USER_AGENT})
    except http.UrlRefused as exc:
        _log(d, status=None, ms=0, error=str(exc))
        return _give_up(d, now, key, error=f"Refused: {exc}", status=None)
    except http.TransportError as exc:
        _log(d, status=None, ms=int((time.monotonic() - started) * 1000), error=str(exc))
        return _try_again(d, now, key, error=str(exc), status=None)
    if 200 <= answer.status < 300:
        _record_delivered(d, now, key, answer.status)  # first: the log line is outside the gap
        _log(d, status=answer.status, ms=answer.elapsed_ms, body=answer.body)
        return "sent"
    _log(d, status=answer.status, ms=answer.elapsed_ms, body=answer.body)
    error = f"HTTP {answer.status}"
    if answer.status in RETRIED_STATUSES or answer.status >= 500:
        return _try_again(d, now, key, error=error, status=answer.status, asked_wait=answer.retry_after)
    return _give_up(d, now, key, error=f"{error} (not retried)", status=answer.status)


def _record_delivered(d: Delivery, now: datetime, key: str, status: int) -> None:
    """Right after the 2xx: one UPDATE, retried for ~2 s on a database error (the documented gap is what's left)."""
    for attempt in range(RECORD_ATTEMPTS):
        try:
            _held(d.pk, now, key).update(
                status=Delivery.Status.SENT,
                sent_at=timezone.now(),
                attempts=F("attempts") + 1,
                last_status_code=status,
                last_error="",
            )
            break
        except (OperationalError, InterfaceError):
            if attempt == RECORD_ATTEMPTS - 1:
                raise
            close_old_connections()
            time.sleep(RECORD_PAUSE_SECONDS)
    Destination.objects.filter(pk=d.destination_id).exclude(consecutive_failures=0).update(consecutive_failures=0)


def _give_up(d: Delivery, now: datetime, key: str, *, error: str, status: int | None) -> str:
    _held(d.pk, now, key).update(
        status=Delivery.Status.FAILED,
        attempts=F("attempts") + 1,
        last_status_code=status,
        last_error=error,
        claimed_at=None,
        claim_key="",
    )
    _count_failure(d.destination)
    return "failed"


def _try_again(
    d: Delivery, now: datetime, key: str, *, error: str, status: int | None, asked_wait: int | None = None
) -> str:
    """Back off; an endpoint's Retry-After (429, 503) is honoured when longer, up to REMINDER_RETRY_MAX_SECONDS
    (the task's countdown must stay far below the broker's visibility timeout)."""
    attempts = d.attempts + 1
    if attempts >= settings.REMINDER_MAX_ATTEMPTS:
        return _give_up(d, now, key, error=f"{error} (after {attempts} attempts)", status=status)
    _count_failure(d.destination)
    delay = retry_delay(attempts)
    if asked_wait is not None:
        delay = max(delay, min(asked_wait, settings.REMINDER_RETRY_MAX_SECONDS))
        error = f"{error}, asked to wait {asked_wait} s"
    _held(d.pk, now, key).update(
        attempts=attempts,
        last_status_code=status,
        last_error=error,
        claimed_at=None,
        claim_key="",
        send_after=now + timedelta(seconds=delay),
    )
    raise ReminderRetry(error, retry_in=delay)


def _count_failure(destination: Destination) -> None:
    """One more failed attempt in a row; at DESTINATION_DISABLE_AFTER the destination is switched off once."""
    with transaction.atomic():
        Destination.objects.filter(pk=destination.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        switched = Destination.objects.filter(
            pk=destination.pk, is_active=True, consecutive_failures__gte=settings.DESTINATION_DISABLE_AFTER
        ).update(
            is_active=False,
            disabled_reason=f"Switched off after {settings.DESTINATION_DISABLE_AFTER} failed deliveries in a row.",
        )
    if switched:
        transaction.on_commit(lambda: _tell_owners(destination.pk))


def _tell_owners(destination_id: int) -> None:
    destination = Destination.objects.select_related("organization").get(pk=destination_id)
    owners = list(
        Membership.objects.filter(
            organization=destination.organization, role=Role.OWNER, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if not owners:
        return
    try:
        email_send(
            name="destination_disabled",
            to=owners,
            context={"destination": destination, "organization": destination.organization},
        )
    except Exception:  # the switch-off stands and shows on the destinations page; the email is a courtesy
        log.exception("Could not email owners about destination %s", destination_id)


@dataclass
class DeliveryBatchResult:
    outcomes: Counter = field(default_factory=Counter)
    retry: list[int] = field(default_factory=list)
    retry_in: int = 0


def deliveries_deliver_batch(
    *, delivery_ids: list[int], token: datetime | str | None = None, delivery: str | None = None
) -> DeliveryBatchResult:
    result = DeliveryBatchResult()
    key = delivery or new_delivery()
    for pk in delivery_ids:
        try:
            outcome = delivery_deliver(delivery_id=pk, token=token, delivery=key)
        except ReminderRetry as exc:
            outcome = "retry"
            result.retry.append(pk)
            result.retry_in = min(result.retry_in or exc.retry_in, exc.retry_in)
        result.outcomes[outcome] += 1
    return result
