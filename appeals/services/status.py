from __future__ import annotations

from django.utils import timezone

from appeals.case_state import case_facts, case_plan, needs_calendar
from appeals.models import Violation


def violation_refresh_status(*, violation: Violation) -> str:
    """Store the status derived from the case's appeals and escalations, and the deadline of its next step
    (called by every service that changes them)."""
    appeals, escalations = list(violation.appeals.all()), list(violation.escalations.all())
    status = Violation.derive_status(appeals, escalations)
    # The organization (and its calendar's closed dates) only when a decided round has a follow-up window.
    organization = violation.organization if needs_calendar(status, appeals) else None
    calendar = organization.business_calendar() if organization is not None else None
    facts = case_facts(violation, appeals, escalations, status=status, organization=organization, calendar=calendar)
    deadline = case_plan(facts, now=timezone.now()).deadline_at
    changed = {}
    if status != violation.status:
        changed["status"] = status
    if deadline != violation.next_deadline_at:
        changed["next_deadline_at"] = deadline
    if changed:
        Violation.objects.filter(pk=violation.pk).update(**changed)
        for name, value in changed.items():
            setattr(violation, name, value)
    return status
