"""Where people and tools hear about events: destinations (Slack, Microsoft Teams, signed webhooks), their
deliveries, and per-person reminder preferences and case mutes. Imported by appeals.models.

A Delivery is one event for one destination: the same exactly-once guard as a Reminder (unique key, claimed
row with a lease, retries with backoff), and its attempts are the delivery log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Organization


class EventType(models.TextChoices):
    VIOLATION_CREATED = "violation.created", "Violation created"
    APPEAL_SUBMITTED = "appeal.submitted", "Appeal submitted"
    DECISION_RECORDED = "decision.recorded", "Decision recorded"
    FOLLOW_UP_STARTED = "follow_up.started", "Follow-up started"
    ESCALATION_UNANSWERED = "escalation.unanswered", "Escalation unanswered"
    DECISION_DUE_TOMORROW = "reminder.decision_due_tomorrow", "Decision due in 1 business day"
    DECISION_DUE_TODAY = "reminder.decision_due_today", "Decision due today"
    DECISION_OVERDUE = "reminder.decision_overdue", "Decision overdue"
    WINDOW_CLOSING = "reminder.window_closing", "Appeal window closing"
    TICKET_FIRST_RESPONSE_AT_RISK = "reminder.ticket_first_response_at_risk", "Ticket first response at risk"
    TICKET_FIRST_RESPONSE_BREACHED = "reminder.ticket_first_response_breached", "Ticket first response breached"
    TICKET_RESOLUTION_AT_RISK = "reminder.ticket_resolution_at_risk", "Ticket resolution at risk"
    TICKET_RESOLUTION_BREACHED = "reminder.ticket_resolution_breached", "Ticket resolution breached"
    AUTHORIZATION_EXPIRING = "reminder.authorization_expiring", "Partner authorization expiring"
    WEEKLY_SUMMARY = "summary.weekly", "Weekly summary"


class Destination(models.Model):
    class Kind(models.TextChoices):
        SLACK = "slack", "Slack (incoming webhook)"
        TEAMS = "teams", "Microsoft Teams (Workflows webhook)"
        WEBHOOK = "webhook", "Webhook (signed JSON)"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="destinations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=120)
    url = models.URLField(max_length=2000)
    # Webhooks only: signs each delivery (HMAC-SHA256); shown once to the owner, rotated by editing.
    secret = models.CharField(max_length=100, blank=True)
    events = models.JSONField(default=list, help_text="Event types sent here.")
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Event emission: the active destinations of one organization.
        indexes = [models.Index(fields=["organization", "is_active"], name="destination_org_active")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="deliveries")
    # The event's id (the webhook's idempotency key): the same for every destination and every redelivery.
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64, choices=EventType.choices)
    # The webhook body as first built ({id, type, created, organization, data}); Slack and Teams bodies are
    # formatted from it, so a redelivery sends the same facts.
    event = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_key = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["destination", "event_id"], name="delivery_exactly_once")]
        indexes = [
            # The sweep's claim step: pending deliveries whose time has come.
            models.Index(fields=["send_after"], condition=models.Q(status="pending"), name="delivery_pending"),
            # A destination's delivery log, newest first.
            models.Index(fields=["destination", "-created_at"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.destination_id}"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery: the log managers read."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]


class ReminderPreference(models.Model):
    """One person's choice for one reminder kind; no row means the default (by email, in their email mode)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preferences")
    kind = models.CharField(max_length=40)
    email = models.BooleanField(default=True)
    digest = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="reminder_preference_once")]


class CaseMute(models.Model):
    """No reminders about this case for this person (destinations still hear about it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_mutes")
    violation = models.ForeignKey("appeals.Violation", on_delete=models.CASCADE, related_name="mutes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "violation"], name="case_mute_once")]
