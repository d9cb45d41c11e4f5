"""Forwarded notices: each organization's private inbound address, and the notices waiting to be reviewed."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Organization


def _private_upload_to(instance: models.Model, filename: str) -> str:
    # Random names, as appeals.models.private_upload_to: the original name is kept in a field.
    return f"{instance._meta.model_name}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def new_inbound_token() -> str:
    # Lowercase letters and digits only: mail systems may lowercase the local part.
    return secrets.token_hex(12)


class InboundAddress(models.Model):
    """The organization's private address for forwarded notices: notices-<token>@INBOUND_MAIL_DOMAIN."""

    LOCAL_PREFIX = "notices-"

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="inbound_address")
    token = models.CharField(max_length=40, unique=True, default=new_inbound_token)
    rotated_at = models.DateTimeField(default=timezone.now)
    rotated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.LOCAL_PREFIX}{self.token}@{settings.INBOUND_MAIL_DOMAIN}"


class NoticeIntake(models.Model):
    """A notice that arrived by mail, "To review" until a member confirms it into a case (or dismisses it)."""

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", "To review"
        CONFIRMED = "confirmed", "Confirmed as a case"
        ADDED = "added", "Added to an existing case"
        DISMISSED = "dismissed", "Dismissed"

    class Source(models.TextChoices):
        POSTMARK = "postmark", "Postmark"
        MAILGUN = "mailgun", "Mailgun"
        UPLOAD = "upload", ".eml upload"
        COMMAND = "command", "ingest_mail"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notice_intakes")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TO_REVIEW)
    source = models.CharField(max_length=16, choices=Source.choices)
    message_id = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    # The parser's reading (appeals.notices.parser.ParsedNotice.as_json), shown for review.
    fields = models.JSONField(default=dict)
    account = models.ForeignKey(
        "appeals.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="notice_intakes"
    )
    violation = models.ForeignKey(
        "appeals.Violation", on_delete=models.SET_NULL, null=True, blank=True, related_name="notice_intakes"
    )
    # Attachments that were not kept, with the reason ("photo.heic: not a PNG, JPEG, GIF or WebP image").
    skipped = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # A provider's redelivery of the same mail does not make a second intake.
            models.UniqueConstraint(
                fields=["organization", "message_id"],
                condition=~models.Q(message_id=""),
                name="notice_intake_unique_message",
            ),
        ]
        indexes = [
            # The inbox's "To review" group and its count (selectors.violations.inbox_for_member, notice_tags).
            models.Index(fields=["organization", "status", "-received_at"], name="notice_intake_org_status"),
        ]

    def __str__(self) -> str:
        return self.subject or f"Notice {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.TO_REVIEW


class NoticeIntakeImage(models.Model):
    """A screenshot that came with a forwarded notice; copied to the case's notice attachments on confirm."""

    intake = models.ForeignKey(NoticeIntake, on_delete=models.CASCADE, related_name="images")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=_private_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["intake", "sha256"], name="notice_intake_image_unique")]

    def __str__(self) -> str:
        return self.original_name
