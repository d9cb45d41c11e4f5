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
    """Append one entry to a case's history (the only way entries are written)."""
    return TimelineEvent.objects.create(
        organization_id=violation.organization_id,
        violation=violation,
        appeal=appeal,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        data=data or {},
    )
