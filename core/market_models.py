"""Versioned platform rules per organization and market (see core.markets for the clocks and core.rules for the
services)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from core.models import Organization

# Version 1 of every market is in force since this date: every case recorded before versions existed gets it.
FIRST_EFFECTIVE = date(2000, 1, 1)


class RuleVersion(models.Model):
    """The platform's rules for one market, as an organization knows them, from `effective_from` on.

    A case keeps the version in force on its enforcement date (market time): Violation.rule_version and
    SupportTicket.rule_version. A NULL rule field means "the organization's setting": version 1, which every
    market gets first, is all NULL, so it follows the organization's settings screen as before versions existed.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rule_versions")
    market = models.CharField(max_length=8)
    number = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    appeal_window_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # {"<violation kind>": days}; NULL: the organization's per-kind windows.
    appeal_window_days_by_kind = models.JSONField(null=True, blank=True)
    follow_up_window_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_rounds = models.PositiveSmallIntegerField(null=True, blank=True)
    review_business_days = models.PositiveSmallIntegerField(null=True, blank=True)
    ticket_first_response_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    ticket_resolution_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    appeal_char_limit = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["organization", "market", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "market", "number"], name="rule_version_unique_number"),
            # Also the index of rule_version_for (organization, market, effective_from <= day, newest first).
            models.UniqueConstraint(
                fields=["organization", "market", "effective_from"], name="rule_version_unique_effective"
            ),
            models.CheckConstraint(
                condition=models.Q(max_rounds__isnull=True) | models.Q(max_rounds__gte=1),
                name="rule_version_max_rounds_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market} rules, version {self.number}"

    @property
    def label(self) -> str:
        """ "version 2 (from Jan 1, 2027)"; version 1 has been in force since before the case."""
        if self.number == 1:
            return "version 1"
        day = self.effective_from
        return f"version {self.number} (from {day:%b} {day.day}, {day.year})"
