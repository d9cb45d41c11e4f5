"""The domain: accounts, violations, appeals, evidence, escalations, tickets, reminders, timeline."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Organization


class Account(models.Model):
    """A seller shop or a creator account that an organization manages."""

    class Kind(models.TextChoices):
        SELLER_SHOP = "seller_shop", "Seller shop"
        CREATOR = "creator", "Creator"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="accounts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    external_id = models.CharField("shop ID or creator username", max_length=120)
    name = models.CharField("shop or display name", max_length=160)
    market = models.CharField(max_length=8, default="US")
    health_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    # Partner authorization to contact support for this account (agencies only).
    authorized = models.BooleanField(default=False)
    authorized_since = models.DateField(null=True, blank=True)
    authorization_expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "external_id"], name="account_unique_external_id"),
            # What a case's (account, organization) key references (migration 0028): one check per new case proves
            # both its account and that the account is its organization's.
            models.UniqueConstraint(fields=["id", "organization"], name="account_id_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    def authorization_state(self, today=None) -> str:
        """missing / expired / expiring / valid, for the channel guide and ticket form."""
        today = today or timezone.localdate()
        if not self.authorized:
            return "missing"
        if self.authorization_expires_on is None:
            return "valid"
        if self.authorization_expires_on < today:
            return "expired"
        if (self.authorization_expires_on - today).days <= self.organization.authorization_notice_days:
            return "expiring"
        return "valid"


class ViolationKind(models.TextChoices):
    LISTING_REMOVAL = "listing_removal", "Listing / product removal"
    PENALTY_POINTS = "penalty_points", "Penalty points"
    SHOP_RESTRICTION = "shop_restriction", "Shop restriction or suspension"
    ORDER_ACTION = "order_action", "Order-related action"
    CONTENT_RESTRICTION = "content_restriction", "Creator content or LIVE restriction"
    AFFILIATE_RESTRICTION = "affiliate_restriction", "Affiliate restriction"
    OTHER = "other", "Other"


KINDS_FOR_ACCOUNT = {
    Account.Kind.SELLER_SHOP: {
        ViolationKind.LISTING_REMOVAL,
        ViolationKind.PENALTY_POINTS,
        ViolationKind.SHOP_RESTRICTION,
        ViolationKind.ORDER_ACTION,
        ViolationKind.OTHER,
    },
    Account.Kind.CREATOR: {
        ViolationKind.CONTENT_RESTRICTION,
        ViolationKind.AFFILIATE_RESTRICTION,
        ViolationKind.PENALTY_POINTS,
        ViolationKind.OTHER,
    },
}


class CaseStatus(models.TextChoices):
    """A violation's status, derived from its appeals and escalations."""

    NOT_APPEALED = "not_appealed", "Not appealed"
    DRAFT = "draft", "Appeal draft"
    UNDER_REVIEW = "under_review", "Under review"
    REVERSED = "reversed", "Reversed"
    PARTIALLY_REVERSED = "partially_reversed", "Partially reversed"
    UPHELD = "upheld", "Upheld"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ESCALATED = "escalated", "Escalated"


