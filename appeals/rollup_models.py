"""Analytics rollups: decided appeals counted per organization and local month (or day), kept by PostgreSQL.

Rows are written only by the triggers and functions of migration 0021 (appeals_decided_rollup_*), in the same
transaction as the appeal row they count, whatever changed it (a service, a signal's refresh, a QuerySet.update, a
cascade); `manage.py analytics_rollups --rebuild` and seed_demo rebuild them from the appeals. The dashboard reads
them on PostgreSQL without filters (selectors.analytics); SQLite has the tables but neither triggers nor reads.
"""

from __future__ import annotations

from django.db import models


class DecidedRollup(models.Model):
    """Decided appeals of one organization and local month, counted in one grouping set of the dashboard.

    `grouped` is the GROUPING() mask of selectors.analytics.FACT_COLUMNS (a bit set = that column is not part of
    the set, and stored as NULL); a NULL in a column of the set is a real NULL (say, an unscored readiness).
    Unique on every column with NULLS NOT DISTINCT (PostgreSQL 15; created by the migration).
    """

    # No foreign keys: the triggers write while appeals, accounts and organizations are being deleted.
    organization_id = models.BigIntegerField()
    month = models.DateField()
    grouped = models.PositiveSmallIntegerField()
    round = models.PositiveSmallIntegerField(null=True)
    readiness_score = models.PositiveSmallIntegerField(null=True)
    notice_days = models.SmallIntegerField(null=True)
    evidence_count = models.PositiveSmallIntegerField(null=True)
    evidence_categories = models.PositiveSmallIntegerField(null=True)
    violation_kind = models.CharField(max_length=32, null=True)
    violation_policy = models.CharField(max_length=255, null=True)
    violation_account_id = models.BigIntegerField(null=True)
    violation_assignee_id = models.BigIntegerField(null=True)
    decision_business_days = models.PositiveSmallIntegerField(null=True)
    n = models.IntegerField(default=0)
    reversed = models.IntegerField(default=0)
    partial = models.IntegerField(default=0)


class DecidedDay(models.Model):
    """Decided appeals of one organization and local day (the success trend's weeks and months)."""

    organization_id = models.BigIntegerField()
    day = models.DateField()
    n = models.IntegerField(default=0)
    reversed = models.IntegerField(default=0)
    partial = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization_id", "day"], name="decided_day_unique")]
