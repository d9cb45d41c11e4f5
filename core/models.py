"""People and organizations: users, organizations, memberships, invitations, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now

if TYPE_CHECKING:
    from core.calendar import BusinessCalendar


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (use a name such as America/New_York).")


def validate_working_days(value: list[int]) -> None:
    if not isinstance(value, list) or not value or any(d not in range(1, 8) for d in value):
        raise ValidationError("Working days are ISO weekday numbers 1 (Monday) to 7 (Sunday), at least one.")


def default_working_days() -> list[int]:
    return [1, 2, 3, 4, 5]


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person; logs in with an email address."""

    class EmailMode(models.TextChoices):
        IMMEDIATE = "immediate", "Each reminder at once"
        DIGEST = "digest", "One daily digest"

    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    # Off after the one-click unsubscribe link of a reminder email; pending reminders are then skipped.
    reminder_emails = models.BooleanField(default=True)
    weekly_summary = models.BooleanField(default=False, help_text="Managers: a summary email every Monday.")
    # Secret part of the personal iCalendar feed URL; rotating it revokes old subscriptions.
    calendar_token = models.CharField(max_length=64, default=new_secret, unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Organization(models.Model):
    """A seller, a creator or an agency: the unit every record is scoped to."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    is_agency = models.BooleanField(default=False, help_text="Acts for shops or creators as a partner.")
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    holiday_country = models.CharField(max_length=2, default="US")
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    working_days = models.JSONField(default=default_working_days, validators=[validate_working_days])
    opens_at = models.TimeField(default=time(9, 0))
    closes_at = models.TimeField(default=time(17, 0))
    review_business_days = models.PositiveSmallIntegerField(default=3)
    appeal_window_days = models.PositiveSmallIntegerField(default=30)
    # {"<violation kind>": days} for kinds whose window differs from appeal_window_days.
    appeal_window_days_by_kind = models.JSONField(default=dict, blank=True)
    follow_up_window_days = models.PositiveSmallIntegerField(default=15)
    max_rounds = models.PositiveSmallIntegerField(default=2)
    ticket_first_response_hours = models.PositiveSmallIntegerField(default=24)
    ticket_resolution_hours = models.PositiveSmallIntegerField(default=48)
    appeal_char_limit = models.PositiveIntegerField(default=1800)
    repeat_violation_count = models.PositiveSmallIntegerField(default=6)
    repeat_violation_days = models.PositiveSmallIntegerField(default=90)
    penalty_point_expiry_days = models.PositiveSmallIntegerField(default=90)
    penalty_point_milestones = models.JSONField(default=list, blank=True)
    escalation_answer_business_days = models.PositiveSmallIntegerField(default=5)
    authorization_notice_days = models.PositiveSmallIntegerField(default=14)
    # Owners' overrides of a market's platform clock: {"GB": {"timezone": ..., "support_opens_at": "08:00"}}
    # (core.markets.CLOCK_FIELDS); read with every deadline computation, so kept on the row the code already has.
    market_clocks = models.JSONField(default=dict, blank=True)
    # Owners' policy: members without an authenticator app or passkey reach only the set-up page (core.mfa_policy).
    require_two_factor = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="org_opens_before_closes"
            ),
            models.CheckConstraint(condition=models.Q(max_rounds__gte=1), name="org_max_rounds_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def appeal_window_for(self, kind: str) -> int:
        return int(self.appeal_window_days_by_kind.get(kind, self.appeal_window_days))

    def business_calendar(self) -> BusinessCalendar:
        """The team clock: when the organization works (reminders). Deadlines count on core.markets.platform_clock."""
        from core.calendar import BusinessCalendar

        pinned = self.__dict__.get("_pinned_calendar")
        if pinned is not None:
            return pinned
        return BusinessCalendar(
            timezone=self.timezone,
            country=self.holiday_country,
            subdivision=self.holiday_subdivision or None,
            working_days=tuple(self.working_days),
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            closed_dates=frozenset(self.closed_dates.values_list("date", flat=True)),
        )

    def pin_business_calendar(self) -> BusinessCalendar:
        """Build the calendar once for the rest of this instance's life (one closed-dates query), for a read-only
        page whose helpers each ask for it (the case page: header, outcomes, tickets). Never on a request that
        changes the organization's settings or closed dates: this instance would keep the old calendar."""
        self.__dict__.pop("_pinned_calendar", None)
        self.__dict__["_pinned_calendar"] = calendar = self.business_calendar()
        return calendar


class ClosedDate(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["organization", "date"], name="closed_date_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.note}".strip()


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


# Higher ranks include everything lower ranks may do.
ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.MANAGER: 2, Role.OWNER: 3}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]

    @property
    def can_edit(self) -> bool:
        return self.has_role(Role.MEMBER)

    @property
    def can_manage(self) -> bool:
        return self.has_role(Role.MANAGER)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class Invitation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    def is_usable(self, at=None) -> bool:
        at = at or now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > at


class ApiToken(models.Model):
    """A personal token: acts as its user, with that user's role, inside one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SecurityEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Security events cannot be changed.")

    def delete(self):
        raise PermissionError("Security events cannot be deleted.")


class SecurityEvent(models.Model):
    """One sign-in, failure, lock-out or change to a person's credentials. Append-only: no update or delete path."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        LOCKED_OUT = "locked_out", "Locked out after failed sign-ins"
        PASSWORD_CHANGED = "password_changed", "Changed the password"
        PASSWORD_RESET = "password_reset", "Reset the password by email"
        TWO_FACTOR_ADDED = "two_factor_added", "Added a second factor"
        TWO_FACTOR_REMOVED = "two_factor_removed", "Removed a second factor"
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", "Made new recovery codes"
        TOKEN_CREATED = "token_created", "Created an API token"
        TOKEN_REVOKED = "token_revoked", "Revoked an API token"

    # SET_NULL keeps the record when an account is deleted; `email` says whose it was.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    email = models.EmailField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=now)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        indexes = [
            # Owners' security page: the latest events of the organization's members.
            models.Index(fields=["user", "-created_at"], name="security_event_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Security events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Security events cannot be deleted.")


from core.market_models import RuleVersion  # noqa: E402, F401