class Violation(models.Model):
    """An enforcement action against one account, as recorded on the platform."""

    class RecordStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        ENFORCED = "enforced", "Enforcement action taken"

    # No single-column indexes: the composite indexes below start with these columns (fewer indexes to
    # maintain on a 100k-row CSV import). No constraint of their own either: on PostgreSQL one composite key
    # (account_id, organization_id) references the account's (id, organization_id) (violation_account_in_org,
    # migration 0028), so one check per new case proves both and that the account belongs to the organization.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="violations", db_index=False, db_constraint=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="violations", db_index=False, db_constraint=False
    )
    reference = models.CharField("violation reference number", max_length=120)
    kind = models.CharField(max_length=32, choices=ViolationKind.choices)
    policy = models.CharField("policy or rule cited", max_length=255)
    action = models.CharField("action taken", max_length=255, blank=True)
    record_status = models.CharField(max_length=16, choices=RecordStatus.choices, default=RecordStatus.ENFORCED)
    enforced_at = models.DateTimeField("enforced / notified at")
    notice = models.TextField("notice text", blank=True)
    penalty_points = models.PositiveSmallIntegerField(default=0)
    points_cleared = models.BooleanField(default=False)
    # End of the last calendar day of the platform's appeal window, in the organization's timezone.
    appeal_by = models.DateTimeField()
    # Indexed only where set (violation_assignee_set): an imported or new case has none.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_violations",
        db_index=False,
    )
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.NOT_APPEALED)
    # The deadline of the case's next step once it has left "not appealed" (decision due, follow-up window,
    # escalation answer; NULL when final), kept by services.status.violation_refresh_status. A case not appealed
    # yet uses appeal_by instead, so recording or importing a case never has to set it (see next_deadline()).
    next_deadline_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The platform rules in force on the enforcement date (market time), kept when newer versions arrive; its
    # appeals count with it too. Set by violation_create / the import; NULL only on rows written around them.
    rule_version = models.ForeignKey(
        "core.RuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="violations"
    )
    version = models.PositiveIntegerField(default=1)
    # Indexed only where set (violation_created_by_set): NULL on cases imported from the shell or seeded.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "reference"], name="violation_unique_reference"),
            models.CheckConstraint(condition=models.Q(penalty_points__lte=1000), name="violation_points_sane"),
        ]
        indexes = [
            # Full list default sort and date-range filter (selectors.violations_for_list); with the kind included,
            # the analytics "violations received" volume reads the index alone (selectors.analytics).
            models.Index(
                fields=["organization", "-enforced_at", "-id"], name="violation_org_enforced_kind", include=["kind"]
            ),
            # Inbox urgency queries and status filters (selectors.inbox_for_member), and the list's status sort
            # (filters.SORTS: status, then appeal window, then pk) read in index order: one index for both, one
            # less to maintain on each imported row.
            models.Index(fields=["organization", "status", "appeal_by", "id"], name="violation_org_status_by"),
            # Account page and repeat-violation count (services.violations.repeat_count).
            models.Index(fields=["account", "kind", "enforced_at"], name="violation_account_kind"),
            # Assignee filter on the list.
            models.Index(fields=["organization", "assignee", "-enforced_at"], name="violation_org_assignee"),
            # Reminder sweep: windows closing soon (services.reminders).
            models.Index(fields=["status", "appeal_by"], name="violation_status_by"),
            # The list's other sort orders (filters.SORTS), each with the pk tie-breaker, so no page sorts in memory.
            models.Index(fields=["organization", "appeal_by", "id"], name="violation_org_sort_by"),
            models.Index(fields=["organization", "reference", "id"], name="violation_org_sort_reference"),
            models.Index(fields=["organization", "penalty_points", "id"], name="violation_org_sort_points"),
            # The list's "next deadline" sort: the same expression as next_deadline(), so PostgreSQL reads pages
            # in index order (tests/test_query_plans.py).
            models.Index(
                models.F("organization"),
                models.Case(
                    models.When(status="not_appealed", then=models.F("appeal_by")),
                    default=models.F("next_deadline_at"),
                ),
                models.F("id"),
                name="violation_org_sort_deadline",
            ),
            # A deleted user's cases are set to NULL through these (on_delete); rows without one get no entry, so
            # an import pays nothing for them. "Nobody" on the list reads violation_org_assignee.
            models.Index(
                fields=["assignee"], condition=models.Q(assignee__isnull=False), name="violation_assignee_set"
            ),
            models.Index(
                fields=["created_by"], condition=models.Q(created_by__isnull=False), name="violation_created_by_set"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def rules(self):
        """The platform rules this case counts with (core.rules.case_rules), for templates."""
        from core.rules import case_rules

        return case_rules(self)

    @staticmethod
    def next_deadline() -> models.Case:
        """The next deadline of a case as an SQL expression (the list's "next deadline" sort and column)."""
        return models.Case(
            models.When(status=CaseStatus.NOT_APPEALED, then=models.F("appeal_by")),
            default=models.F("next_deadline_at"),
        )

    @property
    def is_open(self) -> bool:
        return self.status in {CaseStatus.NOT_APPEALED, CaseStatus.DRAFT}

    @staticmethod
    def derive_status(appeals: Iterable[Appeal], escalations: Iterable[Escalation] = ()) -> str:
        """The case status from its appeals (latest round wins) and escalations (open, or answered with a reversal)."""
        latest = max(appeals, key=lambda a: a.round, default=None)
        open_escalation = any(e.answered_at is None for e in escalations)
        if latest is None:
            return CaseStatus.ESCALATED if open_escalation else CaseStatus.NOT_APPEALED
        unsettled = {Appeal.Status.UPHELD, Appeal.Status.UNDER_REVIEW, Appeal.Status.PARTIALLY_REVERSED}
        if open_escalation and latest.status in unsettled:
            return CaseStatus.ESCALATED
        # An escalation of the latest round answered with a reversal settles the case that way.
        answers = [e for e in escalations if e.answered_at is not None and e.appeal_id in (None, latest.pk)]
        if latest.status in unsettled and answers:
            result = max(answers, key=lambda e: e.answered_at).result
            if result in {CaseStatus.REVERSED, CaseStatus.PARTIALLY_REVERSED}:
                return result
        return {
            Appeal.Status.DRAFT: CaseStatus.DRAFT,
            Appeal.Status.UNDER_REVIEW: CaseStatus.UNDER_REVIEW,
            Appeal.Status.REVERSED: CaseStatus.REVERSED,
            Appeal.Status.PARTIALLY_REVERSED: CaseStatus.PARTIALLY_REVERSED,
            Appeal.Status.UPHELD: CaseStatus.UPHELD,
            Appeal.Status.WITHDRAWN: CaseStatus.WITHDRAWN,
        }[latest.status]


class ViolationItem(models.Model):
    """One affected ID (SKU, product, order or video), so a case can be found by any of them."""

    class Kind(models.TextChoices):
        SKU = "sku", "SKU ID"
        PRODUCT = "product", "Product ID"
        ORDER = "order", "Order ID"
        VIDEO = "video", "Video ID"

    # Covered by violation_item_unique (violation, ...) and violation_item_org_value (organization, ...).
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="items", db_index=False)
    # A copy of the violation's organization, for scoping and the (organization, value) index. No constraint of its
    # own: the violation's keeps an ID from outliving its case, and the case's from outliving its organization
    # (Django deletes the IDs with either); a check per ID cost the CSV import ~300k lookups per 100k rows.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=120)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["violation", "kind", "value"], name="violation_item_unique"),
        ]
        indexes = [
            # Search by any affected ID (selectors.violations_for_list, free-text search).
            models.Index(fields=["organization", "value"], name="violation_item_org_value"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


def private_upload_to(instance: models.Model, filename: str) -> str:
    # Random names: the original name is kept in a field, never in the storage path.
    return f"{instance._meta.model_name}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class NoticeAttachment(models.Model):
    """A screenshot of the platform's notice, attached to the violation."""

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="attachments")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=private_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["violation", "sha256"], name="notice_attachment_unique")]

    def __str__(self) -> str:
        return self.original_name


