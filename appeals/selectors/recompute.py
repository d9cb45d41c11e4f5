"""Reads for the deadline recompute's progress (services.recompute)."""

from __future__ import annotations

from appeals.models import RecomputeJob
from core.market_models import RuleVersion
from core.models import Organization


def latest_recompute_job(
    organization: Organization, *, version: RuleVersion | None = None, dry_run: bool = False
) -> RecomputeJob | None:
    """The organization's latest job that writes (the settings page), or the latest applying `version` (its Apply
    screen); with dry_run, the latest count of what `version` would move."""
    jobs = RecomputeJob.objects.filter(organization=organization, dry_run=dry_run)  # index recompute_org_created
    if version is not None:
        jobs = jobs.filter(rule_version=version)
    return jobs.order_by("-created_at", "-id").first()
