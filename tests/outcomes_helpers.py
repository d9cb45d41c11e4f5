"""Shared set-up for the outcome, escalation, timeline and comment tests."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from appeals.models import Appeal, Evidence, Violation
from tests.factories import AppealFactory, ViolationFactory


def make_evidence(appeal: Appeal, content: bytes, name: str = "invoice.pdf") -> Evidence:
    item = Evidence(
        appeal=appeal,
        organization=appeal.organization,
        original_name=name,
        content_type="application/pdf",
        category=Evidence.Category.DOCUMENT,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    item.file.save(name, ContentFile(content), save=False)
    item.save()
    return item


def submitted_appeal(
    account, *, submitted_at: datetime | None = None, round: int = 1, violation: Violation | None = None, **kwargs
) -> Appeal:
    submitted_at = submitted_at or timezone.now() - timedelta(days=2)
    violation = violation or ViolationFactory(account=account, penalty_points=kwargs.pop("penalty_points", 0))
    appeal = AppealFactory(
        violation=violation,
        round=round,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=submitted_at,
        due_at=submitted_at + timedelta(days=5),
        explanation="The trademark rule does not apply: we are the brand owner.",
        final_text="Reinstate SKU 12345: we own the trademark.",
        desired_outcome="Reinstate the listing",
        **kwargs,
    )
    return appeal