class Watch(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="watches")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "violation"], name="watch_unique")]


class AccountSubscription(models.Model):
    """A member who wants reminders for every case of an account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_subscriptions")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="subscriptions")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="account_subscription_unique")]


class Appeal(models.Model):
    """One round of appeal for a violation; round 2+ are follow-ups with new evidence."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        UNDER_REVIEW = "under_review", "Under review"
        REVERSED = "reversed", "Reversed"
        PARTIALLY_REVERSED = "partially_reversed", "Partially reversed"
        UPHELD = "upheld", "Upheld"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Every allowed move; a decided appeal never changes again (a follow-up is a new appeal).
    TRANSITIONS = {
        Status.DRAFT: {Status.UNDER_REVIEW, Status.WITHDRAWN},
        Status.UNDER_REVIEW: {Status.REVERSED, Status.PARTIALLY_REVERSED, Status.UPHELD, Status.WITHDRAWN},
    }
    DECIDED = {Status.REVERSED, Status.PARTIALLY_REVERSED, Status.UPHELD}

    class Impact(models.TextChoices):
        LISTING_REINSTATED = "listing_reinstated", "Listing reinstated"
        POINTS_REMOVED = "points_removed", "Penalty points removed"
        RESTRICTION_LIFTED = "restriction_lifted", "Restriction lifted"

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="appeals")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="appeals")
    round = models.PositiveSmallIntegerField(default=1)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    builder_step = models.PositiveSmallIntegerField(default=1)
    desired_outcome = models.TextField(blank=True)
    rule_cited = models.CharField(max_length=255, blank=True)
    rule_explanation = models.TextField(blank=True)
    # The IDs step: {"reference": ..., "account": ..., "sku": [...], "product": [...], "order": [...], "video": [...]}.
    ids = models.JSONField(default=dict, blank=True)
    explanation = models.TextField(blank=True)
    final_text = models.TextField(blank=True, help_text="Frozen at submission.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    platform_reference = models.CharField(max_length=120, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_message = models.TextField(blank=True)
    impacts_cleared = models.JSONField(default=list, blank=True)
    readiness_score = models.PositiveSmallIntegerField(null=True, blank=True)
    readiness_findings = models.JSONField(default=list, blank=True)
    # Summary of the evidence rows, kept by appeals.signals / appeal_evidence_summary_refresh (analytics bands).
    evidence_count = models.PositiveSmallIntegerField(default=0, editable=False)
    evidence_categories = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Bit mask of Evidence.CATEGORY_BITS present."
    )
    # Analytics facts, kept by appeals.signals / appeal_analytics_facts_refresh: copies of the violation's
    # attributes and day counts in the organization's calendar, so the dashboard groups one covering index
    # (no join, no timezone conversion per row). The day counts are fixed when computed: a later change of
    # the organization's timezone or closed dates does not recompute them.
    violation_kind = models.CharField(max_length=32, choices=ViolationKind.choices, blank=True, editable=False)
    violation_policy = models.CharField(max_length=255, blank=True, editable=False)
    # The appeal goes with its violation, so the account needs no constraint or cascade of its own.
    violation_account = models.ForeignKey(
        Account,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        editable=False,
        related_name="+",
    )
    violation_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, db_index=False, null=True, editable=False, related_name="+"
    )
    notice_days = models.SmallIntegerField(
        null=True, editable=False, help_text="Local calendar days from the violation's enforced_at to submitted_at."
    )
    decision_business_days = models.PositiveSmallIntegerField(
        null=True, editable=False, help_text="Business days d with submitted day < d <= decided day (local)."
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["violation", "round"]
        constraints = [
            models.UniqueConstraint(fields=["violation", "round"], name="appeal_unique_round"),
            models.CheckConstraint(condition=models.Q(round__gte=1), name="appeal_round_positive"),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(submitted_at__isnull=False)
                | models.Q(status="withdrawn"),
                name="appeal_submitted_has_time",
            ),
        ]
        indexes = [
            # Reminder sweep: decisions due soon (services.reminders).
            models.Index(fields=["due_at"], name="appeal_due_under_review", condition=models.Q(status="under_review")),
            # Inbox, analytics, calendar feed: one organization's decisions due or overdue, in (due_at, id) order.
            models.Index(
                fields=["organization", "due_at", "id"],
                name="appeal_org_due_under_review",
                condition=models.Q(status="under_review"),
            ),
            # Analytics: decided appeals in a date range (selectors.analytics).
            # Covering on PostgreSQL: the dashboard's grouped counts read the index only, not the wide rows.
            models.Index(
                fields=["organization", "decided_at"],
                name="appeal_org_decided_facts",
                include=[
                    "status",
                    "round",
                    "readiness_score",
                    "evidence_count",
                    "evidence_categories",
                    "notice_days",
                    "decision_business_days",
                    "violation_kind",
                    "violation_policy",
                    "violation_account",
                    "violation_assignee",
                ],
            ),
            # Analytics "appeals submitted" volume by kind, read from the index alone (selectors.analytics).
            models.Index(
                fields=["organization", "submitted_at"], name="appeal_org_submitted_kind", include=["violation_kind"]
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal {self.round} for {self.violation_id}"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_decided(self) -> bool:
        return self.status in self.DECIDED

    def is_overdue(self, now: datetime | None = None) -> bool:
        return (
            self.status == self.Status.UNDER_REVIEW
            and self.due_at is not None
            and self.due_at < (now or timezone.now())
        )


class Evidence(models.Model):
    class Category(models.TextChoices):
        IMAGE = "image", "Image"
        DOCUMENT = "document", "Document"
        SPREADSHEET = "spreadsheet", "Spreadsheet"

    # Bits of Appeal.evidence_categories.
    CATEGORY_BITS = {Category.IMAGE: 1, Category.DOCUMENT: 2, Category.SPREADSHEET: 4}

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=private_upload_to, max_length=255)
    thumbnail = models.FileField(upload_to=private_upload_to, max_length=255, blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    category = models.CharField(max_length=16, choices=Category.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["appeal", "sha256"], name="evidence_unique_per_appeal")]
        indexes = [models.Index(fields=["organization", "sha256"], name="evidence_org_sha")]

    def __str__(self) -> str:
        return self.original_name


class ChecklistItem(models.Model):
    """Evidence that usually matters for a violation kind; editable per organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="checklist_items")
    violation_kind = models.CharField(max_length=32, choices=ViolationKind.choices)
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["violation_kind", "position", "id"]

    def __str__(self) -> str:
        return self.text


class AppealTemplate(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="appeal_templates")
    violation_kind = models.CharField(max_length=32, choices=ViolationKind.choices)
    name = models.CharField(max_length=120)
    desired_outcome = models.TextField(blank=True)
    rule_cited = models.CharField(max_length=255, blank=True)
    rule_explanation = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="appeal_template_unique_name")]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    class Team(models.TextChoices):
        ACCOUNT_MANAGER = "account_manager", "Account manager"
        PROGRAM_TEAM = "program_team", "Program team"
        PARTNERSHIP_TEAM = "partnership_team", "Partnership team"

    class Result(models.TextChoices):
        PENDING = "", "No answer yet"
        REVERSED = "reversed", "Reversed"
        PARTIALLY_REVERSED = "partially_reversed", "Partially reversed"
        UPHELD = "upheld", "Upheld"
        NO_ACTION = "no_action", "No action taken"

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="escalations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="escalations")
    appeal = models.ForeignKey(Appeal, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations")
    to_team = models.CharField(max_length=24, choices=Team.choices)
    channel = models.CharField(max_length=120, blank=True)
    reference = models.CharField("ticket or thread reference", max_length=120, blank=True)
    escalated_at = models.DateTimeField(default=timezone.now)
    answer_due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=24, choices=Result.choices, blank=True, default="")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-escalated_at"]
        indexes = [
            # Reminder sweep: escalations waiting for an answer.
            models.Index(
                fields=["answer_due_at"], name="escalation_open_due", condition=models.Q(answered_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation to {self.get_to_team_display()} for {self.violation_id}"


class SupportChannel(models.TextChoices):
    SELLER_CENTER_CHAT = "seller_center_chat", "Seller Center live chat"
    SELLER_CENTER_TICKET = "seller_center_ticket", "Seller Center ticket"
    SELLER_CONTACT_FORM = "seller_contact_form", "Seller contact form (locked out)"
    CREATOR_CHAT = "creator_chat", "Creator Help Center chat"
    CREATOR_TICKET = "creator_ticket", "Creator Help Center support ticket"
    PARTNER_SHOP_CHAT = "partner_shop_chat", "Partner Center: support for a shop"
    PARTNER_CREATOR_CHAT = "partner_creator_chat", "Partner Center: support for a creator"
    PARTNER_TECH_TICKET = "partner_tech_ticket", "Partner Center technical ticket"
    CONTACT_US_FORM = "contact_us_form", "Contact Us email form"


class SupportTicket(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tickets")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tickets")
    violation = models.ForeignKey(Violation, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    appeal = models.ForeignKey(Appeal, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    channel = models.CharField(max_length=32, choices=SupportChannel.choices)
    platform_number = models.CharField("platform ticket number", max_length=120, blank=True)
    subject = models.CharField(max_length=200)
    question = models.TextField("what was asked", blank=True)
    notes = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    # The case's rule version, or the account market's version in force when the ticket was opened.
    rule_version = models.ForeignKey(
        "core.RuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            # SLA reminders and the ticket list's SLA filter.
            models.Index(fields=["organization", "first_response_due_at"], name="ticket_org_first_due"),
            models.Index(fields=["organization", "resolution_due_at"], name="ticket_org_resolution_due"),
            models.Index(fields=["organization", "-opened_at"], name="ticket_org_opened"),
        ]

    def __str__(self) -> str:
        return self.subject


class ChannelRule(models.Model):
    """One recommendation of the channel guide; editable data, defaults from the domain notes."""

    class Audience(models.TextChoices):
        SELLER = "seller", "Seller"
        CREATOR = "creator", "Creator"
        PARTNER_SHOP = "partner_shop", "Partner acting for a shop"
        PARTNER_CREATOR = "partner_creator", "Partner acting for a creator"

    class Issue(models.TextChoices):
        ANY = "any", "Any issue"
        ENFORCEMENT = "enforcement", "Enforcement or violation"
        ORDER = "order", "Order"
        PAYOUT = "payout", "Payout or financial hold"
        LISTING = "listing", "Listing"
        ACCESS = "access", "Account access"
        TECHNICAL = "technical", "Technical problem"

    class Login(models.TextChoices):
        ANY = "any", "Either"
        YES = "yes", "Can log in"
        NO = "no", "Cannot log in"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="channel_rules")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    can_log_in = models.CharField(max_length=4, choices=Login.choices, default=Login.ANY)
    issue = models.CharField(max_length=16, choices=Issue.choices, default=Issue.ANY)
    channel = models.CharField(max_length=32, choices=SupportChannel.choices)
    steps = models.TextField()
    ids_to_have = models.CharField(max_length=255, blank=True)
    advice = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["audience", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} → {self.get_channel_display()}"


class Reminder(models.Model):
    """One email about one deadline for one person: the exactly-once guard."""

    class Kind(models.TextChoices):
        DECISION_DUE_TOMORROW = "decision_due_tomorrow", "Decision due in 1 business day"
        DECISION_DUE_TODAY = "decision_due_today", "Decision due today"
        DECISION_OVERDUE = "decision_overdue", "Decision overdue"
        WINDOW_CLOSING = "window_closing", "Appeal window closing"
        TICKET_FIRST_RESPONSE_AT_RISK = "ticket_first_response_at_risk", "Ticket first response at risk"
        TICKET_FIRST_RESPONSE_BREACHED = "ticket_first_response_breached", "Ticket first response breached"
        TICKET_RESOLUTION_AT_RISK = "ticket_resolution_at_risk", "Ticket resolution at risk"
        TICKET_RESOLUTION_BREACHED = "ticket_resolution_breached", "Ticket resolution breached"
        ESCALATION_UNANSWERED = "escalation_unanswered", "Escalation unanswered"
        AUTHORIZATION_EXPIRING = "authorization_expiring", "Partner authorization expiring"
        # Analytics: the managers' weekly summary; subject_key "organization:<id>", deadline = local Monday 00:00.
        WEEKLY_SUMMARY = "weekly_summary", "Weekly summary"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (unsubscribed)"

    # A copy of the subject's organization (the organization itself for weekly summaries), checked by no
    # database constraint: every other row's subject link (violation, appeal, ticket, escalation, account) keeps
    # one, and that subject cannot outlive its organization; the check cost ~7 µs a row at a sweep's commit.
    # Deleting an organization still deletes its reminders (on_delete runs in Django, as for every link here).
    # Indexed only for failed rows (reminder_org_failed): deleting an organization, which no screen offers,
    # then reads the table. The optional links are indexed only where set (see Meta): each sweep inserts
    # thousands of rows, and every index entry, NULL or not, costs time on insert and claim.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="reminders", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # "appeal:12", "violation:7", "ticket:3", "escalation:5", "account:9": NULL-free, so the unique key holds.
    subject_key = models.CharField(max_length=40)
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders", db_index=False
    )
    ticket = models.ForeignKey(
        SupportTicket, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders", db_index=False
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    deadline = models.DateTimeField()
    send_after = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Who holds the claim: the sweep's key (its claim time) until a task takes the row over, then that task's
    # delivery (its Celery task id), which a redelivery of the same task presents to take it over at once.
    claim_key = models.CharField(max_length=64, blank=True, default="", db_default="")
    # Sent in the recipient's daily digest rather than on its own (their preference for this kind, or their mode).
    digest = models.BooleanField(default=False, db_default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key", "recipient", "deadline"], name="reminder_exactly_once"
            ),
        ]
        indexes = [
            # Send step of the sweep: pending rows whose time has come (sent rows, the bulk, stay out of it).
            models.Index(
                fields=["send_after"], condition=models.Q(status="pending"), name="reminder_pending_send_after"
            ),
            # Managers' failed-reminders list (selectors.deadlines.failed_reminders), run_reminders' failed count.
            # Failed rows only: pending and sent rows, nearly all of them, cost no entry on insert or claim.
            models.Index(fields=["organization"], condition=models.Q(status="failed"), name="reminder_org_failed"),
            *[
                models.Index(fields=[link], condition=models.Q(**{f"{link}__isnull": False}), name=f"reminder_{link}")
                for link in ("appeal", "ticket", "escalation", "account")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key} → {self.recipient_id}"


class TimelineVerb(models.TextChoices):
    CREATED = "created", "created the case"
    EDITED = "edited", "edited the case"
    ASSIGNED = "assigned", "assigned the case"
    WATCHED = "watched", "started watching"
    ATTACHMENT_ADDED = "attachment_added", "attached a notice screenshot"
    IMPORTED = "imported", "imported the case"
    APPEAL_STARTED = "appeal_started", "started an appeal"
    APPEAL_STEP_SAVED = "appeal_step_saved", "saved an appeal step"
    EVIDENCE_ADDED = "evidence_added", "added evidence"
    EVIDENCE_REMOVED = "evidence_removed", "removed evidence"
    APPEAL_SUBMITTED = "appeal_submitted", "marked the appeal submitted"
    OUTCOME_RECORDED = "outcome_recorded", "recorded the outcome"
    FOLLOW_UP_STARTED = "follow_up_started", "started a follow-up appeal"
    ESCALATED = "escalated", "escalated"
    ESCALATION_ANSWERED = "escalation_answered", "recorded the escalation's answer"
    TICKET_OPENED = "ticket_opened", "opened a support ticket"
    TICKET_UPDATED = "ticket_updated", "updated a support ticket"
    REMINDER_SENT = "reminder_sent", "reminder sent"
    COMMENTED = "commented", "commented"
    CORRECTION = "correction", "recorded a correction"
    DEADLINE_MOVED = "deadline_moved", "moved a deadline"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Timeline entries cannot be changed; record a correction instead.")

    def delete(self):
        raise PermissionError("Timeline entries cannot be deleted; record a correction instead.")


class TimelineEvent(models.Model):
    """One entry of a case's history. Append-only: there is no update or delete path."""

    # A copy of the violation's organization, without a constraint of its own (as ViolationItem.organization):
    # the violation's keeps an entry from outliving its case, and the case's from outliving its organization.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # Covered by timeline_violation_created (violation, created_at).
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="timeline", db_index=False)
    # Indexed only where set (timeline_appeal_set, timeline_actor_set): an import's entries have no appeal.
    appeal = models.ForeignKey(
        Appeal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    verb = models.CharField(max_length=32, choices=TimelineVerb.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Case page timeline.
            models.Index(fields=["violation", "created_at"], name="timeline_violation_created"),
            # A deleted appeal's or user's entries are set to NULL through these (on_delete).
            models.Index(fields=["appeal"], condition=models.Q(appeal__isnull=False), name="timeline_appeal_set"),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False), name="timeline_actor_set"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} on {self.violation_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Timeline entries cannot be changed; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Timeline entries cannot be deleted; record a correction instead.")


class Comment(models.Model):
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="comments")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:40]


