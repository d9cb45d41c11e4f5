"""Owners' and managers' changes to destinations, and the delivery log's "redeliver"."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from appeals.models import Delivery, Destination, EventType
from appeals.services import ServiceError
from appeals.services.destinations.events import deliveries_publish
from appeals.services.destinations.http import url_refusal
from appeals.services.destinations.webhook import webhook_secret_new
from core.models import Organization, User


def _validate(*, kind: str, url: str, events: list[str]) -> None:
    if kind not in Destination.Kind.values:
        raise ServiceError("Choose Slack, Microsoft Teams or a webhook.", field="kind")
    why = url_refusal(url)
    if why:
        raise ServiceError(why, field="url")
    unknown = set(events) - set(EventType.values)
    if unknown:
        raise ServiceError(f"Unknown events: {', '.join(sorted(unknown))}.", field="events")
    if not events:
        raise ServiceError("Choose at least one event.", field="events")


def destination_create(
    *, organization: Organization, by: User, kind: str, name: str, url: str, events: list[str]
) -> Destination:
    _validate(kind=kind, url=url, events=events)
    return Destination.objects.create(
        organization=organization,
        kind=kind,
        name=name.strip() or Destination.Kind(kind).label,
        url=url,
        secret=webhook_secret_new() if kind == Destination.Kind.WEBHOOK else "",
        events=sorted(set(events)),
        created_by=by,
    )


def destination_update(
    *, destination: Destination, name: str, url: str, events: list[str], is_active: bool, rotate_secret: bool = False
) -> Destination:
    """Switching a destination back on clears its failure count; pending deliveries then go out."""
    _validate(kind=destination.kind, url=url, events=events)
    destination.name = name.strip() or destination.name
    destination.url = url
    destination.events = sorted(set(events))
    if is_active and not destination.is_active:
        destination.consecutive_failures = 0
        destination.disabled_reason = ""
    destination.is_active = is_active
    if rotate_secret and destination.kind == Destination.Kind.WEBHOOK:
        destination.secret = webhook_secret_new()
    destination.save()
    return destination


@transaction.atomic
def delivery_redeliver(*, delivery_id: int, organization: Organization) -> Delivery:
    """Send an event again, same id and body (the receiver de-duplicates by id); queued after commit."""
    d = Delivery.objects.select_for_update().filter(pk=delivery_id, organization=organization).first()
    if d is None:
        raise ServiceError("No such delivery.")
    if d.status == Delivery.Status.PENDING:
        raise ServiceError("This delivery is still being tried.")
    d.status = Delivery.Status.PENDING
    d.attempts = 0
    d.claimed_at = None
    d.claim_key = ""
    d.send_after = timezone.now()
    d.save(update_fields=["status", "attempts", "claimed_at", "claim_key", "send_after"])
    transaction.on_commit(lambda: deliveries_publish([d.pk]))
    return d
