from __future__ import annotations

from appeals.models import Violation


def violation_refresh_status(*, violation: Violation) -> str:
    """Store the status derived from the case's appeals and escalations (called by every service that changes them)."""
    status = Violation.derive_status(list(violation.appeals.all()), list(violation.escalations.all()))
    if status != violation.status:
        Violation.objects.filter(pk=violation.pk).update(status=status)
        violation.status = status
    return status