class SavedView(models.Model):
    """A person's named filter of the violation list (the list's query string), in one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Also the list page's lookup of the viewer's views (user, organization), in name order.
            models.UniqueConstraint(fields=["user", "organization", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportProfile(models.Model):
    """How a team's own spreadsheet layout maps to our columns, saved once and reused for the same headers."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_profiles")
    name = models.CharField(max_length=80)
    # appeals.imports.header_key of the headers: the same headers in the same order find this profile.
    header_key = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    # {our column: position of the file's column}
    mapping = models.JSONField(default=dict)
    date_order = models.CharField(max_length=8, default="auto")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="import_profile_name_unique")]
        # The upload looks a layout up by its headers (services.imports.import_batch_preview).
        indexes = [models.Index(fields=["organization", "header_key"], name="import_profile_headers")]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """An uploaded CSV or XLSX: its columns matched (by name, by a profile or by a person), then parsed rows
    waiting for confirmation; applied in one transaction."""

    class Status(models.TextChoices):
        NEEDS_MAPPING = "mapping", "Columns to match"
        PREVIEWED = "previewed", "Previewed"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    # "line" (CSV) or "row" (spreadsheet): what the numbers in rows and errors count.
    unit = models.CharField(max_length=4, default="line")
    # A file whose headers are not ours is kept (private storage) until it is applied, so its columns can be
    # matched and matched again; headers and the first rows feed the mapping step.
    source = models.FileField(upload_to=private_upload_to, max_length=255, blank=True)
    headers = models.JSONField(default=list)
    samples = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    date_order = models.CharField(max_length=8, default="auto")
    profile = models.ForeignKey(ImportProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import {self.filename}"


# In their own modules: forwarded notices, inbound addresses and notices to review (issue 19); destinations,
# deliveries and reminder preferences (issue 20); deadline recompute jobs (issue 22).
from appeals.inbound_models import InboundAddress, NoticeIntake, NoticeIntakeImage  # noqa: E402, F401
from appeals.notify_models import (  # noqa: E402, F401
    CaseMute,
    Delivery,
    DeliveryAttempt,
    Destination,
    EventType,
    ReminderPreference,
)
from appeals.recompute_models import RecomputeJob  # noqa: E402, F401
from appeals.rollup_models import DecidedDay, DecidedRollup, PointsDay, SubmittedDay, ViolationDay  # noqa: E402, F401
