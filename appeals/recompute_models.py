"""The progress record of a deadline recompute (services.recompute, task appeals.tasks.recompute_run).
Imported by appeals.models.

One row per job: what triggered it (a settings change or a rule version), how far it got (a keyset cursor per
phase, so a retried task resumes after the last committed batch), and the counts the progress bar shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Organization


class RecomputeJob(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        CASES = "cases", "Cases"
        TICKETS = "tickets", "Tickets"
        FINISHED = "finished", "Finished"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="recompute_jobs")
    # Words for the timeline entries and the progress bar: "settings: review business days 3 → 5",
    # "rule version 2".
    reason = models.CharField(max_length=255)
    # Only cases of this market (blank: every market of the organization).
    market = models.CharField(max_length=2, blank=True)
    # "Apply now" of a rule version: the market's open cases take it (NULL: a settings change, each case's own).
    rule_version = models.ForeignKey(
        "core.RuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="recompute_jobs"
    )
    # Only counts what would move (the "would change" figure of a rule version's Apply screen); writes nothing.
    dry_run = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.CASES)
    # Keyset cursors: the last case / ticket id whose batch committed.
    cursor = models.BigIntegerField(default=0)
    # Open cases and tickets counted when the job started (cases opened meanwhile may take done past it).
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The settings page's latest job (selectors.recompute.latest_recompute_job).
            models.Index(fields=["organization", "-created_at"], name="recompute_org_created"),
        ]

    def __str__(self) -> str:
        return f"Recompute {self.pk} ({self.reason}): {self.state}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
