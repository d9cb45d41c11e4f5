"""Analytics rollups: decided appeals counted per organization and local month (or day), violations received and
appeals submitted per local day and kind, penalty points per UTC day and account; kept by PostgreSQL.

Rows are written only by the triggers and functions of migrations 0021, 0022 and 0025 (appeals_*_rollup_*), in the
same transaction as the appeal or violation row they count, whatever changed it (a service, a signal's refresh, a
QuerySet.update, a cascade); `manage.py analytics_rollups` and seed_demo rebuild them all with one SQL function,
appeals_decided_rollup_rebuild(organization id or NULL). The dashboard reads them on PostgreSQL when its filters are
ones a rollup keeps (selectors.analytics); SQLite has the tables but neither triggers nor reads. On PostgreSQL each
table's unique key (organization first) INCLUDEs its counts (migration 0026, which Django's state does not show), so
the dashboard reads an organization's rows by index-only scans.
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


class ViolationDay(models.Model):
    """Violations of one organization enforced on one local day, per kind (the "violations received" volume).

    Written by the triggers of migration 0025 (appeals_volume_rollup_*), like the decided rollups.
    """

    # The key is the primary key: one index to write per row (a 1M-violation backfill writes ~780k rows).
    pk = models.CompositePrimaryKey("organization_id", "day", "kind")
    organization_id = models.BigIntegerField()
    day = models.DateField()
    kind = models.CharField(max_length=32)
    n = models.IntegerField(default=0)


class SubmittedDay(models.Model):
    """Appeals of one organization submitted on one local day, per violation kind (the "appeals submitted" volume)."""

    pk = models.CompositePrimaryKey("organization_id", "day", "violation_kind")
    organization_id = models.BigIntegerField()
    day = models.DateField()
    violation_kind = models.CharField(max_length=32)
    n = models.IntegerField(default=0)


class PointsDay(models.Model):
    """Penalty points not cleared, per organization, account and UTC day of enforcement (the points outstanding).

    A UTC day, not a local one: the dashboard's window starts `penalty_point_expiry_days` before now, not at a local
    midnight, so its first (partial) day is counted from the violations whatever the timezone.
    """

    pk = models.CompositePrimaryKey("organization_id", "day", "account_id")
    organization_id = models.BigIntegerField()
    day = models.DateField()
    account_id = models.BigIntegerField()
    points = models.IntegerField(default=0)
    cases = models.IntegerField(default=0)
