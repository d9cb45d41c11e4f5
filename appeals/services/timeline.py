from __future__ import annotations

from typing import Any

from appeals.models import Appeal, TimelineEvent, TimelineVerb, Violation


def timeline_record(
    *,
    violation: Violation,
    verb: TimelineVerb | str,
    actor=None,
    appeal: Appeal | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Append one entry to a case's history (the only way entries are written); the entries that are events
    (case created, appeal submitted, decision recorded, follow-up started) go to the organization's destinations."""
    # Imported here: the destinations import the reminders package, whose delivery records timeline entries.
    from appeals.services.destinations.events import event_from_timeline

    entry = TimelineEvent.objects.create(
        organization_id=violation.organization_id,
        violation=violation,
        appeal=appeal,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        data=data or {},
    )
    event_from_timeline(entry)
    return entry
