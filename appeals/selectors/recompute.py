"""Reads for the deadline recompute's progress (services.recompute)."""

from __future__ import annotations

from appeals.models import RecomputeJob
from core.models import Organization


def latest_recompute_job(organization: Organization) -> RecomputeJob | None:
    # Index recompute_org_created.
    return RecomputeJob.objects.filter(organization=organization).order_by("-created_at", "-id").first()
